package reminders_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/reminders"
)

var validUntil = model.Date(2026, 9, 30)

// TestOneDigestPerStage walks the days from V-31 to V+8 with a frozen
// clock, running twice a day (as several hourly runs would): exactly one
// digest on each stage's day and none in between, each stage recorded once,
// an e-mail and a text message each, worded for the day.
func TestOneDigestPerStage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		offsets []int
		days    []int // relative to V: the days a digest goes out
		phrases []string
	}{
		{"default offsets", nil, []int{-30, -15, -7, -1, 1, 7},
			[]string{"还有 30 天到期", "还有 15 天到期", "还有 7 天到期", "明天到期", "昨天已过期", "已过期 7 天"}},
		{"configured offsets", []int{10, 3}, []int{-10, -3, 1, 7},
			[]string{"还有 10 天到期", "还有 3 天到期", "昨天已过期", "已过期 7 天"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			owner := w.merchant(locale.Chinese)
			u := w.unit(owner, "320402", model.UnitApproved)
			in := w.scale(u, "CZ-01")
			w.certificate(in, validUntil)
			var got []int
			for d := -31; d <= 8; d++ {
				day := validUntil.AddDate(0, 0, d)
				first := w.run(w.service(tc.offsets...), day)
				again := w.run(w.service(tc.offsets...), day)
				if again.Digests != 0 || again.Messages != 0 {
					t.Fatalf("day %+d: a second run sent %+v", d, again)
				}
				if first.Digests > 0 {
					got = append(got, d)
					if first.Digests != 1 || first.Reminders != 1 || first.Messages != 2 {
						t.Errorf("day %+d: %+v, want one digest of one reminder in two messages", d, first)
					}
				}
			}
			if len(got) != len(tc.days) {
				t.Fatalf("digests on days %v, want %v", got, tc.days)
			}
			for i := range got {
				if got[i] != tc.days[i] {
					t.Fatalf("digests on days %v, want %v", got, tc.days)
				}
			}
			mails := w.sent(owner.Email)
			texts := w.sent(owner.Phone)
			if len(mails) != len(tc.days) || len(texts) != len(tc.days) {
				t.Fatalf("%d e-mails and %d texts, want %d each", len(mails), len(texts), len(tc.days))
			}
			for i, p := range tc.phrases {
				if !strings.Contains(mails[i].Body, p) || !strings.Contains(texts[i].Body, p) {
					t.Errorf("message %d lacks %q:\n%s\n%s", i, p, mails[i].Body, texts[i].Body)
				}
				if mails[i].Channel != outbox.ChannelEmail || texts[i].Channel != outbox.ChannelSMS {
					t.Errorf("message %d channels %s, %s", i, mails[i].Channel, texts[i].Channel)
				}
			}
			if n := w.count("reminder_digests"); n != int64(len(tc.days)) {
				t.Errorf("%d digests stored", n)
			}
			if rows := w.reminders(in); len(rows) != len(tc.days) {
				t.Errorf("reminders %s", stages(rows))
			}
		})
	}
}

// TestRenewalStopsReminders: after the 15-day reminder the body records a
// new certificate; the old one is never reminded of again, and the new one
// only from 30 days before its own date.
func TestRenewalStopsReminders(t *testing.T) {
	w := newWorld(t)
	owner := w.merchant(locale.Chinese)
	u := w.unit(owner, "320402", model.UnitApproved)
	in := w.scale(u, "CZ-01")
	w.certificate(in, validUntil)
	for d := -31; d <= -15; d++ {
		w.run(w.service(), validUntil.AddDate(0, 0, d))
	}
	if got := stages(w.reminders(in)); got != "d30,d15" {
		t.Fatalf("before renewal: %s", got)
	}
	renewed := validUntil.AddDate(1, 0, -10)
	w.record(in, model.ResultPass, validUntil.AddDate(0, 0, -10), &renewed, model.SourceConfirmed)
	for d := -14; d <= 30; d++ {
		if res := w.run(w.service(), validUntil.AddDate(0, 0, d)); res.Digests != 0 {
			t.Fatalf("day %+d after renewal: %+v", d, res)
		}
	}
	w.run(w.service(), renewed.AddDate(0, 0, -31))
	if got := stages(w.reminders(in)); got != "d30,d15" {
		t.Fatalf("31 days before the new date: %s", got)
	}
	w.run(w.service(), renewed.AddDate(0, 0, -30))
	rows := w.reminders(in)
	if got := stages(rows); got != "d30,d15,d30" || !rows[2].ValidUntil.Equal(renewed) {
		t.Fatalf("30 days before the new date: %s %v", got, rows[len(rows)-1].ValidUntil)
	}
}

