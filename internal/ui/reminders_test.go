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
	"honestmeasure/internal/reminders"
)

// certify records the verification body's certificate of instrument in,
// valid until validUntil.
func certify(t *testing.T, a *apptest.App, in model.Instrument, validUntil time.Time) {
	t.Helper()
	ctx := context.Background()
	vb, err := a.Store.VerificationBodyByCode(ctx, a.Ref.VerificationBodies[0].Code)
	if err != nil {
		t.Fatal(err)
	}
	id := in.ID
	r := &model.VerificationRecord{InstrumentID: &id, CertificateNo: "JD-" + strconv.FormatInt(id, 10) + "-" + validUntil.Format("20060102"),
		BodyName: vb.NameZh, VerificationBodyID: &vb.ID, VerifiedOn: validUntil.AddDate(-1, 0, 1), ValidUntil: &validUntil,
		Result: model.ResultPass, Source: model.SourceConfirmed}
	if err := a.Store.AddVerification(ctx, r); err != nil {
		t.Fatal(err)
	}
}

// remind runs the daily job once, on the app's clock.
func remind(t *testing.T, a *apptest.App) reminders.Result {
	t.Helper()
	res, err := (&reminders.Service{Store: a.Store, Now: a.Now, BaseURL: a.URL}).Run(context.Background(), a.Now())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestMerchantDueBlock: the merchant's dashboard lists the certificates
// the reminders are about, with the reminder sent; "Got it" stops further
// reminders of that certificate, and is the owner's alone; reminders can be
// turned off and on.
func TestMerchantDueBlock(t *testing.T) {
	a := apptest.New(t)
	m, _, ins := a.ApprovedUnit("红梅农贸市场 8号摊位 王记")
	today := model.DateOf(a.Now())
	certify(t, a, ins[0], today.AddDate(0, 0, 10))
	certify(t, a, ins[1], today.AddDate(0, 0, 200))
	m.Get("/merchant")
	m.Expect(http.StatusOK, `id="due"`, "待检定的计量器具", "还有 10 天到期", "到期提醒已开启", "关闭到期提醒")
	if strings.Contains(m.Last.Body, "CZ-02") && strings.Contains(m.Last.Body[strings.Index(m.Last.Body, `id="due"`):], "还有 200 天") {
		t.Fatal("a certificate valid for 200 days is listed as due")
	}
	if strings.Contains(m.Last.Body, "/merchant/reminders/") && strings.Contains(m.Last.Body, "/ack") {
		t.Fatal("an acknowledge button before any reminder was sent")
	}

	if res := remind(t, a); res.Digests != 1 || res.Reminders != 1 {
		t.Fatalf("run: %+v", res)
	}
	if msgs := a.SentTo(apptest.MerchantLogin); len(msgs) != 1 || !strings.Contains(msgs[0].Body, "还有 10 天到期") {
		t.Fatalf("text messages to the merchant: %+v", msgs)
	}
	var rem model.ExpiryReminder
	if err := a.DB.Where("instrument_id = ?", ins[0].ID).Take(&rem).Error; err != nil {
		t.Fatal(err)
	}
	ack := "/merchant/reminders/" + strconv.FormatInt(rem.ID, 10) + "/ack"
	m.Get("/merchant")
	m.Expect(http.StatusOK, "已提醒（到期前 15 天）", `action="`+ack+`"`, "知道了")

	// Without the page's token the acknowledgement is refused.
	m.Post(ack, apptest.Form("_csrf", "forged"))
	m.Expect(http.StatusForbidden)
	// Another merchant cannot acknowledge it.
	a.CreateUser("13800000099", "other-pass", model.RoleMerchant, "")
	other := a.Browser()
	other.Login("13800000099", "other-pass")
	other.Get("/merchant")
	other.Post(ack, nil)
	other.Expect(http.StatusNotFound)

	m.Get("/merchant")
	m.Post(ack, nil)
	m.Expect(http.StatusOK, "已确认，这张证书不再提醒", "已确认")
	if m.Last.URL != "/merchant?ok=reminder_acknowledged" {
		t.Fatalf("after acknowledging at %s", m.Last.URL)
	}
	a.DB.Take(&rem, rem.ID)
	if rem.AcknowledgedAt == nil {
		t.Fatal("not acknowledged")
	}
	a.Advance(5 * 24 * time.Hour) // the 7-day stage
	if res := remind(t, a); res.Digests != 0 {
		t.Fatalf("acknowledged certificate reminded again: %+v", res)
	}

	// Opt out, then in again.
	m.Get("/merchant")
	m.Post("/merchant/reminders/settings", apptest.Form("reminders", "off"))
	m.Expect(http.StatusOK, "到期提醒已关闭。", "开启到期提醒")
	var u model.User
	a.DB.Where("login = ?", apptest.MerchantLogin).Take(&u)
	if !u.RemindersOff {
		t.Fatal("reminders still on")
	}
	m.Post("/merchant/reminders/settings", apptest.Form("reminders", "maybe"))
	m.Expect(http.StatusBadRequest)
	m.Get("/merchant")
	m.Post("/merchant/reminders/settings", apptest.Form("reminders", "on"))
	m.Expect(http.StatusOK, "到期提醒已开启。", "关闭到期提醒")

	// Staff have no such buttons.
	a.CreateUser("officer@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	o := a.Browser()
	o.Login("officer@example.org", "officer-pass")
	o.Get("/staff/queue")
	o.Post("/merchant/reminders/settings", apptest.Form("reminders", "off"))
	o.Expect(http.StatusNotFound)
}

// TestStaffExpiredList: officers see the expired instruments in use of the
// units in their districts, filtered, paged and exported as CSV with
// formula cells neutralised; officers of another district see none of
// them, merchants not the page.
func TestStaffExpiredList(t *testing.T) {
	a := apptest.New(t)
	m, unitID, ins := a.ApprovedUnit("红梅农贸市场 9号摊位 李记")
	today := model.DateOf(a.Now())
	certify(t, a, ins[0], today.AddDate(0, 0, -3))
	certify(t, a, ins[1], today.AddDate(0, 0, 40))
	if err := a.DB.Model(&model.Instrument{}).Where("id = ?", ins[0].ID).Update("location", "=HYPERLINK(\"http://x\")").Error; err != nil {
		t.Fatal(err)
	}
	a.CreateUser("officer@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	a.CreateUser("zl@example.org", "officer-pass", model.RoleOfficer, "cz-zhonglou")

	o := a.Browser()
	o.Login("officer@example.org", "officer-pass")
	o.Get("/staff/queue")
	o.Expect(http.StatusOK, `href="/staff/expired"`)
	o.Get("/staff/expired")
	o.Expect(http.StatusOK, "检定过期的在用器具", "共 1 台", "CZ-01", "红梅农贸市场 9号摊位 李记", "/staff/units/"+strconv.FormatInt(unitID, 10), apptest.ContactPhone)
	if strings.Contains(o.Last.Body, "CZ-02") {
		t.Fatal("a valid instrument is listed")
	}
	o.Get("/staff/expired?type=" + a.TypeID("fuel_dispenser"))
	o.Expect(http.StatusOK, "共 0 台", "没有检定过期的在用器具")
	o.Get("/staff/expired?district=" + a.DistrictID("320402") + "&type=" + a.TypeID("price_scale") + "&sort=newest")
	o.Expect(http.StatusOK, "共 1 台", "CZ-01")

	o.Get("/staff/expired.csv?district=" + a.DistrictID("320402"))
	o.Expect(http.StatusOK)
	if ct := o.Last.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %s", ct)
	}
	body := strings.TrimPrefix(o.Last.Body, "\uFEFF")
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "有效期至") || !strings.Contains(lines[1], "CZ-01") || !strings.Contains(lines[1], ",3,") {
		t.Fatalf("csv:\n%s", body)
	}
	if !strings.Contains(lines[1], `"'=HYPERLINK(""http://x"")"`) {
		t.Fatalf("formula cell not neutralised:\n%s", lines[1])
	}
	var exports int64
	a.DB.Table("audit_log").Where("action = ?", "export").Count(&exports)
	if exports != 1 {
		t.Errorf("%d audited exports", exports)
	}

	// Another district's officer: nothing, even asking for this district.
	z := a.Browser()
	z.Login("zl@example.org", "officer-pass")
	z.Get("/staff/expired")
	z.Expect(http.StatusOK, "共 0 台")
	z.Get("/staff/expired?district=" + a.DistrictID("320402"))
	z.Expect(http.StatusOK, "共 0 台")
	z.Get("/staff/expired.csv?district=" + a.DistrictID("320402"))
	if strings.Contains(z.Last.Body, "CZ-01") {
		t.Fatal("another district's export lists the instrument")
	}

	m.Get("/staff/expired")
	m.Expect(http.StatusNotFound)
}
