package ui_test

import (
	"net/http"
	"strconv"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

// The identity code (生产码) on the merchant's instrument form: offered for
// every type with its hint, normalised from full width and lower case,
// refused with its message beside the field when it has other characters,
// kept through an edit and shown on the instrument's page.
func TestInstrumentIdentityCode(t *testing.T) {
	a := apptest.New(t)
	m, unitID, ins := a.ApprovedUnit("红梅菜场 9号摊位")
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)

	m.Get(unit + "/instruments/new")
	m.Expect(http.StatusOK, `name="identity_code"`, "电子计价秤", "JJF 2184-2025")

	add := apptest.Form("type_id", a.TypeID("platform_scale"), "serial_no", "TS-01", "quantity", "1", "identity_code", "CZ ID#1")
	r := m.Submit(unit+"/instruments/new", unit+"/instruments", add)
	m.Expect(http.StatusUnprocessableEntity, "生产码只能由字母、数字和连字符", `value="CZ ID#1"`, `value="TS-01"`)
	if !fieldHasError(r.Body, "identity_code") {
		t.Fatal("no error beside the identity code")
	}
	add.Set("identity_code", "ｃｚ－ｉｄ－０００１")
	m.Submit(unit+"/instruments/new", unit+"/instruments", add)
	m.Expect(http.StatusOK)
	var in model.Instrument
	if err := a.DB.Where("unit_id = ? AND serial_no = ?", unitID, "TS-01").Take(&in).Error; err != nil {
		t.Fatal(err)
	}
	if in.IdentityCode != "CZ-ID-0001" {
		t.Fatalf("stored identity code %q, want CZ-ID-0001", in.IdentityCode)
	}
	inst := "/merchant/instruments/" + strconv.FormatInt(in.ID, 10)
	m.Get(inst)
	m.Expect(http.StatusOK, "生产码", "CZ-ID-0001")

	// An edit sets one on an instrument that had none, and can clear it.
	edit := "/merchant/instruments/" + strconv.FormatInt(ins[0].ID, 10)
	m.Get(edit + "/edit")
	m.Expect(http.StatusOK, `name="identity_code" value=""`)
	fields := apptest.Form("type_id", a.TypeID("price_scale"), "serial_no", ins[0].SerialNo, "location", ins[0].Location, "identity_code", " js-2026-77 ")
	m.Submit(edit+"/edit", edit, fields)
	m.Expect(http.StatusOK, "JS-2026-77")
	var got model.Instrument
	a.DB.Take(&got, ins[0].ID)
	if got.IdentityCode != "JS-2026-77" {
		t.Fatalf("edited identity code %q", got.IdentityCode)
	}
	m.Get(edit + "/edit")
	m.Expect(http.StatusOK, `value="JS-2026-77"`)
	fields.Set("identity_code", "")
	m.Submit(edit+"/edit", edit, fields)
	m.Expect(http.StatusOK)
	a.DB.Take(&got, ins[0].ID)
	if got.IdentityCode != "" {
		t.Fatalf("identity code not cleared: %q", got.IdentityCode)
	}
}
