package apptest

import (
	"context"
	"net/url"
	"regexp"
	"strconv"

	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/storage"
)

// Fixture data shared by the HTTP, API and browser tests.
const (
	GoodUSCC      = "91310110666007217T" // a valid unified social credit code
	MerchantLogin = "13800000010"
	MerchantPass  = "merchant-pass"
	ContactName   = "张三丰"
	ContactPhone  = "13812345678"
)

// Form builds form values from key, value pairs.
func Form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// DistrictID is the database ID (as a form value) of the district with code.
func (a *App) DistrictID(code string) string {
	a.t.Helper()
	ds, err := a.Store.Districts(context.Background())
	if err != nil {
		a.t.Fatal(err)
	}
	for _, d := range ds {
		if d.Code == code {
			return strconv.FormatInt(d.ID, 10)
		}
	}
	a.t.Fatalf("no district %s", code)
	return ""
}

// TypeID is the database ID (as a form value) of an instrument type.
func (a *App) TypeID(code string) string {
	a.t.Helper()
	types, err := a.Store.InstrumentTypes(context.Background())
	if err != nil {
		a.t.Fatal(err)
	}
	for _, it := range types {
		if it.Code == code {
			return strconv.FormatInt(it.ID, 10)
		}
	}
	a.t.Fatalf("no instrument type %s", code)
	return ""
}

// UnitForm is a complete application for a market stall in Tianning (320402).
func (a *App) UnitForm(name, code string) url.Values {
	return Form("name", name, "uscc", code, "business_type", "market_stall", "district_id", a.DistrictID("320402"),
		"address", "天宁区红梅南路1号红梅农贸市场", "contact_name", ContactName, "contact_phone", ContactPhone, "opening_hours", "06:00–19:00")
}

var unitPath = regexp.MustCompile(`^/merchant/units/(\d+)`)

// UnitID is the ID of the unit page the browser is on.
func (b *Browser) UnitID() int64 {
	b.t.Helper()
	m := unitPath.FindStringSubmatch(b.Last.URL)
	if m == nil {
		b.t.Fatalf("not on a unit page: %d %s", b.Last.Status, b.Last.URL)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// ApprovedUnit makes a merchant (MerchantLogin) with a published unit called
// name in Tianning holding two price scales, CZ-01 and CZ-02 at "8号摊位",
// through the merchant's own pages; approval itself is a given here (the
// review journey has its own tests).
func (a *App) ApprovedUnit(name string) (*Browser, int64, []model.Instrument) {
	a.t.Helper()
	a.CreateUser(MerchantLogin, MerchantPass, model.RoleMerchant, "")
	m := a.Browser()
	m.Login(MerchantLogin, MerchantPass)
	m.Submit("/merchant/units/new", "/merchant/units", a.UnitForm(name, GoodUSCC))
	id := m.UnitID()
	unit := "/merchant/units/" + strconv.FormatInt(id, 10)
	m.Submit(unit+"/pledge", unit+"/pledge", Form("signer_name", "李四", "signer_title", "摊主", "agree", "yes", "version", "CZ-2026.1"))
	m.Submit(unit+"/instruments/new", unit+"/instruments", Form("type_id", a.TypeID("price_scale"), "serial_no", "CZ-01", "quantity", "2", "location", "8号摊位"))
	m.Get(unit)
	m.Post(unit+"/submit", nil)
	if err := a.Store.ChangeUnitStatus(context.Background(), storage.UnitChange{UnitID: id, From: model.UnitSubmitted,
		To: model.UnitApproved, At: a.Now()}); err != nil {
		a.t.Fatal(err)
	}
	var ins []model.Instrument
	a.DB.Where("unit_id = ?", id).Order("id").Find(&ins)
	if len(ins) != 2 {
		a.t.Fatalf("%d instruments registered, want 2", len(ins))
	}
	return m, id, ins
}

// ScanPath is the /Q/<token> path of a target's current code: what its
// printed QR code holds.
func (a *App) ScanPath(kind model.QRKind, id int64) string {
	a.t.Helper()
	tok, err := a.Store.CurrentQRToken(context.Background(), kind, id, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	token, err := qr.NewSigner([]byte(Secret)).Token(qr.Ref{Kind: kind, ID: id, Version: tok.Version})
	if err != nil {
		a.t.Fatal(err)
	}
	return "/Q/" + token
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// SentTo returns the messages the outbox holds for recipient (a phone
// number or an e-mail address), oldest first.
func (a *App) SentTo(recipient string) []model.OutboxMessage {
	a.t.Helper()
	var msgs []model.OutboxMessage
	if err := a.DB.Where("recipient = ?", recipient).Order("id").Find(&msgs).Error; err != nil {
		a.t.Fatal(err)
	}
	return msgs
}

// SentCode is the one-time code in the latest message to recipient, or ""
// when that message carries none.
func (a *App) SentCode(recipient string) string {
	a.t.Helper()
	msgs := a.SentTo(recipient)
	if len(msgs) == 0 {
		a.t.Fatalf("no message to %s", recipient)
	}
	return sixDigits.FindString(msgs[len(msgs)-1].Body)
}
