package units_test

import (
	"encoding/json"
	"strings"
	"testing"

	"honestmeasure/internal/model"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/units"
)

// The owner hears of every decision on the unit, by e-mail and by text
// message, in their language, with the officer's reason and what to do
// next; nothing is sent for the owner's own steps.
func TestOwnerIsToldOfDecisions(t *testing.T) {
	r := newRig(t)
	owner := r.merchant()
	owner.User.Phone, owner.User.Locale = "13912345678", "en"
	if err := r.store.DB().Model(owner.User).Updates(map[string]any{"phone": owner.User.Phone, "locale": "en"}).Error; err != nil {
		t.Fatal(err)
	}
	officer := r.user(model.RoleOfficer, "cz-tianning")
	u := r.submitted(owner, "红梅农贸市场3号", codeA)
	if got := r.unitNotices(); len(got) != 0 {
		t.Fatalf("submitting sent %d notices to the owner", len(got))
	}

	steps := []struct {
		action units.Action
		reason string
		want   []string // in both the e-mail and the SMS
	}{
		{units.ActReturn, "摊位号与营业执照不一致", []string{"returned for changes", "摊位号与营业执照不一致", "submit"}},
		{units.ActApprove, "", []string{"approved as an honest-measurement demonstration unit", "poster"}},
		{units.ActSuspend, "两台电子秤检定过期", []string{"suspended", "两台电子秤检定过期", "reinstate"}},
		{units.ActReinstate, "已送检合格", []string{"reinstated"}},
	}
	for i, step := range steps {
		if step.action == units.ActApprove {
			if _, err := r.svc.Submit(r.ctx, owner, u.ID); err != nil {
				t.Fatalf("resubmit: %v", err)
			}
		}
		if _, err := r.svc.Review(r.ctx, officer, u.ID, step.action, step.reason); err != nil {
			t.Fatalf("%s: %v", step.action, err)
		}
		got := r.unitNotices()
		if len(got) != 2*(i+1) {
			t.Fatalf("after %s: %d notices, want an e-mail and an SMS per decision", step.action, len(got))
		}
		mail, sms := got[len(got)-2], got[len(got)-1]
		if mail.Channel != outbox.ChannelEmail || mail.Recipient != owner.User.Email || sms.Channel != outbox.ChannelSMS || sms.Recipient != "13912345678" {
			t.Fatalf("after %s: sent %s to %s and %s to %s", step.action, mail.Channel, mail.Recipient, sms.Channel, sms.Recipient)
		}
		var p outbox.SMSPayload
		if err := json.Unmarshal([]byte(sms.Body), &p); err != nil {
			t.Fatal(err)
		}
		if p.Locale != "en" || p.Params["unit"] != "红梅农贸市场3号" {
			t.Errorf("after %s: SMS payload %+v", step.action, p)
		}
		for _, w := range step.want {
			if !strings.Contains(mail.Body+mail.Subject, w) || !strings.Contains(p.Text, w) {
				t.Errorf("after %s: %q missing from e-mail %q or SMS %q", step.action, w, mail.Body, p.Text)
			}
		}
	}
}

// unitNotices are the unit-status notices in the outbox, oldest first.
func (r *rig) unitNotices() []model.OutboxMessage {
	r.t.Helper()
	var out []model.OutboxMessage
	if err := r.store.DB().Where("event = ?", notices.EventUnitStatus).Order("id").Find(&out).Error; err != nil {
		r.t.Fatal(err)
	}
	return out
}
