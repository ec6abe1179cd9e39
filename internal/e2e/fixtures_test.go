package e2e

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/storage"
)

// The set-up below goes through the product over plain HTTP, as the UI tests
// do; it is a copy of their helpers in package ui_test, which a test in
// another package cannot import.

const unitName = "钟楼菜场 8号摊位"

// approvedUnit makes a merchant with a published unit holding two scales,
// CZ-01 and CZ-02, in Tianning district.
func approvedUnit(t *testing.T, a *apptest.App) (int64, []model.Instrument) {
	t.Helper()
	a.CreateUser("13800000010", "merchant-pass", model.RoleMerchant, "")
	m := a.Browser()
	m.Login("13800000010", "merchant-pass")
	m.Submit("/merchant/units/new", "/merchant/units", form("name", unitName, "uscc", "91310110666007217T",
		"business_type", "market_stall", "district_id", districtID(t, a, "320402"),
		"address", "天宁区红梅南路1号红梅农贸市场", "contact_name", "张三", "contact_phone", "13812345678",
		"opening_hours", "06:00–19:00"))
	id := unitIDFrom(t, m.Last.URL)
	unit := "/merchant/units/" + strconv.FormatInt(id, 10)
	m.Submit(unit+"/pledge", unit+"/pledge", form("signer_name", "李四", "signer_title", "摊主", "agree", "yes", "version", "CZ-2026.1"))
	m.Submit(unit+"/instruments/new", unit+"/instruments", form("type_id", typeID(t, a, "price_scale"), "serial_no", "CZ-01", "quantity", "2", "location", "8号摊位"))
	m.Get(unit)
	m.Post(unit+"/submit", nil)
	// Approval is the reviewers' journey, tested in package ui; here it is a given.
	if err := a.Store.ChangeUnitStatus(context.Background(), storage.UnitChange{UnitID: id, From: model.UnitSubmitted,
		To: model.UnitApproved, At: a.Now()}); err != nil {
		t.Fatal(err)
	}
	var ins []model.Instrument
	a.DB.Where("unit_id = ?", id).Order("id").Find(&ins)
	if len(ins) != 2 {
		t.Fatalf("%d instruments registered, want 2", len(ins))
	}
	return id, ins
}

// scanPaths returns the /Q/<token> paths of the unit's and the first
// instrument's current codes: what their printed QR codes hold.
func scanPaths(t *testing.T, a *apptest.App, unitID int64, ins []model.Instrument) (unit, instrument string) {
	t.Helper()
	signer := qr.NewSigner([]byte(apptest.Secret))
	path := func(kind model.QRKind, id int64) string {
		tok, err := a.Store.CurrentQRToken(context.Background(), kind, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		return "/Q/" + signer.Token(qr.Ref{Kind: kind, ID: id, Version: tok.Version})
	}
	return path(model.QRUnit, unitID), path(model.QRInstrument, ins[0].ID)
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

var unitPathRe = regexp.MustCompile(`^/merchant/units/(\d+)`)

func unitIDFrom(t *testing.T, path string) int64 {
	t.Helper()
	m := unitPathRe.FindStringSubmatch(path)
	if m == nil {
		t.Fatalf("not a unit page: %s", path)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func districtID(t *testing.T, a *apptest.App, code string) string {
	t.Helper()
	ds, err := a.Store.Districts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Code == code {
			return strconv.FormatInt(d.ID, 10)
		}
	}
	t.Fatalf("no district %s", code)
	return ""
}

func typeID(t *testing.T, a *apptest.App, code string) string {
	t.Helper()
	types, err := a.Store.InstrumentTypes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range types {
		if it.Code == code {
			return strconv.FormatInt(it.ID, 10)
		}
	}
	t.Fatalf("no instrument type %s", code)
	return ""
}

// photoFile writes a small JPEG, as a phone's camera would leave one, and
// returns its path.
func photoFile(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / 320), uint8(y * 255 / 240), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "scale-display.jpg")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
