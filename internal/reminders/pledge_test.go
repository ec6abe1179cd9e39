package reminders_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/reminders"
)

// pledge signs a pledge of unit u valid until the end of day validUntil.
func (w *world) pledge(u *model.Unit, validUntil time.Time) *model.Pledge {
	w.t.Helper()
	text, err := w.st.CurrentPledgeText(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	p := &model.Pledge{UnitID: u.ID, PledgeTextID: text.ID, SignerName: "张三", SignerTitle: "摊主", TextSHA256: strings.Repeat("0", 64),
		SignedAt: validUntil.AddDate(-1, 0, 0), ValidUntil: validUntil.Add(23 * time.Hour)}
	if err := w.st.CreatePledge(w.ctx, p); err != nil {
		w.t.Fatal(err)
	}
	return p
}

// pledgeTexts are the pledge reminders to owner: e-mail subjects and SMS
// texts, oldest first.
func (w *world) pledgeTexts(owner *model.User) []string {
	w.t.Helper()
	var msgs []model.OutboxMessage
	if err := w.st.DB().Where("recipient IN ? AND event = ?", []string{owner.Email, owner.Phone}, reminders.EventPledge).Order("id").Find(&msgs).Error; err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		if m.Channel == outbox.ChannelSMS {
			var p outbox.SMSPayload
			if err := json.Unmarshal([]byte(m.Body), &p); err != nil {
				w.t.Fatal(err)
			}
			out = append(out, p.Text)
		} else {
			out = append(out, m.Subject)
		}
	}
	return out
}

// The owner of an approved unit hears that its pledge runs out when renewal
// opens, a month and a week before — each once, only the most urgent stage
// when runs were missed, never for other statuses or after a renewal.
func TestPledgeReminders(t *testing.T) {
	w := newWorld(t)
	day := func(s string) time.Time { d, _ := time.ParseInLocation(time.DateOnly, s, model.Zone); return d }
	owner := w.merchant("zh-CN")
	u := w.unit(owner, "320402", model.UnitApproved)
	w.pledge(u, day("2027-03-31"))
	suspendedOwner := w.merchant("zh-CN")
	suspended := w.unit(suspendedOwner, "320402", model.UnitSuspended)
	w.pledge(suspended, day("2027-03-31"))

	run := func(on string) reminders.PledgeResult {
		t.Helper()
		w.today = day(on)
		res, err := w.service().RunPledges(w.ctx, w.today)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := run("2027-01-29"); res.Sent != 0 { // 61 days before
		t.Fatalf("61 days before: %+v", res)
	}
	if res := run("2027-01-30"); res.Sent != 1 {
		t.Fatalf("60 days before: %+v", res)
	}
	if res := run("2027-01-30"); res.Sent != 0 {
		t.Fatalf("the same day again: %+v", res)
	}
	// Runs between were missed: 10 days before, the 30-day stage goes out
	// (it is the most urgent reached), and the 7-day one on its day.
	if res := run("2027-03-21"); res.Sent != 1 {
		t.Fatalf("10 days before: %+v", res)
	}
	if res := run("2027-03-24"); res.Sent != 1 {
		t.Fatalf("7 days before: %+v", res)
	}
	got := w.pledgeTexts(owner)
	if len(got) != 6 { // e-mail and SMS per stage
		t.Fatalf("%d messages: %q", len(got), got)
	}
	if !strings.Contains(got[5], "将于2027-03-31到期（还有7天）") || !strings.Contains(got[5], "/merchant/units/") {
		t.Errorf("last SMS %q", got[5])
	}
	if got := w.pledgeTexts(suspendedOwner); len(got) != 0 {
		t.Errorf("a suspended unit's owner was reminded: %q", got)
	}

	// Several instances at once send each stage once.
	otherOwner := w.merchant("en")
	other := w.unit(otherOwner, "320402", model.UnitApproved)
	w.pledge(other, day("2027-05-01"))
	w.today = day("2027-04-24")
	var wg sync.WaitGroup
	sent := make([]int, 4)
	for i := range sent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, _ := w.service().RunPledges(w.ctx, w.today)
			sent[i] = res.Sent
		}()
	}
	wg.Wait()
	if total := sent[0] + sent[1] + sent[2] + sent[3]; total != 1 {
		t.Fatalf("4 instances sent %v reminders of one stage, want 1 in all", sent)
	}
	if got := w.pledgeTexts(otherOwner); len(got) != 2 || !strings.Contains(got[0], "runs out on 2027-05-01") {
		t.Errorf("English reminder %q", got)
	}
}
