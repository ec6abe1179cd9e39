package intake_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/model"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/storage"
)

// A reporter who gave a mobile number gets the access code by text message
// with the receipt, and again on asking with that number — at most
// CodeAgainPerDay times; a wrong number or an unknown tracking number sends
// nothing and reads the same.
func TestAccessCodeBySMS(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, intake.Limits{})
	req := f.tip("称重少了二两，请核查。")
	req.Submission.Anonymous, req.Submission.ReporterName, req.Submission.ReporterPhone = false, "孙先生", "138 1234 5678"
	rec, errs, err := split(f.svc.Submit(ctx, from(req, "192.0.2.10")))
	if err != nil || errs.Any() {
		t.Fatal(err, errs)
	}
	texts := func(event string) []outbox.SMSPayload {
		t.Helper()
		var msgs []model.OutboxMessage
		if err := f.a.DB.Where("channel = ? AND event = ?", outbox.ChannelSMS, event).Order("id").Find(&msgs).Error; err != nil {
			t.Fatal(err)
		}
		var out []outbox.SMSPayload
		for _, m := range msgs {
			var p outbox.SMSPayload
			if err := json.Unmarshal([]byte(m.Body), &p); err != nil || m.Recipient != "13812345678" {
				t.Fatalf("SMS to %s: %v", m.Recipient, err)
			}
			out = append(out, p)
		}
		return out
	}
	if got := texts(notices.EventReportReceived); len(got) != 1 || got[0].Params["access_code"] != rec.AccessCode ||
		!strings.Contains(got[0].Text, rec.Report.TrackingNo) {
		t.Fatalf("receipt by SMS: %+v", got)
	}

	for _, tt := range []struct {
		name, no, phone string
		field           string // a field problem, or "" for "said sent"
	}{
		{"wrong number", rec.Report.TrackingNo, "13900000000", ""},
		{"unknown report", "7KQ2-M9QX-4TPR", "13812345678", ""},
		{"not a tracking number", "12345", "13812345678", "code_tracking_number"},
		{"a fixed line", rec.Report.TrackingNo, "0519-88886666", "code_phone"},
	} {
		err := f.svc.SendCodeAgain(ctx, tt.no, tt.phone, "192.0.2.11")
		e, _ := fail.As(err)
		switch {
		case tt.field == "" && err != nil, tt.field != "" && (e == nil || !e.Fields.Has(tt.field)):
			t.Errorf("%s: %v, want field %q", tt.name, err, tt.field)
		}
	}
	if got := texts(notices.EventCodeAgain); len(got) != 0 {
		t.Fatalf("sent %d codes to numbers that did not match", len(got))
	}
	// The number as typed in any usual way, lower-case tracking number.
	for range intake.CodeAgainPerDay + 2 {
		if err := f.svc.SendCodeAgain(ctx, strings.ToLower(rec.Report.TrackingNo), "+86 138-1234-5678", "192.0.2.12"); err != nil {
			t.Fatal(err)
		}
	}
	got := texts(notices.EventCodeAgain)
	if len(got) != intake.CodeAgainPerDay || got[0].Params["access_code"] != rec.AccessCode || got[0].Template != notices.SMSAccessCode {
		t.Fatalf("%d codes sent again (%+v), want %d with the code", len(got), got, intake.CodeAgainPerDay)
	}
	if _, err := f.svc.Track(ctx, rec.Report.TrackingNo, got[0].Params["access_code"], "192.0.2.13"); err != nil {
		t.Fatalf("the texted code does not open the report: %v", err)
	}
}

// A delivered text message that carried an access code keeps no code a day
// later: housekeeping blanks it, and the events it knows are the ones sent.
func TestDeliveredCodesAreBlanked(t *testing.T) {
	for _, e := range []string{notices.EventReportReceived, notices.EventCodeAgain} {
		if !slices.Contains(storage.SecretTextEvents, e) {
			t.Errorf("housekeeping does not blank %s texts", e)
		}
	}
	ctx := context.Background()
	f := newFixture(t, intake.Limits{})
	req := f.tip("称重少了二两，请核查。")
	req.Submission.Anonymous, req.Submission.ReporterName, req.Submission.ReporterPhone = false, "孙先生", "13812345678"
	rec, errs, err := split(f.svc.Submit(ctx, from(req, "192.0.2.10")))
	if err != nil || errs.Any() {
		t.Fatal(err, errs)
	}
	delivered := f.a.Now().Add(-25 * time.Hour)
	if err := f.a.DB.Model(&model.OutboxMessage{}).Where("channel = ?", outbox.ChannelSMS).
		Updates(map[string]any{"status": storage.OutboxDelivered, "delivered_at": delivered}).Error; err != nil {
		t.Fatal(err)
	}
	p, err := f.a.Store.Purge(ctx, f.a.Now())
	if err != nil || p.SecretTexts != 1 {
		t.Fatalf("purge: %+v %v", p, err)
	}
	var m model.OutboxMessage
	f.a.DB.Where("channel = ? AND event = ?", outbox.ChannelSMS, notices.EventReportReceived).Take(&m)
	if strings.Contains(m.Body, rec.AccessCode) || m.Recipient != "13812345678" {
		t.Errorf("after housekeeping the text to %s reads %s", m.Recipient, m.Body)
	}
}
