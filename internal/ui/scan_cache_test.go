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
)

// TestScanPageIsNeverStale: scan pages are cached, so each change a citizen
// must see is made after the page was served once, and the next scan must
// show it. Reference edits go through the storage layer directly, as
// another instance of the server would make them.
func TestScanPageIsNeverStale(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	m, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	unitPath, instPath := scanPaths(t, a, unitID, ins)
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	inst := "/merchant/instruments/" + strconv.FormatInt(ins[0].ID, 10)
	today := model.DateOf(a.Now()).Format("2006-01-02")
	a.CreateUser("tn@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")

	v := a.Browser()
	steps := []struct {
		name   string
		path   string
		change func()
		want   []string
		gone   []string
	}{
		{"unit address corrected", unitPath, func() {
			u, err := a.Store.UnitByID(ctx, unitID)
			if err != nil {
				t.Fatal(err)
			}
			u.Address = "天宁区红梅南路99号新市场"
			if err := a.Store.UpdateUnitDetails(ctx, u); err != nil {
				t.Fatal(err)
			}
		}, []string{"天宁区红梅南路99号新市场"}, []string{"红梅农贸市场"}},
		{"instrument added", unitPath, func() {
			m.Submit(unit+"/instruments/new", unit+"/instruments", apptest.Form("type_id", a.TypeID("price_scale"), "serial_no", "CZ-77", "quantity", "1", "location", "冷柜旁"))
		}, []string{"CZ-77", "冷柜旁"}, nil},
		{"serial number corrected", instPath, func() {
			m.Submit(inst+"/edit", inst, apptest.Form("type_id", a.TypeID("price_scale"), "serial_no", "CZ-01A", "location", "8号摊位"))
		}, []string{"CZ-01A"}, nil},
		{"certificate added, valid until today", instPath, func() {
			m.Submit(inst, inst+"/verifications", apptest.Form("certificate_no", "JD2026-7777", "body_name", "常州市计量测试技术研究所",
				"verified_on", model.DateOf(a.Now()).AddDate(-1, 0, 1).Format("2006-01-02"), "valid_until", today, "result", "pass"))
		}, []string{"JD2026-7777", "即将到期"}, nil},
		{"midnight passes: the certificate ran out", instPath, func() {
			a.Advance(24 * time.Hour)
		}, []string{"✗ 检定已过期"}, nil},
		{"bureau renamed", unitPath, func() {
			var ag model.Agency
			a.DB.Where("code = ?", "cz-tianning").Take(&ag)
			ag.NameZh = "常州市天宁区市场监管局（新）"
			if err := a.Store.UpdateAgency(ctx, &ag); err != nil {
				t.Fatal(err)
			}
		}, []string{"常州市天宁区市场监管局（新）"}, nil},
		{"instrument type renamed", unitPath, func() {
			it, err := a.Store.InstrumentTypeByID(ctx, ins[1].TypeID)
			if err != nil {
				t.Fatal(err)
			}
			it.NameZh = "电子计价秤（新称）"
			if err := a.Store.UpdateInstrumentType(ctx, it); err != nil {
				t.Fatal(err)
			}
		}, []string{"电子计价秤（新称）"}, nil},
		{"instrument retired", instPath, func() {
			m.Submit(inst+"/retire", inst+"/retire", apptest.Form("confirm", "yes"))
		}, []string{"这个二维码已被更换"}, nil},
		{"unit suspended", unitPath, func() {
			officer := a.Browser()
			officer.Login("tn@example.org", "officer-pass")
			staff := "/staff/units/" + strconv.FormatInt(unitID, 10)
			officer.Submit(staff, staff+"/suspend", apptest.Form("reason", "计价秤铅封破损"))
			officer.Expect(http.StatusOK, "示范资格已暂停")
		}, []string{"示范资格已暂停", "计价秤铅封破损"}, []string{"✓ 诚信计量示范单位"}},
	}
	for _, s := range steps {
		v.Get(s.path) // served, and cached
		v.Get(s.path)
		v.Expect(http.StatusOK)
		s.change()
		v.Get(s.path)
		if v.Last.Status != http.StatusOK {
			t.Fatalf("%s: status %d", s.name, v.Last.Status)
		}
		for _, w := range s.want {
			if !strings.Contains(v.Last.Body, w) {
				t.Errorf("%s: the scan page does not show %q", s.name, w)
			}
		}
		for _, g := range s.gone {
			if strings.Contains(v.Last.Body, g) {
				t.Errorf("%s: the scan page still shows %q", s.name, g)
			}
		}
	}
}

// TestScanPageRevalidates: the browser asks again on every visit (no-cache),
// and an unchanged page costs a 304 without a body; a changed one does not.
func TestScanPageRevalidates(t *testing.T) {
	a := apptest.New(t)
	_, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	unitPath, _ := scanPaths(t, a, unitID, ins)
	v := a.Browser()
	first := v.Get(unitPath)
	etag := first.Header.Get("ETag")
	if first.Status != http.StatusOK || etag == "" || first.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("first scan: %d, ETag %q, Cache-Control %q", first.Status, etag, first.Header.Get("Cache-Control"))
	}
	// Case variants of the printed URL are the same page, with the same links.
	lower := v.Get(strings.ToLower(unitPath))
	if lower.Header.Get("ETag") != etag || !strings.Contains(lower.Body, unitPath[len("/Q/"):]) {
		t.Fatalf("lower-case URL: ETag %q, want %q; canonical token in links: %v", lower.Header.Get("ETag"), etag,
			strings.Contains(lower.Body, unitPath[len("/Q/"):]))
	}
	v.Header.Set("If-None-Match", etag)
	if r := v.Get(unitPath); r.Status != http.StatusNotModified || r.Body != "" {
		t.Fatalf("unchanged page: %d with %d bytes, want 304 and none", r.Status, len(r.Body))
	}
	// English is another page.
	v.Header.Set("Accept-Language", "en")
	if r := v.Get(unitPath); r.Status != http.StatusOK || !strings.Contains(r.Body, "Honest-measurement demonstration unit") {
		t.Fatalf("English page under a Chinese ETag: %d", r.Status)
	}
	v.Header.Set("Accept-Language", "zh-CN")
	if err := a.Store.CreateSpotCheck(context.Background(), &model.SpotCheck{UnitID: unitID, CheckedOn: model.DateOf(a.Now()),
		Result: "pass", Summary: "抽查两台计价秤，均准确", Published: true}); err != nil {
		t.Fatal(err)
	}
	if r := v.Get(unitPath); r.Status != http.StatusOK || !strings.Contains(r.Body, "抽查两台计价秤，均准确") {
		t.Fatalf("changed page: %d, spot check shown: %v", r.Status, strings.Contains(r.Body, "抽查两台计价秤"))
	}
}
