package units

import (
	"testing"
	"time"

	"honestmeasure/internal/model"
)

func TestRenewalDue(t *testing.T) {
	// Valid until 2027-03-31 at 10:00 in Changzhou: renewal opens on
	// 2027-01-30, RenewalLeadDays (60) days before that day.
	until := time.Date(2027, 3, 31, 10, 0, 0, 0, model.Zone)
	p := &model.Pledge{SignedAt: until.AddDate(-3, 0, 0), ValidUntil: until}
	if got := RenewalOpens(p); !got.Equal(model.Date(2027, 1, 30)) {
		t.Fatalf("RenewalOpens = %s, want 2027-01-30", got.Format(time.DateOnly))
	}
	superseded := *p
	superseded.SupersededAt = &until
	for _, tc := range []struct {
		name string
		p    *model.Pledge
		now  time.Time
		want bool
	}{
		{"just signed", p, p.SignedAt, false},
		{"the evening before renewal opens", p, time.Date(2027, 1, 29, 23, 59, 0, 0, model.Zone), false},
		{"the morning renewal opens", p, time.Date(2027, 1, 30, 0, 1, 0, 0, model.Zone), true},
		{"the last day", p, until.Add(-time.Hour), true},
		{"run out", p, until.AddDate(0, 1, 0), true},
		{"none signed", nil, p.SignedAt, true},
		{"superseded", &superseded, p.SignedAt, true},
	} {
		if got := RenewalDue(tc.p, tc.now); got != tc.want {
			t.Errorf("%s: RenewalDue = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMayRenew(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, model.Zone)
	fresh := &model.Pledge{SignedAt: now, ValidUntil: now.AddDate(3, 0, 0)}
	due := &model.Pledge{SignedAt: now.AddDate(-3, 0, 0), ValidUntil: now.AddDate(0, 0, 20)}
	for _, tc := range []struct {
		status model.UnitStatus
		p      *model.Pledge
		want   bool
	}{
		{model.UnitApproved, fresh, false},
		{model.UnitApproved, due, true},
		{model.UnitExpired, fresh, true}, // expired: its pledge ran out, whatever the row says
		{model.UnitExpired, nil, true},
		{model.UnitDraft, due, false}, // signing, not renewing
		{model.UnitReturned, due, false},
		{model.UnitSubmitted, due, false},
		{model.UnitSuspended, due, false},
		{model.UnitRevoked, due, false},
	} {
		if got := MayRenew(tc.status, tc.p, now); got != tc.want {
			t.Errorf("MayRenew(%s, %+v) = %v, want %v", tc.status, tc.p, got, tc.want)
		}
	}
}
