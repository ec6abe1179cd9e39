package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

var form = apptest.Form

const goodUSCC = apptest.GoodUSCC

// TestMerchantJourney goes from sign-up to an approved unit with verified
// instruments, through every bad input the issue names.
func TestMerchantJourney(t *testing.T) {
	a := apptest.New(t)
	m := a.Browser()

	// Sign-up: bad input comes back with messages and what was typed.
	m.Submit("/signup", "/signup", form("login", "138-1234"))
	m.Expect(http.StatusUnprocessableEntity, "请填写 11 位手机号", `value="138-1234"`)
	m.Submit("/signup", "/signup", form("login", "138 1234 5678"))
	m.Expect(http.StatusOK, "验证码已通过短信发送至 138****5678")
	m.Post("/signup/code", form("login", "13812345678", "code", "12", "display_name", "张三", "password", "short", "password_confirm", "other"))
	m.Expect(http.StatusUnprocessableEntity, "请输入 6 位数字验证码", "密码至少 8 位", "两次输入的密码不一致", `value="张三"`)
	m.Post("/signup/code", form("login", "13812345678", "code", a.SentCode("13812345678"), "display_name", "张三", "password", "correct horse", "password_confirm", "correct horse"))
	m.Expect(http.StatusOK, "注册成功")
	if m.Last.URL != "/merchant?ok=welcome" {
		t.Fatalf("after sign-up at %s", m.Last.URL)
	}

	// Application: a wrong check character is explained, the form keeps everything.
	bad := a.UnitForm("红梅农贸市场 3号摊位 张记", "91310110666007217U")
	m.Submit("/merchant/units/new", "/merchant/units", bad)
	m.Expect(http.StatusUnprocessableEntity, "校验位是“U”", "应为“T”", `value="红梅农贸市场 3号摊位 张记"`, `value="13812345678"`, `value="06:00–19:00"`)
	m.Submit("/merchant/units/new", "/merchant/units", a.UnitForm("红梅农贸市场 3号摊位 张记", "9131011066600721OT"))
	m.Expect(http.StatusUnprocessableEntity, "第 17 位的“O”不允许出现")
	m.Submit("/merchant/units/new", "/merchant/units", a.UnitForm("红梅农贸市场 3号摊位 张记", goodUSCC))
	m.Expect(http.StatusOK, "已保存为草稿", "草稿")
	unitID := m.UnitID()
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)

	// A draft reserves no code, so a second draft with it is saved; the
	// code is reserved on submission (TestSquattedCreditCode).
	m.Submit("/merchant/units/new", "/merchant/units", a.UnitForm("另一家", goodUSCC))
	m.Expect(http.StatusOK, "已保存为草稿")

	// Submitting before the pledge and instruments is refused with a reason.
	m.Get(unit)
	m.Expect(http.StatusOK, "提交前请先签署承诺书", "提交前请至少登记一台计量器具")
	m.Post(unit+"/submit", nil)
	m.Expect(http.StatusConflict, "现在还不能提交")

	// Pledge: must tick the box; then stored with digest, address and validity.
	m.Submit(unit+"/pledge", unit+"/pledge", form("signer_name", "张三", "signer_title", "", "version", "CZ-2026.1"))
	m.Expect(http.StatusUnprocessableEntity, "请勾选同意后再签署", "请填写此项", "严格遵守《中华人民共和国计量法》", "Obey the Metrology Law")
	m.Submit(unit+"/pledge", unit+"/pledge", form("signer_name", "张三", "signer_title", "店主", "agree", "yes", "version", "CZ-2026.1"))
	m.Expect(http.StatusOK, "承诺书已签署", "张三（店主）")
	var p model.Pledge
	a.DB.Where("unit_id = ?", unitID).Take(&p)
	text, _ := a.Store.CurrentPledgeText(context.Background())
	if p.TextSHA256 != text.SHA256 || p.TextSHA256 != model.PledgeDigest(text.TitleZh, text.BodyZh, text.TitleEn, text.BodyEn) || p.SignerIP == "" {
		t.Fatalf("pledge record %+v", p)
	}
	if months := p.ValidUntil.Sub(p.SignedAt).Hours() / 24 / 30.4; months < 35.5 || months > 36.5 {
		t.Fatalf("pledge valid for %.1f months, want 36", months)
	}

	// Bulk add of twelve identical scales.
	scale := a.TypeID("price_scale")
	m.Submit(unit+"/instruments/new", unit+"/instruments", form("type_id", scale, "serial_no", "YS-2026-001", "quantity", "12", "location", "水产区", "model", "ACS-15"))
	m.Expect(http.StatusOK, "计量器具已批量添加", "YS-2026-001", "YS-2026-012")
	var n int64
	a.DB.Model(&model.Instrument{}).Where("unit_id = ?", unitID).Count(&n)
	if n != 12 {
		t.Fatalf("%d instruments, want 12", n)
	}
	// A duplicate serial in the unit is named.
	m.Submit(unit+"/instruments/new", unit+"/instruments", form("type_id", scale, "serial_no", "YS-2026-011", "quantity", "3"))
	m.Expect(http.StatusUnprocessableEntity, "编号 YS-2026-011 已被本单位另一台在用器具使用", `value="YS-2026-011"`)
	a.DB.Model(&model.Instrument{}).Where("unit_id = ?", unitID).Count(&n)
	if n != 12 {
		t.Fatalf("a refused batch left %d instruments, want 12", n)
	}

	// Certificates: future date and valid-until before date each get their message.
	var first model.Instrument
	a.DB.Where("unit_id = ? AND serial_no = ?", unitID, "YS-2026-001").Take(&first)
	inst := "/merchant/instruments/" + strconv.FormatInt(first.ID, 10)
	tomorrow := a.Now().In(model.Zone).AddDate(0, 0, 1).Format("2006-01-02")
	m.Submit(inst, inst+"/verifications", form("certificate_no", "JD2026-0001", "body_name", "常州市计量测试技术研究所", "verified_on", tomorrow, "result", "pass"))
	m.Expect(http.StatusUnprocessableEntity, "检定日期不能晚于今天", `value="JD2026-0001"`)
	m.Submit(inst, inst+"/verifications", form("certificate_no", "JD2026-0001", "body_name", "常州市计量测试技术研究所", "verified_on", "2026-05-10", "valid_until", "2026-05-09", "result", "pass"))
	m.Expect(http.StatusUnprocessableEntity, "有效期不能早于检定日期")
	recent := a.Now().In(model.Zone).AddDate(0, -1, 0).Format("2006-01-02")
	m.Submit(inst, inst+"/verifications", form("certificate_no", "JD2026-0001", "body_name", "常州市计量测试技术研究所", "verified_on", recent, "result", "pass"))
	m.Expect(http.StatusOK, "检定证书已登记", "JD2026-0001", "检定有效")

	// The dashboard lists what needs attention: the eleven unverified scales.
	m.Get("/merchant")
	if got := strings.Count(m.Last.Body, `badge state-never_verified`); got != 11 {
		t.Fatalf("dashboard shows %d never-verified instruments, want 11", got)
	}

	// Submit for review.
	m.Get(unit)
	m.Post(unit+"/submit", nil)
	m.Expect(http.StatusOK, "申请已提交", "审核中")

	// The Tianning officer sees it; the Zhonglou officer neither sees nor opens it.
	a.CreateUser("tianning@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	a.CreateUser("zhonglou@example.org", "officer-pass", model.RoleOfficer, "cz-zhonglou")
	tn, zl := a.Browser(), a.Browser()
	tn.Login("tianning@example.org", "officer-pass")
	zl.Login("zhonglou@example.org", "officer-pass")
	staffUnit := "/staff/units/" + strconv.FormatInt(unitID, 10)
	tn.Get("/staff/applications")
	tn.Expect(http.StatusOK, "红梅农贸市场 3号摊位 张记")
	zl.Get("/staff/applications")
	zl.Expect(http.StatusOK)
	if strings.Contains(zl.Last.Body, "张记") {
		t.Fatal("another district's officer sees the application")
	}
	zl.Get(staffUnit)
	zl.Expect(http.StatusNotFound)
	zl.Get("/staff/applications")
	zl.Post(staffUnit+"/approve", nil)
	zl.Expect(http.StatusNotFound)

	// Return needs a reason, which the merchant then sees.
	tn.Submit(staffUnit, staffUnit+"/return", form("reason", ""))
	tn.Expect(http.StatusUnprocessableEntity, "请填写原因")
	tn.Submit(staffUnit, staffUnit+"/return", form("reason", "摊位号与营业执照不一致"))
	tn.Expect(http.StatusOK, "已退回")
	m.Get(unit)
	m.Expect(http.StatusOK, "已退回", "摊位号与营业执照不一致")

	// Resubmit, approve.
	m.Post(unit+"/submit", nil)
	m.Expect(http.StatusOK, "申请已提交")
	tn.Submit(staffUnit, staffUnit+"/approve", nil)
	tn.Expect(http.StatusOK, "已通过")
	// Approving twice is an invalid transition: clear message, nothing changes.
	tn.Post(staffUnit+"/approve", form("_csrf", tn.CSRF()))
	tn.Expect(http.StatusConflict, "当前状态下不能进行这个操作")
	m.Get(unit)
	m.Expect(http.StatusOK, "示范单位", "打印门店海报")

	// Once approved, name and code are locked; contact details still change.
	m.Submit(unit+"/edit", unit, func() url.Values {
		f := a.UnitForm("改个名字", goodUSCC)
		f.Set("contact_phone", "13900001111")
		return f
	}())
	m.Expect(http.StatusOK, "已保存", "红梅农贸市场 3号摊位 张记", "13900001111")
	if strings.Contains(m.Last.Body, "改个名字") {
		t.Fatal("approved unit's name changed by its owner")
	}
	events, _ := a.Store.UnitEvents(context.Background(), unitID)
	if len(events) != 4 { // submit, return, submit, approve
		t.Fatalf("%d status events, want 4", len(events))
	}
}

