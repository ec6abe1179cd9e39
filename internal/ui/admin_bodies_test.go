package ui_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

var shownToken = regexp.MustCompile(`hmb_[A-Za-z0-9_-]{43}`)

func firstBody(t *testing.T, a *apptest.App) *model.VerificationBody {
	t.Helper()
	b, err := a.Store.VerificationBodyByCode(context.Background(), a.Ref.VerificationBodies[0].Code)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The admin creates a token: it is shown once, in the answer to the POST,
// and never again — not on the list, not on a reload of the list, not in
// the database or the audit log. Revoking it shows on the list.
func TestAdminBodyTokenIsShownOnce(t *testing.T) {
	a := apptest.New(t)
	admin, _ := adminBrowser(t, a)
	body := firstBody(t, a)
	list := "/admin/verification-bodies"

	admin.Get("/admin")
	admin.Expect(http.StatusOK, `href="`+list+`"`)
	admin.Get(list)
	admin.Expect(http.StatusOK, body.NameZh, "还没有接口令牌")

	r := admin.Post(list+"/"+adminID(body.ID)+"/tokens", apptest.Form("name", "检定管理系统（生产）"))
	admin.Expect(http.StatusOK, "不会再显示", "检定管理系统（生产）")
	raw := shownToken.FindString(r.Body)
	if raw == "" || strings.Contains(r.URL, raw) {
		t.Fatalf("token page at %s shows no token:\n%s", r.URL, r.Body)
	}
	if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Fatalf("token page Cache-Control %q", cc)
	}
	hint := raw[4:12]

	for _, lang := range []string{"zh-CN", "en"} {
		admin.Header.Set("Accept-Language", lang)
		r = admin.Get(list)
		admin.Expect(http.StatusOK, "hmb_"+hint, "检定管理系统（生产）")
		if strings.Contains(r.Body, raw) || strings.Contains(r.Body, raw[12:]) || shownToken.MatchString(r.Body) {
			t.Fatalf("the list shows the token again in %s", lang)
		}
		if k := adminRawKey.FindString(r.Body); k != "" {
			t.Fatalf("untranslated key %s in %s", k, lang)
		}
	}
	admin.Header.Set("Accept-Language", "zh-CN")
	for _, table := range []string{"body_api_tokens", "audit_log"} {
		var n int64
		q := a.DB.Table(table)
		if table == "audit_log" {
			q = q.Where("after_json LIKE ? OR before_json LIKE ?", "%"+raw[12:]+"%", "%"+raw[12:]+"%")
		} else {
			q = q.Where("token_hash LIKE ? OR name LIKE ? OR hint LIKE ?", "%"+raw[12:]+"%", "%"+raw[12:]+"%", "%"+raw[12:]+"%")
		}
		if err := q.Count(&n).Error; err != nil || n != 0 {
			t.Fatalf("%s: %d rows hold the token (%v)", table, n, err)
		}
	}
	var tok model.BodyAPIToken
	if err := a.DB.Where("hint = ?", hint).Take(&tok).Error; err != nil {
		t.Fatal(err)
	}
	if adminAudits(a, "body_token_create", "body_api_token", adminID(tok.ID)) != 1 {
		t.Fatal("creation not audited")
	}

	admin.Get(list)
	admin.Post("/admin/body-tokens/"+adminID(tok.ID)+"/revoke", nil)
	admin.Expect(http.StatusOK, "令牌已吊销", "已于")
	if !strings.HasPrefix(admin.Last.URL, list) {
		t.Fatalf("revocation ended at %s", admin.Last.URL)
	}
	if strings.Contains(admin.Last.Body, `/admin/body-tokens/`+adminID(tok.ID)+`/revoke`) {
		t.Fatal("a revoked token can still be revoked from the list")
	}
	admin.Post("/admin/body-tokens/"+adminID(tok.ID)+"/revoke", nil) // again: nothing changes
	admin.Expect(http.StatusOK)
	if adminAudits(a, "body_token_revoke", "body_api_token", adminID(tok.ID)) != 1 {
		t.Fatal("revocation not audited exactly once")
	}
	admin.Get(list)
	admin.Post("/admin/body-tokens/99999/revoke", nil)
	admin.Expect(http.StatusNotFound)
}

