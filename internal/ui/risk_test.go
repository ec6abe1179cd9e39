package ui_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"honestmeasure/internal/app"
	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/risk"
)

// classified starts the app (with the city's risk_public switch as given),
// makes an approved unit whose two price scales were never verified (class
// C by the Changzhou rule) and computes the classes as the hourly job does.
func classified(t *testing.T, public bool) (*apptest.App, *apptest.Browser, int64) {
	t.Helper()
	a := apptest.NewWith(t, func(o *app.Options) {
		ref := *o.Ref
		ref.City.RiskPublic = public
		o.Ref = &ref
	})
	merchant, unitID, _ := a.ApprovedUnit("钟楼菜场 8号摊位")
	log, err := audit.New([]byte(apptest.AuditKey))
	if err != nil {
		t.Fatal(err)
	}
	svc := &risk.Service{Store: a.Store, Audit: log, Rule: a.Ref.Risk, Now: a.Now, Public: public}
	if _, err := svc.Recompute(context.Background(), risk.AllUnits); err != nil {
		t.Fatal(err)
	}
	r, err := a.Store.UnitRisk(context.Background(), unitID)
	if err != nil || r.Class != model.RiskC {
		t.Fatalf("class %+v, %v; want C", r, err)
	}
	return a, merchant, unitID
}

// publicTexts fetches every public view of the unit, in both languages:
// its scan page, the directory (listing and search), the API's scan answer
// and unit list.
func publicTexts(t *testing.T, a *apptest.App, unitID int64) map[string]string {
	t.Helper()
	out := map[string]string{}
	scan := a.ScanPath(model.QRUnit, unitID)
	token := strings.TrimPrefix(scan, "/Q/")
	for _, lang := range []string{"zh-CN", "en"} {
		b := a.Browser()
		b.Header.Set("Accept-Language", lang)
		for _, path := range []string{scan, "/units", "/units?q=" + url.QueryEscape("钟楼"), "/api/v1/scan/" + token, "/api/v1/units"} {
			if r := b.Get(path); r.Status != 200 {
				t.Fatalf("GET %s: %d", path, r.Status)
			} else {
				out[lang+" "+path] = r.Body
			}
		}
	}
	return out
}

// TestRiskClassHiddenFromPublicByDefault: with the city switch off (the
// default) no public page or API answer carries a class, while the merchant
// sees its own with the reasons and how to improve, and staff with
// jurisdiction see it too.
func TestRiskClassHiddenFromPublicByDefault(t *testing.T) {
	a, merchant, unitID := classified(t, false)
	for where, body := range publicTexts(t, a, unitID) {
		for _, text := range []string{"风险分类", "Risk class", "risk_class", "risk-class", "risk.", "C 类", "Class C"} {
			if strings.Contains(body, text) {
				t.Errorf("%s shows %q", where, text)
			}
		}
	}
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	merchant.Get(unit)
	merchant.Expect(200, "风险分类（供监管部门使用）", "C 类", "2/2 台强制检定器具没有有效检定", "如何改进")
}

// TestRiskClassMerchantAndStaff: the merchant reads the class, every
// reason and its advice in both languages; an officer of the agency with
// jurisdiction sees it on the staff unit page, one of another agency does
// not see the unit at all.
func TestRiskClassMerchantAndStaff(t *testing.T) {
	a, merchant, unitID := classified(t, false)
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	merchant.Get(unit)
	merchant.Expect(200, "风险分类（供监管部门使用）", "C 类", "2/2 台强制检定器具没有有效检定", "如何改进", "cz-2026-1")
	merchant.Header.Set("Accept-Language", "en")
	merchant.Get(unit)
	merchant.Expect(200, "Risk class (for the supervising bureau)", "Class C", "2 of 2 instruments that must be verified have no valid verification",
		"How to improve:", "Have every such instrument verified")

	a.CreateUser("officer-own@example.org", "risk-password-1", model.RoleOfficer, "cz-tianning")
	a.CreateUser("officer-other@example.org", "risk-password-1", model.RoleOfficer, "cz-zhonglou")
	own, other := a.Browser(), a.Browser()
	own.Login("officer-own@example.org", "risk-password-1")
	other.Login("officer-other@example.org", "risk-password-1")
	staff := "/staff/units/" + strconv.FormatInt(unitID, 10)
	own.Get(staff)
	own.Expect(200, "风险分类（供监管部门使用）", "C 类", "2/2 台强制检定器具没有有效检定")
	if r := other.Get(staff); r.Status != 404 || strings.Contains(r.Body, "C 类") {
		t.Errorf("an officer without jurisdiction: %d", r.Status)
	}
}

// TestRiskClassPublicWhenCitySaysSo: with risk_public on, the scan page and
// the API's scan answer show the class (not the reasons); the directory
// still lists none.
func TestRiskClassPublicWhenCitySaysSo(t *testing.T) {
	a, _, unitID := classified(t, true)
	texts := publicTexts(t, a, unitID)
	scan := a.ScanPath(model.QRUnit, unitID)
	token := strings.TrimPrefix(scan, "/Q/")
	for lang, want := range map[string]string{"zh-CN": "C 类", "en": "Class C"} {
		if body := texts[lang+" "+scan]; !strings.Contains(body, want) || !strings.Contains(body, `id="risk-class"`) {
			t.Errorf("%s scan page lacks %q", lang, want)
		}
		if body := texts[lang+" "+scan]; strings.Contains(body, "强制检定器具没有有效检定") || strings.Contains(body, "must be verified have no valid") {
			t.Errorf("%s scan page shows the reasons", lang)
		}
		if body := texts[lang+" /api/v1/scan/"+token]; !strings.Contains(body, `"risk_class":"C"`) {
			t.Errorf("%s API scan lacks the class: %s", lang, body)
		}
	}
}