// Another merchant's unit or instrument in a URL is a 404, never the data.
func TestCrossAccountAccessIsNotFound(t *testing.T) {
	a := apptest.New(t)
	owner, other := a.Browser(), a.Browser()
	a.CreateUser("13800000001", "owner-pass-1", model.RoleMerchant, "")
	a.CreateUser("13800000002", "other-pass-1", model.RoleMerchant, "")
	owner.Login("13800000001", "owner-pass-1")
	other.Login("13800000002", "other-pass-1")
	owner.Submit("/merchant/units/new", "/merchant/units", a.UnitForm("秘密摊位", goodUSCC))
	unitID := owner.UnitID()
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	owner.Submit(unit+"/instruments/new", unit+"/instruments", form("type_id", a.TypeID("price_scale"), "serial_no", "SECRET-1", "quantity", "1"))
	var in model.Instrument
	a.DB.Where("serial_no = ?", "SECRET-1").Take(&in)
	inst := "/merchant/instruments/" + strconv.FormatInt(in.ID, 10)

	other.Get("/merchant")
	for _, path := range []string{unit, unit + "/edit", unit + "/pledge", unit + "/instruments/new", inst, inst + "/edit"} {
		if r := other.Get(path); r.Status != http.StatusNotFound || strings.Contains(r.Body, "秘密摊位") || strings.Contains(r.Body, "SECRET-1") {
			t.Errorf("GET %s by another merchant: %d", path, r.Status)
		}
	}
	other.Get("/merchant")
	for _, path := range []string{unit, unit + "/submit", unit + "/pledge", unit + "/instruments", inst, inst + "/retire", inst + "/verifications"} {
		if r := other.Post(path, form("name", "hijacked", "serial_no", "X", "agree", "yes")); r.Status != http.StatusNotFound {
			t.Errorf("POST %s by another merchant: %d", path, r.Status)
		}
	}
	u, _ := a.Store.UnitByID(context.Background(), unitID)
	if u.Name != "秘密摊位" || u.Status != model.UnitDraft {
		t.Fatalf("unit changed by another merchant: %+v", u)
	}
	// Staff have no business in merchant pages either, and merchants none in staff pages.
	a.CreateUser("off@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	staff := a.Browser()
	staff.Login("off@example.org", "officer-pass")
	if r := staff.Get(unit); r.Status != http.StatusNotFound {
		t.Errorf("officer on a merchant page: %d", r.Status)
	}
	if r := owner.Get("/staff/applications"); r.Status != http.StatusNotFound {
		t.Errorf("merchant on a staff page: %d", r.Status)
	}
	if r := a.Browser().Get(unit); r.URL != "/login?next="+url.QueryEscape(unit) && !strings.HasPrefix(r.URL, "/login") {
		t.Errorf("anonymous visitor not sent to login: %s", r.URL)
	}
}

func TestSessionsAreRenewedAndEnded(t *testing.T) {
	a := apptest.New(t)
	a.CreateUser("13800000005", "first-password", model.RoleMerchant, "")
	b := a.Browser()
	b.SetCookie("hm_session", "planted-by-an-attacker")
	b.Get("/login")
	r := b.Submit("/login", "/login", form("login", "13800000005", "password", "first-password"))
	if r.URL != "/merchant" {
		t.Fatalf("after login at %s", r.URL)
	}
	token := b.Cookie("hm_session")
	if token == "" || token == "planted-by-an-attacker" {
		t.Fatalf("session not renewed at login: %q", token)
	}
	// A second device; changing the password on the first signs it out.
	other := a.Browser()
	other.Login("13800000005", "first-password")
	b.Submit("/account/password", "/account/password", form("current", "wrong", "new", "second-password", "new_confirm", "second-password"))
	b.Expect(http.StatusUnprocessableEntity, "当前密码不正确")
	b.Submit("/account/password", "/account/password", form("current", "first-password", "new", "second-password", "new_confirm", "second-password"))
	b.Expect(http.StatusOK, "密码已修改")
	if r := other.Get("/merchant"); !strings.HasPrefix(r.URL, "/login") {
		t.Fatalf("other device still signed in after a password change: %s", r.URL)
	}
	// Logout ends the session on the server: the old cookie is worthless.
	b.Get("/merchant")
	b.Post("/logout", nil)
	b.Expect(http.StatusOK, "您已退出登录")
	b.SetCookie("hm_session", token)
	if r := b.Get("/merchant"); !strings.HasPrefix(r.URL, "/login") {
		t.Fatalf("logged-out session still works: %s", r.URL)
	}
}

func TestSessionCookieFlags(t *testing.T) {
	a := apptest.New(t)
	a.CreateUser("13800000006", "some-password", model.RoleMerchant, "")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(a.URL+"/login", form("login", "13800000006", "password", "some-password"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	set := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"hm_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(set, want) {
			t.Errorf("session cookie %q lacks %s", set, want)
		}
	}
	if strings.Contains(set, "Secure") {
		t.Error("Secure cookie over plain http would never be sent back")
	}
}

func TestForgedRequestsAreRefused(t *testing.T) {
	a := apptest.New(t)
	a.CreateUser("13800000007", "some-password", model.RoleMerchant, "")
	b := a.Browser()
	b.Login("13800000007", "some-password")
	// No token.
	b.Post("/merchant/units", form("_csrf", "nope", "name", "x"))
	b.Expect(http.StatusForbidden, "没有通过安全检查")
	// Another site's page posting with the victim's cookies.
	b.Get("/merchant/units/new")
	b.Header.Set("Origin", "https://evil.example")
	b.Header.Set("Sec-Fetch-Site", "cross-site")
	b.Post("/merchant/units", a.UnitForm("forged", goodUSCC))
	b.Expect(http.StatusForbidden)
	var n int64
	a.DB.Model(&model.Unit{}).Count(&n)
	if n != 0 {
		t.Fatalf("forged request created %d units", n)
	}
}

func TestShopFrontPhoto(t *testing.T) {
	a := apptest.New(t)
	a.CreateUser("13800000020", "merchant-pass", model.RoleMerchant, "")
	m := a.Browser()
	m.Login("13800000020", "merchant-pass")
	m.Get("/merchant/units/new")
	f := a.UnitForm("带照片的门店", goodUSCC)
	f.Set("_csrf", m.CSRF())
	m.PostMultipart("/merchant/units", f, apptest.File{Field: "shop_photo", Name: "shop.pdf", Data: []byte("%PDF-1.4")})
	m.Expect(http.StatusUnprocessableEntity, "不是 JPG、PNG 或 WebP 照片", `value="带照片的门店"`)
	m.PostMultipart("/merchant/units", f, apptest.File{Field: "shop_photo", Name: "shop.jpg", Data: gpsJPEG(t)})
	m.Expect(http.StatusOK, "已保存为草稿", `class="shop-photo"`)
	unit := "/merchant/units/" + strconv.FormatInt(m.UnitID(), 10)
	r := m.Get(unit + "/photo")
	if r.Status != 200 || r.Header.Get("Content-Type") != "image/jpeg" || strings.Contains(r.Body, "GPSMARKER") {
		t.Fatalf("photo: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	a.CreateUser("13800000021", "merchant-pass", model.RoleMerchant, "")
	o := a.Browser()
	o.Login("13800000021", "merchant-pass")
	if r := o.Get(unit + "/photo"); r.Status != http.StatusNotFound {
		t.Fatalf("another merchant sees the photo: %d", r.Status)
	}
}