// TestOneDigestForManyInstruments: a unit with five instruments due on the
// same day (at different stages) gets one e-mail listing all five, most
// urgent first, and one short text message; instruments not due, retired,
// failed or never verified are not in it.
func TestOneDigestForManyInstruments(t *testing.T) {
	w := newWorld(t)
	owner := w.merchant(locale.Chinese)
	u := w.unit(owner, "320402", model.UnitApproved)
	day := validUntil
	due := map[string]int{"A-30": 30, "B-15": 15, "C-7": 7, "D-1": 1, "E+1": -1}
	for serial, days := range due {
		w.certificate(w.scale(u, serial), day.AddDate(0, 0, days))
	}
	w.certificate(w.scale(u, "far"), day.AddDate(0, 0, 90))
	w.certificate(w.scale(u, "later"), day.AddDate(0, 0, 31))
	retired := w.scale(u, "retired")
	w.certificate(retired, day.AddDate(0, 0, 15))
	if err := w.st.RetireInstrument(w.ctx, retired.ID, day); err != nil {
		t.Fatal(err)
	}
	failed := w.scale(u, "failed")
	w.certificate(failed, day.AddDate(0, 0, 7))
	w.record(failed, model.ResultFail, day.AddDate(0, 0, -3), nil, model.SourceConfirmed)
	w.scale(u, "never")

	res := w.run(w.service(), day)
	if res.Digests != 1 || res.Reminders != 5 || res.Messages != 2 {
		t.Fatalf("%+v, want one digest of five reminders in two messages", res)
	}
	mails, texts := w.sent(owner.Email), w.sent(owner.Phone)
	if len(mails) != 1 || len(texts) != 1 {
		t.Fatalf("%d e-mails, %d texts", len(mails), len(texts))
	}
	body := mails[0].Body
	order := []string{"E+1", "D-1", "C-7", "B-15", "A-30"}
	last := -1
	for _, serial := range order {
		i := strings.Index(body, "出厂编号 "+serial)
		if i < 0 || i < last {
			t.Fatalf("e-mail lists %s out of order (want %v):\n%s", serial, order, body)
		}
		last = i
	}
	for _, absent := range []string{"far", "later", "retired", "failed", "never"} {
		if strings.Contains(body, "出厂编号 "+absent) {
			t.Errorf("e-mail lists %s:\n%s", absent, body)
		}
	}
	for _, want := range []string{u.Name, "5 台", "电子计价秤", "收银台", "有效期至 2026-09-29", base + "/merchant"} {
		if !strings.Contains(body, want) {
			t.Errorf("e-mail lacks %q:\n%s", want, body)
		}
	}
	if !strings.Contains(mails[0].Subject, "5 台计量器具") {
		t.Errorf("subject %q", mails[0].Subject)
	}
	text := texts[0].Body
	for _, want := range []string{"5 台计量器具需要检定", "E+1", "昨天已过期", base + "/merchant", `"template":"reminder.expiry"`} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q: %s", want, text)
		}
	}
	if w.count("reminder_digests") != 1 {
		t.Errorf("%d digests", w.count("reminder_digests"))
	}
}

// TestEnglishOwnerGetsEnglish: the digest is in the owner's language.
func TestEnglishOwnerGetsEnglish(t *testing.T) {
	w := newWorld(t)
	owner := w.merchant(locale.English)
	u := w.unit(owner, "320402", model.UnitApproved)
	w.certificate(w.scale(u, "CZ-01"), validUntil)
	w.run(w.service(), validUntil.AddDate(0, 0, 7))
	mails, texts := w.sent(owner.Email), w.sent(owner.Phone)
	if len(mails) != 1 || len(texts) != 1 {
		t.Fatalf("%d e-mails, %d texts", len(mails), len(texts))
	}
	for _, want := range []string{"Electronic price-computing scale", "serial CZ-01", "expired 7 days ago", "valid until 2026-09-30"} {
		if !strings.Contains(mails[0].Body, want) {
			t.Errorf("e-mail lacks %q:\n%s", want, mails[0].Body)
		}
	}
	if !strings.Contains(texts[0].Body, `"locale":"en"`) || !strings.Contains(texts[0].Body, "expired 7 days ago") {
		t.Errorf("text %s", texts[0].Body)
	}
}

