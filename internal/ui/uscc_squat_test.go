package ui_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

// A stranger who types a business's credit code into a draft blocks
// nothing; once a unit holds the code, the refusal says nothing about who
// holds it or why; a supervisor with jurisdiction releases it (an officer
// cannot), and the business then applies.
func TestSquattedCreditCode(t *testing.T) {
	a := apptest.New(t)
	a.CreateUser("squatter@example.org", "squat-password", model.RoleMerchant, "")
	squatter := a.Browser()
	squatter.Login("squatter@example.org", "squat-password")
	squatter.Submit("/merchant/units/new", "/merchant/units", a.UnitForm("抢注的摊位", apptest.GoodUSCC))
	squatter.Expect(http.StatusOK, "30 天没有修改的草稿会被删除")

	// The real business applies all the way through despite the draft.
	m, unitID, _ := a.ApprovedUnit("张记鲜肉")

	// Now the code is held: a stranger's new application is refused with
	// words that name neither the holder nor the reason.
	for _, b := range []*apptest.Browser{squatter, a.Browser()} {
		if b != squatter {
			a.CreateUser("prober@example.org", "probe-password", model.RoleMerchant, "")
			b.Login("prober@example.org", "probe-password")
		}
		b.Submit("/merchant/units/new", "/merchant/units", a.UnitForm("试探", apptest.GoodUSCC))
		b.Expect(http.StatusUnprocessableEntity, "这个统一社会信用代码不能用于新的申请。如果这是贵单位的代码，请携营业执照联系所在区市场监管局。")
		for _, leak := range []string{"另一家", "在册", "已被", "张记鲜肉"} {
			if strings.Contains(b.Last.Body, leak) {
				t.Errorf("refusal reveals %q", leak)
			}
		}
	}
	// The squatter's old draft cannot be submitted either, with the same words.
	var draft model.Unit
	a.DB.Where("name = ?", "抢注的摊位").Take(&draft)
	draftPath := "/merchant/units/" + strconv.FormatInt(draft.ID, 10)
	squatter.Submit(draftPath+"/pledge", draftPath+"/pledge", form("signer_name", "王五", "signer_title", "摊主", "agree", "yes", "version", "CZ-2026.1"))
	squatter.Submit(draftPath+"/instruments/new", draftPath+"/instruments", form("type_id", a.TypeID("price_scale"), "serial_no", "X-1", "quantity", "1"))
	squatter.Get(draftPath)
	squatter.Post(draftPath+"/submit", nil)
	squatter.Expect(http.StatusConflict, "这个统一社会信用代码不能用于新的申请")

	// Suppose the business is the impostor: an officer cannot release its
	// code, the supervisor of the district bureau can, with a reason.
	staffUnit := "/staff/units/" + strconv.FormatInt(unitID, 10)
	a.CreateUser("officer@example.org", "staff-password", model.RoleOfficer, "cz-tianning")
	officer := a.Browser()
	officer.Login("officer@example.org", "staff-password")
	officer.Get(staffUnit)
	if strings.Contains(officer.Last.Body, "credit-code/release") {
		t.Error("an officer is offered the release")
	}
	if r := officer.Post(staffUnit+"/credit-code/release", form("release_reason", "x")); r.Status != http.StatusNotFound {
		t.Fatalf("officer released: %d", r.Status)
	}
	a.CreateUser("supervisor@example.org", "staff-password", model.RoleSupervisor, "cz-tianning")
	sup := a.Browser()
	sup.Login("supervisor@example.org", "staff-password")
	sup.Get("/staff/applications?uscc=" + strings.ToLower(apptest.GoodUSCC))
	sup.Expect(http.StatusOK, "张记鲜肉")
	if strings.Contains(sup.Last.Body, "抢注的摊位") {
		t.Error("the code search lists a draft")
	}
	sup.Get(staffUnit)
	if r := sup.Post(staffUnit+"/credit-code/release", form("release_reason", "")); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("release without a reason: %d", r.Status)
	}
	sup.Submit(staffUnit, staffUnit+"/credit-code/release", form("release_reason", "营业执照核实：代码属于另一家经营者"))
	sup.Expect(http.StatusOK, "已解除信用代码占用")
	var logged int64
	a.DB.Table("audit_log").Where("action = ? AND object_id = ? AND after_json LIKE ?", "unit_change", strconv.FormatInt(unitID, 10), "%营业执照核实%").Count(&logged)
	if logged != 1 {
		t.Fatalf("release audited %d times", logged)
	}
	m.Get("/merchant/units/" + strconv.FormatInt(unitID, 10))
	m.Expect(http.StatusOK, "营业执照核实：代码属于另一家经营者")

	squatter.Get(draftPath)
	squatter.Post(draftPath+"/submit", nil)
	if !strings.Contains(squatter.Last.URL, "ok=submitted") {
		t.Fatalf("submission after the release: %d %s", squatter.Last.Status, squatter.Last.URL)
	}
}
