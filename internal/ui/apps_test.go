package ui_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
	"honestmeasure/internal/workdays"
)

// applicationRow is the list row that names unit, failing the test when
// there is none.
func applicationRow(t *testing.T, body, unit string) string {
	t.Helper()
	for _, row := range strings.Split(body, "<tr>") {
		if strings.Contains(row, unit) {
			return row
		}
	}
	t.Fatalf("no row for %s", unit)
	return ""
}

// The officer's list shows each tab's count, how many working days each
// unit has waited (oldest first) and which units have an instrument in use
// without a certificate.
func TestApplicationsShowCountsWaitingAndCertificates(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	a.CreateUser(apptest.MerchantLogin, apptest.MerchantPass, model.RoleMerchant, "")
	m := a.Browser()
	m.Login(apptest.MerchantLogin, apptest.MerchantPass)
	apply := func(name, code, serial string, certified bool) int64 {
		t.Helper()
		m.Submit("/merchant/units/new", "/merchant/units", a.UnitForm(name, code))
		id := m.UnitID()
		unit := "/merchant/units/" + strconv.FormatInt(id, 10)
		m.Submit(unit+"/pledge", unit+"/pledge", apptest.Form("signer_name", "李四", "signer_title", "摊主", "agree", "yes", "version", "CZ-2026.1"))
		m.Submit(unit+"/instruments/new", unit+"/instruments", apptest.Form("type_id", a.TypeID("price_scale"), "serial_no", serial, "quantity", "1", "location", "1号摊位"))
		if certified {
			var in model.Instrument
			a.DB.Where("unit_id = ? AND serial_no = ?", id, serial).Take(&in)
			inst := "/merchant/instruments/" + strconv.FormatInt(in.ID, 10)
			recent := a.Now().In(model.Zone).AddDate(0, -1, 0).Format(time.DateOnly)
			m.Submit(inst, inst+"/verifications", apptest.Form("certificate_no", "JD-"+serial, "body_name", "常州市计量测试技术研究所", "verified_on", recent, "result", "pass"))
			m.Expect(http.StatusOK, "检定证书已登记")
		}
		m.Get(unit)
		m.Post(unit+"/submit", nil)
		m.Expect(http.StatusOK, "申请已提交")
		return id
	}
	code := func(body string) string { return body + checkChar(t, body) }

	// The uncertified unit was submitted twelve days before the certified one.
	oldID := apply("老摊位 无证书", goodUSCC, "OLD-1", false)
	a.Advance(12 * 24 * time.Hour)
	apply("新摊位 有证书", code("92320402MA1XXXXX1"), "NEW-1", true)
	publishedID := apply("已通过的摊位", code("92320402MA1XXXXX2"), "PUB-1", true)
	if err := a.Store.ChangeUnitStatus(ctx, storage.UnitChange{UnitID: publishedID, From: model.UnitSubmitted, To: model.UnitApproved, At: a.Now()}); err != nil {
		t.Fatal(err)
	}

	a.CreateUser("tianning@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	tn := a.Browser()
	tn.Login("tianning@example.org", "officer-pass")
	tn.Get("/staff/applications")
	tn.Expect(http.StatusOK, "审核中 <b>2</b>", "示范单位 <b>1</b>", "已退回 <b>0</b>")

	body := tn.Last.Body
	if strings.Index(body, "老摊位 无证书") > strings.Index(body, "新摊位 有证书") {
		t.Error("the unit waiting longer is not listed first")
	}
	holidays, err := a.Store.Holidays(ctx)
	if err != nil {
		t.Fatal(err)
	}
	old, err := a.Store.UnitByID(ctx, oldID)
	if err != nil {
		t.Fatal(err)
	}
	days := workdays.New(holidays).WorkingDaysBetween(*old.SubmittedAt, a.Now())
	if days < 6 { // twelve calendar days hold at least six working days, whatever the holidays
		t.Fatalf("%d working days in twelve calendar days", days)
	}
	row := applicationRow(t, body, "老摊位 无证书")
	for _, want := range []string{"已等待 " + strconv.Itoa(days) + " 个工作日", "有在用计量器具未登记检定证书"} {
		if !strings.Contains(row, want) {
			t.Errorf("the older unit's row lacks %q: %s", want, row)
		}
	}
	row = applicationRow(t, body, "新摊位 有证书")
	if !strings.Contains(row, "今天提交") || strings.Contains(row, "未登记检定证书") {
		t.Errorf("the certified unit submitted today: %s", row)
	}

	// The published tab: no waiting time, no warning for a certified unit.
	tn.Get("/staff/applications?status=approved")
	row = applicationRow(t, tn.Last.Body, "已通过的摊位")
	if strings.Contains(row, "已等待") || strings.Contains(row, "今天提交") || strings.Contains(row, "未登记检定证书") {
		t.Errorf("the published unit's row: %s", row)
	}

	// Another district's officer counts none of them.
	a.CreateUser("zhonglou@example.org", "officer-pass", model.RoleOfficer, "cz-zhonglou")
	zl := a.Browser()
	zl.Login("zhonglou@example.org", "officer-pass")
	zl.Get("/staff/applications")
	zl.Expect(http.StatusOK, "审核中 <b>0</b>", "示范单位 <b>0</b>")
}

// The unit page offers the renewal only in the pledge's last
// units.RenewalLeadDays, and signing earlier is refused with the date it
// opens.
func TestPledgeRenewalOfferedOnlyWhenDue(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	m, id, _ := a.ApprovedUnit("续签测试摊位")
	unit := "/merchant/units/" + strconv.FormatInt(id, 10)
	first, err := a.Store.CurrentPledge(ctx, id)
	if err != nil {
		t.Fatal(err)
	}

	m.Get(unit)
	m.Expect(http.StatusOK, "续签测试摊位")
	if strings.Contains(m.Last.Body, "续签承诺书") {
		t.Fatal("a fresh pledge is offered its renewal")
	}
	if m.Get("/merchant"); strings.Contains(m.Last.Body, "请在单位页面续签") {
		t.Fatal("the home page asks to renew a fresh pledge")
	}
	// The form is not there, and a forged signature is refused.
	m.Get(unit + "/pledge")
	m.Expect(http.StatusOK, "起可以续签", units.RenewalOpens(first).Format(time.DateOnly))
	if strings.Contains(m.Last.Body, `name="signer_name"`) {
		t.Fatal("the renewal form is shown before the renewal is due")
	}
	m.Post(unit+"/pledge", apptest.Form("signer_name", "李四", "signer_title", "摊主", "agree", "yes", "version", "CZ-2026.1"))
	m.Expect(http.StatusConflict, "承诺书到期前 60 天内才能续签")
	if p, _ := a.Store.CurrentPledge(ctx, id); p.ID != first.ID {
		t.Fatal("an early renewal was signed")
	}

	// Thirty days before it runs out, the page offers it and it goes through.
	a.Advance(first.ValidUntil.Sub(a.Now()) - 30*24*time.Hour)
	m.Login(apptest.MerchantLogin, apptest.MerchantPass) // the session ended long ago
	m.Get(unit)
	m.Expect(http.StatusOK, `href="`+unit+`/pledge">续签承诺书</a>`)
	m.Get("/merchant") // the home page says so too
	m.Expect(http.StatusOK, "承诺书 "+first.ValidUntil.In(model.Zone).Format(time.DateOnly)+" 到期，请在单位页面续签")
	m.Submit(unit+"/pledge", unit+"/pledge", apptest.Form("signer_name", "李四", "signer_title", "摊主", "agree", "yes", "version", "CZ-2026.1"))
	m.Expect(http.StatusOK, "承诺书已签署", "示范单位")
	if p, _ := a.Store.CurrentPledge(ctx, id); p.ID == first.ID {
		t.Fatal("the renewal signed nothing")
	}
	if strings.Contains(m.Last.Body, "续签承诺书") {
		t.Fatal("the renewed pledge is offered its renewal again")
	}
}