// TestTwoInstancesSendOnce: several instances running the same day at the
// same moment on one database send each unit one digest: the loser of each
// race rolls back.
func TestTwoInstancesSendOnce(t *testing.T) {
	w := newWorld(t)
	const units = 12
	var owners []*model.User
	for range units {
		owner := w.merchant(locale.Chinese)
		owners = append(owners, owner)
		u := w.unit(owner, "320402", model.UnitApproved)
		for j := range 3 {
			w.certificate(w.scale(u, string(rune('A'+j))), validUntil)
		}
	}
	for _, d := range []int{-30, -15, -7} {
		day := validUntil.AddDate(0, 0, d)
		w.today = day
		var wg sync.WaitGroup
		results := make([]reminders.Result, 4)
		errs := make([]error, 4)
		for i := range results {
			wg.Go(func() { results[i], errs[i] = w.service().Run(w.ctx, day) })
		}
		wg.Wait()
		total := reminders.Result{}
		for i, err := range errs {
			if err != nil {
				t.Fatalf("instance %d on day %+d: %v", i, d, err)
			}
			total.Digests += results[i].Digests
			total.Taken += results[i].Taken
		}
		if total.Digests != units {
			t.Fatalf("day %+d: %d digests in all (%+v), want %d", d, total.Digests, results, units)
		}
		t.Logf("day %+d: %d digests, %d units found taken", d, total.Digests, total.Taken)
	}
	for _, o := range owners {
		if m, s := len(w.sent(o.Email)), len(w.sent(o.Phone)); m != 3 || s != 3 {
			t.Errorf("owner %s: %d e-mails and %d texts, want 3 each", o.Login, m, s)
		}
	}
	var dup int64
	w.st.DB().Raw(`SELECT COUNT(*) FROM (SELECT recipient, body FROM outbox GROUP BY recipient, body HAVING COUNT(*) > 1) x`).Scan(&dup)
	if dup != 0 {
		t.Errorf("%d messages in the outbox twice", dup)
	}
}

// TestRemindersOffAndAcknowledged: an owner who turned reminders off gets
// nothing (the officers still see the instrument once expired); turned
// back on, the most urgent stage reached is sent. An acknowledged
// certificate is not reminded of again; the unit's others are.
func TestRemindersOffAndAcknowledged(t *testing.T) {
	w := newWorld(t)
	owner := w.merchant(locale.Chinese)
	u := w.unit(owner, "320402", model.UnitApproved)
	a, b := w.scale(u, "A"), w.scale(u, "B")
	w.certificate(a, validUntil)
	w.certificate(b, validUntil)
	svc := w.service()
	if err := svc.SetOff(w.ctx, owner, true); err != nil {
		t.Fatal(err)
	}
	for d := -31; d <= 3; d++ {
		if res := w.run(w.service(), validUntil.AddDate(0, 0, d)); res.Digests != 0 || (d >= -30 && res.Off != 1) {
			t.Fatalf("day %+d with reminders off: %+v", d, res)
		}
	}
	if n := len(w.sent(owner.Email)) + len(w.sent(owner.Phone)); n != 0 {
		t.Fatalf("%d messages with reminders off", n)
	}
	admin := &model.User{Role: model.RoleCityAdmin}
	rows, total, err := svc.Expired(w.ctx, admin, reminders.ExpiredQuery{})
	if err != nil || total != 2 || len(rows) != 2 {
		t.Fatalf("officers' list with reminders off: %d %v", total, err)
	}

	if err := svc.SetOff(w.ctx, owner, false); err != nil {
		t.Fatal(err)
	}
	owner.RemindersOff = false
	w.run(w.service(), validUntil.AddDate(0, 0, 4))
	if got := stages(w.reminders(a)); got != reminders.StageExpired {
		t.Fatalf("back on, day +4: %s", got)
	}
	items, err := svc.Due(w.ctx, owner)
	if err != nil || len(items) != 2 || items[0].Reminder == nil {
		t.Fatalf("due list: %+v %v", items, err)
	}
	var ofA int64
	for _, it := range items {
		if it.View.Instrument.ID == a.ID {
			ofA = it.Reminder.ID
		}
	}
	if err := svc.Acknowledge(w.ctx, owner, ofA); err != nil {
		t.Fatal(err)
	}
	if err := svc.Acknowledge(w.ctx, owner, ofA); err != nil {
		t.Fatalf("acknowledging twice: %v", err)
	}
	stranger := w.merchant(locale.Chinese)
	var fe *fail.Error
	if err := svc.Acknowledge(w.ctx, stranger, ofA); !errors.As(err, &fe) || fe.Kind != fail.NotFound {
		t.Fatalf("another merchant acknowledging: %v", err)
	}
	w.run(w.service(), validUntil.AddDate(0, 0, 7))
	if got := stages(w.reminders(a)); got != reminders.StageExpired {
		t.Errorf("acknowledged certificate reminded again: %s", got)
	}
	if got := stages(w.reminders(b)); got != "expired,expired7" {
		t.Errorf("the other certificate: %s", got)
	}
	items, _ = svc.Due(w.ctx, owner)
	for _, it := range items {
		if (it.View.Instrument.ID == a.ID) != it.Acknowledged {
			t.Errorf("instrument %s acknowledged=%t", it.View.Instrument.SerialNo, it.Acknowledged)
		}
	}
}

