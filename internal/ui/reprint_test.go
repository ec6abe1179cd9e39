package ui_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/scan"
)

// A merchant reprinting in a loop is held to scan.ReprintsPerUnit an hour
// per unit (instrument labels and the poster together), told so, and the
// codes already printed keep working.
func TestReprintsAreRateLimitedPerUnit(t *testing.T) {
	a := apptest.New(t)
	m, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	inst := func(i int) string { return "/merchant/instruments/" + strconv.FormatInt(ins[i].ID, 10) }
	poster := "/merchant/units/" + strconv.FormatInt(unitID, 10) + "/poster"
	m.Get(inst(0))
	for i := 0; i < scan.ReprintsPerUnit; i++ {
		path := inst(i%2) + "/qr/reprint"
		if i == 0 {
			m.Get(poster)
			path = "/merchant/units/" + strconv.FormatInt(unitID, 10) + "/qr/reprint"
		}
		m.Get(path) // the confirmation page, which carries the form
		if r := m.Post(path, apptest.Form("confirm", "yes")); r.Status != http.StatusOK || !strings.Contains(r.URL, "ok=reprinted") {
			t.Fatalf("reprint %d: %d %s", i+1, r.Status, r.URL)
		}
	}
	current := a.ScanPath(model.QRInstrument, ins[1].ID)
	r := m.Post(inst(1)+"/qr/reprint", apptest.Form("confirm", "yes"))
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !strings.Contains(r.Body, "一小时内最多重新生成 20 次") {
		t.Fatalf("reprint %d: %d %s", scan.ReprintsPerUnit+1, r.Status, r.Body)
	}
	if after := a.ScanPath(model.QRInstrument, ins[1].ID); after != current {
		t.Fatalf("a refused reprint replaced the code: %s → %s", current, after)
	}
	v := a.Browser()
	v.Get(current)
	v.Expect(http.StatusOK, "CZ-02")
	if strings.Contains(v.Last.Body, "这个二维码已被更换") {
		t.Fatal("the current code says it was replaced")
	}
	// The next hour the merchant may reprint again.
	a.Advance(scan.ReprintWindow + time.Minute)
	if r := m.Post(inst(1)+"/qr/reprint", apptest.Form("confirm", "yes")); r.Status != http.StatusOK {
		t.Fatalf("after an hour: %d", r.Status)
	}
}

// At the last version a reprint is refused with what to do instead; the
// current code still prints.
func TestReprintStopsAtTheLastVersion(t *testing.T) {
	a := apptest.New(t)
	m, _, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	inst := "/merchant/instruments/" + strconv.FormatInt(ins[0].ID, 10)
	a.DB.Where("kind = ? AND target_id = ?", model.QRInstrument, ins[0].ID).Delete(&model.QRToken{})
	a.DB.Create(&model.QRToken{Kind: model.QRInstrument, TargetID: ins[0].ID, Version: model.MaxQRVersion, CreatedAt: time.Now().UTC()})
	m.Get(inst)
	r := m.Post(inst+"/qr/reprint", apptest.Form("confirm", "yes"))
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "第 99 版，不能再更换") || !strings.Contains(r.Body, "可以随时重新打印") {
		t.Fatalf("reprint past the last version: %d %s", r.Status, r.Body)
	}
	if r := m.Get(inst + "/qr.svg"); r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Content-Disposition"), "-v99.svg") {
		t.Fatalf("printing the last version: %d %v", r.Status, r.Header)
	}
}

// One unit whose stored code version cannot be encoded (a corrupt row, or
// one left by the unbounded reprints of old) costs that unit its link in the
// directory and the API; everyone else still gets the list.
func TestDirectorySurvivesAnUnencodableCode(t *testing.T) {
	a := apptest.New(t)
	_, unitID, _ := a.ApprovedUnit("钟楼菜场 8号摊位")
	a.DB.Model(&model.QRToken{}).Where("kind = ? AND target_id = ?", model.QRUnit, unitID).Update("version", qr.MaxVersion+1)
	v := a.Browser()
	v.Get("/units")
	v.Expect(http.StatusOK, "钟楼菜场 8号摊位", "共 1 家")
	r := v.Get("/api/v1/units")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "钟楼菜场 8号摊位") || !strings.Contains(r.Body, `"public_url":null`) {
		t.Fatalf("api: %d %s", r.Status, r.Body)
	}
}

// Replacing a code and retiring an instrument each ask first, on a page of
// their own that says what will happen; a post without the confirmation
// changes nothing and leads back to that page.
func TestDestructiveActionsAskFirst(t *testing.T) {
	a := apptest.New(t)
	m, unitID, ins := a.ApprovedUnit("钟楼菜场 9号摊位")
	inst := "/merchant/instruments/" + strconv.FormatInt(ins[0].ID, 10)
	unitReprint := "/merchant/units/" + strconv.FormatInt(unitID, 10) + "/qr/reprint"
	for _, tc := range []struct {
		page string
		want []string
	}{
		{unitReprint, []string{"重新生成门头二维码？", "门头海报上的二维码将立即作废", "确认作废旧码并生成新码"}},
		{inst + "/qr/reprint", []string{"CZ-01", "标签二维码将立即作废", "取消，返回"}},
		{inst + "/retire", []string{"停用器具 CZ-01？", "不再出现在“钟楼菜场 9号摊位”的公开页面上", "出厂编号 CZ-01 将可以登记", "确认停用"}},
	} {
		code := a.ScanPath(model.QRInstrument, ins[0].ID)
		unitCode := a.ScanPath(model.QRUnit, unitID)
		m.Get(tc.page)
		m.Expect(http.StatusOK, tc.want...)
		// The old button's post, without the confirmation: nothing happens.
		r := m.Post(tc.page, nil)
		if r.Status != http.StatusOK || !strings.HasSuffix(r.URL, tc.page) {
			t.Errorf("POST %s unconfirmed: %d %s, want the confirmation page", tc.page, r.Status, r.URL)
		}
		var in model.Instrument
		a.DB.Take(&in, ins[0].ID)
		if a.ScanPath(model.QRInstrument, ins[0].ID) != code || a.ScanPath(model.QRUnit, unitID) != unitCode || in.Status != model.InstrumentInUse {
			t.Fatalf("POST %s without confirmation changed something", tc.page)
		}
	}
	// Confirmed, it happens, and the instrument is still listed as retired.
	m.Get(inst + "/retire")
	if r := m.Post(inst+"/retire", apptest.Form("confirm", "yes")); r.Status != http.StatusOK || !strings.Contains(r.Body, "计量器具已停用") {
		t.Fatalf("confirmed retire: %d %s", r.Status, r.URL)
	}
	if r := m.Get(inst + "/retire"); r.Status != http.StatusNotFound {
		t.Errorf("retiring a retired instrument again: %d", r.Status)
	}
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	m.Get(unit)
	m.Expect(http.StatusOK, "查看已停用的器具（1 台）")
	m.Get(unit + "?show=retired")
	m.Expect(http.StatusOK, "已停用的器具（1 台）", "CZ-01", "已停用")
}
