package ui_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/outbox"
)

// changeForm is the change request form for a unit as it is, with the
// name changed and a reason.
func changeForm(a *apptest.App, name, reason string) map[string][]string {
	f := a.UnitForm(name, goodUSCC)
	f.Set("reason", reason)
	return f
}

// The owner of a published unit asks to change its name instead of being
// told to call the bureau; the officer with jurisdiction sees the request
// in the applications list and on the unit page, old → new, and approves
// it: the unit, its scan page and the merchant's page show the new name,
// and the merchant gets a text message. Another agency's officer sees
// nothing and cannot decide.
func TestChangeRequestApprovedByTheOfficer(t *testing.T) {
	a := apptest.New(t)
	m, id, _ := a.ApprovedUnit("红梅农贸市场 3号摊位")
	unit := "/merchant/units/" + strconv.FormatInt(id, 10)

	m.Get(unit + "/edit")
	m.Expect(http.StatusOK, `href="`+unit+`/change-request"`)
	if strings.Contains(m.Last.Body, "请联系区市场监管局") {
		t.Error("the edit form still says to contact the bureau")
	}
	m.Get(unit + "/change-request")
	m.Expect(http.StatusOK, "申请变更已审核信息", `value="红梅农贸市场 3号摊位"`)
	m.Post(unit+"/change-request", changeForm(a, "红梅农贸市场 3号摊位", "没改"))
	m.Expect(http.StatusUnprocessableEntity, "没有任何变更")
	m.Post(unit+"/change-request", changeForm(a, "红梅农贸市场 5号摊位", ""))
	m.Expect(http.StatusUnprocessableEntity, `value="红梅农贸市场 5号摊位"`)
	m.Submit(unit+"/change-request", unit+"/change-request", changeForm(a, "红梅农贸市场 5号摊位", "摊位调整到5号"))
	m.Expect(http.StatusOK, "变更申请已提交", "等待审核", "→ 红梅农贸市场 5号摊位", "摊位调整到5号", "撤回申请")
	if !strings.HasPrefix(m.Last.URL, unit+"?") {
		t.Fatalf("after sending: %s", m.Last.URL)
	}
	// One open request: the form leads to it.
	m.Get(unit + "/change-request")
	if m.Last.URL != unit {
		t.Fatalf("with a request open the form went to %s", m.Last.URL)
	}
	m.Get(unit + "/public")
	m.Expect(http.StatusOK, "红梅农贸市场 3号摊位")

	a.CreateUser("zhonglou@example.org", "officer-pass", model.RoleOfficer, "cz-zhonglou")
	zl := a.Browser()
	zl.Login("zhonglou@example.org", "officer-pass")
	zl.Get("/staff/applications?view=changes")
	zl.Expect(http.StatusOK, "变更申请 <b>0</b>", "没有等待审核的变更申请")
	var req model.UnitChangeRequest
	a.DB.Where("unit_id = ?", id).Take(&req)
	decide := "/staff/change-requests/" + strconv.FormatInt(req.ID, 10)
	zl.Post(decide+"/approve", nil)
	zl.Expect(http.StatusNotFound)

	a.CreateUser("tianning@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	tn := a.Browser()
	tn.Login("tianning@example.org", "officer-pass")
	tn.Get("/staff/applications?view=changes")
	tn.Expect(http.StatusOK, "变更申请 <b>1</b>", "红梅农贸市场 3号摊位", "红梅农贸市场 5号摊位", `class="table-wrap"`)
	tn.Get("/staff/units/" + strconv.FormatInt(id, 10))
	tn.Expect(http.StatusOK, "已审核信息变更", "→ 红梅农贸市场 5号摊位", "摊位调整到5号", "通过变更", "不予通过", `for="decision_reason"`)
	tn.Post(decide+"/reject", nil)
	tn.Expect(http.StatusUnprocessableEntity, "已审核信息变更")
	tn.Get("/staff/units/" + strconv.FormatInt(id, 10))
	tn.Post(decide+"/approve", nil)
	tn.Expect(http.StatusOK, "变更已通过")

	m.Get(unit)
	m.Expect(http.StatusOK, "红梅农贸市场 5号摊位", "已通过")
	m.Get(unit + "/public")
	m.Expect(http.StatusOK, "红梅农贸市场 5号摊位")
	scan := a.Browser()
	scan.Get(a.ScanPath(model.QRUnit, id))
	scan.Expect(http.StatusOK, "红梅农贸市场 5号摊位")

	var sms *outbox.SMSPayload
	for _, msg := range a.SentTo(apptest.MerchantLogin) {
		if msg.Event == notices.EventUnitChange {
			sms = &outbox.SMSPayload{}
			if err := json.Unmarshal([]byte(msg.Body), sms); err != nil {
				t.Fatal(err)
			}
		}
	}
	if sms == nil || sms.Template != "unit.change_decided" || !strings.Contains(sms.Text, "已通过") {
		t.Fatalf("the merchant was told %+v", sms)
	}
}

// A rejected request shows its reason on the merchant's page; a withdrawn
// one makes room for the next.
func TestChangeRequestRejectedAndWithdrawn(t *testing.T) {
	a := apptest.New(t)
	m, id, _ := a.ApprovedUnit("红梅农贸市场 3号摊位")
	unit := "/merchant/units/" + strconv.FormatInt(id, 10)
	m.Submit(unit+"/change-request", unit+"/change-request", changeForm(a, "第一次", "改名"))
	m.Post(unit+"/change-request/withdraw", nil)
	m.Expect(http.StatusOK, "变更申请已撤回", "已撤回")
	m.Submit(unit+"/change-request", unit+"/change-request", changeForm(a, "第二次", "改名"))
	m.Expect(http.StatusOK, "变更申请已提交")

	a.CreateUser("tianning@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	tn := a.Browser()
	tn.Login("tianning@example.org", "officer-pass")
	var req model.UnitChangeRequest
	a.DB.Where("unit_id = ? AND state = ?", id, model.ChangeOpen).Take(&req)
	tn.Submit("/staff/units/"+strconv.FormatInt(id, 10), "/staff/change-requests/"+strconv.FormatInt(req.ID, 10)+"/reject",
		apptest.Form("decision_reason", "营业执照上的名称未变"))
	tn.Expect(http.StatusOK, "变更未通过")

	m.Get(unit)
	m.Expect(http.StatusOK, "未通过", "营业执照上的名称未变", "红梅农贸市场 3号摊位", `href="`+unit+`/change-request"`)
}

var formKeyInput = regexp.MustCompile(`name="form_key" value="([^"]+)"`)

// A shop photo sent with a form that has a problem is kept: the form comes
// back saying so with a thumbnail, and once the problem is fixed, without
// choosing the photo again, the unit has it. Only its merchant sees the
// thumbnail; a photo removed from the form is not used.
func TestShopPhotoKeptAcrossAnError(t *testing.T) {
	a := apptest.New(t)
	a.CreateUser("13800000022", "merchant-pass", model.RoleMerchant, "")
	m := a.Browser()
	m.Login("13800000022", "merchant-pass")
	m.Get("/merchant/units/new")
	f := a.UnitForm("", goodUSCC)
	f.Set("_csrf", m.CSRF())
	key := formKeyInput.FindStringSubmatch(m.Last.Body)
	if key == nil {
		t.Fatal("the unit form has no form key")
	}
	f.Set("form_key", key[1])
	m.PostMultipart("/merchant/units", f, apptest.File{Field: "shop_photo", Name: "shop.jpg", Data: gpsJPEG(t)})
	m.Expect(http.StatusUnprocessableEntity, "照片已保留", "/merchant/units/held-photo/"+key[1], "删除这张照片", `value="`+key[1]+`"`)
	thumb := m.Get("/merchant/units/held-photo/" + key[1])
	if thumb.Status != http.StatusOK || thumb.Header.Get("Content-Type") != "image/jpeg" || strings.Contains(thumb.Body, "GPSMARKER") {
		t.Fatalf("thumbnail: %d %s", thumb.Status, thumb.Header.Get("Content-Type"))
	}
	a.CreateUser("13800000023", "merchant-pass", model.RoleMerchant, "")
	o := a.Browser()
	o.Login("13800000023", "merchant-pass")
	if r := o.Get("/merchant/units/held-photo/" + key[1]); r.Status != http.StatusNotFound {
		t.Fatalf("another merchant sees the held photo: %d", r.Status)
	}

	f.Set("name", "带照片的门店")
	m.PostMultipart("/merchant/units", f)
	m.Expect(http.StatusOK, "已保存为草稿", `class="shop-photo"`)
	photo := m.Get("/merchant/units/" + strconv.FormatInt(m.UnitID(), 10) + "/photo")
	if photo.Status != http.StatusOK || photo.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("the unit's photo: %d", photo.Status)
	}
	var held int64
	a.DB.Model(&model.HeldPhoto{}).Count(&held)
	if held != 0 {
		t.Fatalf("%d photos still held after the save", held)
	}

	// Removed before the save: the unit has no photo.
	m.Get("/merchant/units/new")
	g := a.UnitForm("", "92320402MA1XXXXX1"+checkChar(t, "92320402MA1XXXXX1"))
	g.Set("_csrf", m.CSRF())
	g.Set("form_key", formKeyInput.FindStringSubmatch(m.Last.Body)[1])
	m.PostMultipart("/merchant/units", g, apptest.File{Field: "shop_photo", Name: "shop.jpg", Data: gpsJPEG(t)})
	m.Expect(http.StatusUnprocessableEntity, "照片已保留")
	g.Set("name", "不要照片的门店")
	g.Set("drop_held", "yes")
	m.PostMultipart("/merchant/units", g)
	m.Expect(http.StatusOK, "已保存为草稿")
	if strings.Contains(m.Last.Body, `class="shop-photo"`) {
		t.Fatal("a removed photo was used")
	}
}