// A bad name keeps what was typed and says why beside the field; nothing
// is made.
func TestAdminBodyTokenNameIsChecked(t *testing.T) {
	a := apptest.New(t)
	admin, _ := adminBrowser(t, a)
	body := firstBody(t, a)
	long := strings.Repeat("长", 101)
	for name, msg := range map[string]string{"   ": "请填写此项", long: "100"} {
		admin.Get("/admin/verification-bodies")
		r := admin.Post("/admin/verification-bodies/"+adminID(body.ID)+"/tokens", apptest.Form("name", name))
		admin.Expect(http.StatusUnprocessableEntity, `class="field-error"`, msg)
		if strings.TrimSpace(name) != "" && !strings.Contains(r.Body, `value="`+name+`"`) {
			t.Fatalf("the typed name is not kept:\n%s", r.Body)
		}
		if shownToken.MatchString(r.Body) {
			t.Fatal("a refused request shows a token")
		}
	}
	var n int64
	a.DB.Model(&model.BodyAPIToken{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d tokens made from bad names", n)
	}
	admin.Get("/admin/verification-bodies")
	admin.Post("/admin/verification-bodies/99999/tokens", apptest.Form("name", "x"))
	admin.Expect(http.StatusNotFound)
}

// Everyone but the city admin gets the 404 every admin page gives them;
// anonymous visitors are sent to log in.
func TestAdminBodyTokensAreTheCityAdminsOnly(t *testing.T) {
	a := apptest.New(t)
	admin, _ := adminBrowser(t, a)
	body := firstBody(t, a)
	admin.Get("/admin/verification-bodies")
	r := admin.Post("/admin/verification-bodies/"+adminID(body.ID)+"/tokens", apptest.Form("name", "sys"))
	if shownToken.FindString(r.Body) == "" {
		t.Fatal("no token made")
	}
	var tok model.BodyAPIToken
	if err := a.DB.Take(&tok).Error; err != nil {
		t.Fatal(err)
	}
	a.CreateUser("officer@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	a.CreateUser("lab@example.org", "lab-password", model.RoleVerificationBody, "")
	a.CreateUser("13800000099", "merchant-pass", model.RoleMerchant, "")
	for _, o := range [][2]string{{"officer@example.org", "officer-pass"}, {"lab@example.org", "lab-password"}, {"13800000099", "merchant-pass"}} {
		b := a.Browser()
		b.Login(o[0], o[1])
		if r := b.Get("/admin/verification-bodies"); r.Status != http.StatusNotFound {
			t.Errorf("%s: GET the list: %d", o[0], r.Status)
		}
		b.Get("/account/password")
		if r := b.Post("/admin/verification-bodies/"+adminID(body.ID)+"/tokens", apptest.Form("name", "stolen")); r.Status != http.StatusNotFound || shownToken.MatchString(r.Body) {
			t.Errorf("%s: POST a token: %d", o[0], r.Status)
		}
		b.Get("/account/password")
		if r := b.Post("/admin/body-tokens/"+adminID(tok.ID)+"/revoke", nil); r.Status != http.StatusNotFound {
			t.Errorf("%s: POST revoke: %d", o[0], r.Status)
		}
	}
	anon := a.Browser()
	if r := anon.Get("/admin/verification-bodies"); !strings.HasPrefix(r.URL, "/login") {
		t.Errorf("anonymous: ended at %s", r.URL)
	}
	var n int64
	a.DB.Model(&model.BodyAPIToken{}).Where("revoked_at IS NOT NULL OR name = ?", "stolen").Count(&n)
	if n != 0 {
		t.Fatal("a refused request changed the tokens")
	}
}
