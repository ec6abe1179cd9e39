package ui_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

// A merchant cannot make a scale look verified until 2099: the form refuses
// a valid-until past one verification cycle, and a declaration stored before
// that rule is shown (page and API) with the cycle's last day and as the
// merchant's word only.
func TestDeclaredCertificateCannotOutliveItsCycle(t *testing.T) {
	a := apptest.New(t)
	m, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	inst := "/merchant/instruments/" + strconv.FormatInt(ins[0].ID, 10)
	verified := a.Now().In(model.Zone).AddDate(0, -13, 0).Format(time.DateOnly) // a yearly price scale, 13 months ago
	m.Submit(inst, inst+"/verifications", form("certificate_no", "JD2025-1", "body_name", "常州市计量测试技术研究所",
		"verified_on", verified, "valid_until", "2099-12-31", "result", "pass"))
	m.Expect(http.StatusUnprocessableEntity, "检定周期是 12 个月，有效期最晚到")
	var n int64
	a.DB.Model(&model.VerificationRecord{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d records stored from a refused form", n)
	}

	// What an older version let through, stored as it was typed.
	until := model.Date(2099, 12, 31)
	on, _ := time.Parse(time.DateOnly, verified)
	if err := a.Store.AddVerification(t.Context(), &model.VerificationRecord{InstrumentID: &ins[0].ID, CertificateNo: "JD2025-1",
		BodyName: "常州市计量测试技术研究所", VerifiedOn: on, ValidUntil: &until, Result: model.ResultPass, Source: model.SourceDeclared}); err != nil {
		t.Fatal(err)
	}
	cycleEnd := model.DateOf(on).AddDate(1, 0, -1).Format(time.DateOnly)
	v := a.Browser()
	v.Get(a.ScanPath(model.QRInstrument, ins[0].ID))
	v.Expect(http.StatusOK, "检定已过期", cycleEnd, "经营者自行申报，未经检定机构确认")
	if strings.Contains(v.Last.Body, "2099") {
		t.Fatal("the scan page shows the declared 2099")
	}
	v.Get(a.ScanPath(model.QRUnit, unitID))
	v.Expect(http.StatusOK, "自行申报", "未经检定机构确认")
	if strings.Contains(v.Last.Body, "2099") {
		t.Fatal("the unit page shows the declared 2099")
	}

	r := v.Get("/api/v1/scan/" + strings.TrimPrefix(a.ScanPath(model.QRInstrument, ins[0].ID), "/Q/"))
	var out struct {
		Instrument struct {
			State      string  `json:"state"`
			ValidUntil *string `json:"valid_until"`
			Source     *string `json:"verification_source"`
		} `json:"instrument"`
	}
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
		t.Fatal(err)
	}
	if in := out.Instrument; in.State != "expired" || in.ValidUntil == nil || *in.ValidUntil != cycleEnd || in.Source == nil || *in.Source != "declared" {
		t.Fatalf("api: %s", r.Body)
	}
	// The merchant's own dashboard judges it the same way.
	m.Get("/merchant")
	m.Expect(http.StatusOK, cycleEnd)
}

// Once a certificate names an instrument its serial number is fixed: the
// edit form shows it read-only, and a posted change is refused with what to
// do instead, so the certificate never moves to another scale.
func TestSerialLockedOnceCertified(t *testing.T) {
	a := apptest.New(t)
	m, _, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	inst := "/merchant/instruments/" + strconv.FormatInt(ins[0].ID, 10)
	edit := func(serial string) url.Values {
		return form("type_id", a.TypeID("price_scale"), "serial_no", serial, "location", "8号摊位")
	}
	// No certificate yet: a typo may be fixed.
	m.Submit(inst+"/edit", inst, edit("CZ-01A"))
	m.Expect(http.StatusOK)
	var in model.Instrument
	a.DB.Take(&in, ins[0].ID)
	if in.SerialNo != "CZ-01A" {
		t.Fatalf("serial %q, want the corrected CZ-01A", in.SerialNo)
	}
	verified := a.Now().In(model.Zone).AddDate(0, -1, 0).Format(time.DateOnly)
	m.Submit(inst, inst+"/verifications", form("certificate_no", "JD2026-7", "body_name", "常州市计量测试技术研究所",
		"verified_on", verified, "result", "pass"))
	m.Get(inst + "/edit")
	m.Expect(http.StatusOK, "出厂编号不能再修改")
	if !strings.Contains(m.Last.Body, `readonly aria-describedby="serial_no-locked"`) {
		t.Error("the serial field is not read-only")
	}
	m.Post(inst, edit("CZ-99"))
	m.Expect(http.StatusUnprocessableEntity, "出厂编号 CZ-01A 已有检定记录，不能修改")
	a.DB.Take(&in, ins[0].ID)
	if in.SerialNo != "CZ-01A" {
		t.Fatalf("the serial changed to %q under a certificate", in.SerialNo)
	}
	// The same number in capitals or full width is no change, and the rest of the form still saves.
	m.Submit(inst+"/edit", inst, form("type_id", a.TypeID("price_scale"), "serial_no", "cz-01a", "location", "9号摊位"))
	m.Expect(http.StatusOK)
	a.DB.Take(&in, ins[0].ID)
	if in.Location != "9号摊位" {
		t.Fatalf("location %q after a save under a certificate", in.Location)
	}
}