// TestCatchUp: a run missed for days sends only the most urgent stage
// reached, never an earlier one after it; long after expiry nothing.
func TestCatchUp(t *testing.T) {
	w := newWorld(t)
	owner := w.merchant(locale.Chinese)
	u := w.unit(owner, "320402", model.UnitApproved)
	late := w.scale(u, "late")
	w.certificate(late, validUntil)
	w.run(w.service(), validUntil.AddDate(0, 0, -10))
	w.run(w.service(), validUntil.AddDate(0, 0, -9))
	if got := stages(w.reminders(late)); got != "d15" {
		t.Fatalf("first run 10 days before: %s", got)
	}
	if !strings.Contains(w.sent(owner.Email)[0].Body, "还有 10 天到期") {
		t.Errorf("a late reminder says the days left: %s", w.sent(owner.Email)[0].Body)
	}

	old := w.merchant(locale.Chinese)
	ou := w.unit(old, "320402", model.UnitApproved)
	w.certificate(w.scale(ou, "old"), validUntil.AddDate(0, 0, -15))
	w.certificate(w.scale(ou, "last-week"), validUntil.AddDate(0, 0, -14))
	w.run(w.service(), validUntil)
	mails := w.sent(old.Email)
	if len(mails) != 1 || strings.Contains(mails[0].Body, "出厂编号 old") || !strings.Contains(mails[0].Body, "已过期 14 天") {
		t.Fatalf("expired 15 and 14 days ago: %d mails %v", len(mails), mails)
	}
}

// TestOnlyLiveUnits: drafts, applications and units out of the programme
// get no reminders; a suspended unit does.
func TestOnlyLiveUnits(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		status model.UnitStatus
		sent   bool
	}{
		{model.UnitDraft, false}, {model.UnitSubmitted, false}, {model.UnitReturned, false}, {model.UnitApproved, true},
		{model.UnitSuspended, true}, {model.UnitRevoked, false}, {model.UnitExpired, false},
	} {
		owner := w.merchant(locale.Chinese)
		w.certificate(w.scale(w.unit(owner, "320402", tc.status), "CZ"), validUntil)
		w.run(w.service(), validUntil.AddDate(0, 0, -7))
		if got := len(w.sent(owner.Email)) == 1; got != tc.sent {
			t.Errorf("%s: sent %t, want %t", tc.status, got, tc.sent)
		}
	}
}

// TestDeclaredCertificateCappedByCycle: a merchant's declaration without a
// valid-until date counts for one cycle from its verification day
// (model.EffectiveValidUntil), and is reminded of by that date.
func TestDeclaredCertificateCappedByCycle(t *testing.T) {
	w := newWorld(t)
	owner := w.merchant(locale.Chinese)
	u := w.unit(owner, "320402", model.UnitApproved)
	in := w.scale(u, "declared")
	verified := model.Date(2025, 10, 1) // a 12-month cycle: valid until 2026-09-30
	w.record(in, model.ResultPass, verified, nil, model.SourceDeclared)
	far := validUntil.AddDate(2, 0, 0) // beyond the cycle: capped at the cycle end
	w.record(w.scale(u, "declared-far"), model.ResultPass, verified, &far, model.SourceDeclared)
	meter := w.instrument(u, "water_meter", "meter") // verified once, never expires
	w.record(meter, model.ResultPass, verified, nil, model.SourceDeclared)
	w.run(w.service(), validUntil.AddDate(0, 0, -15))
	mails := w.sent(owner.Email)
	if len(mails) != 1 || !strings.Contains(mails[0].Body, "出厂编号 declared · ") || !strings.Contains(mails[0].Body, "出厂编号 declared-far") ||
		strings.Contains(mails[0].Body, "meter") || !strings.Contains(mails[0].Body, "有效期至 2026-09-30") {
		t.Fatalf("declared certificates: %v", mails)
	}
}
