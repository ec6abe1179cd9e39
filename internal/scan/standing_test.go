package scan

import (
	"reflect"
	"testing"
	"time"

	"honestmeasure/internal/model"
)

func TestHealthOfCountsUnfitInstruments(t *testing.T) {
	const (
		ok   = model.StateValid
		soon = model.StateExpiring
		exp  = model.StateExpired
		fail = model.StateFailed
		none = model.StateNeverChecked
	)
	cases := []struct {
		name   string
		states []model.VerificationState
		want   []Problem
		tone   string
	}{
		{"no instruments", nil, nil, "valid"},
		{"all verified", []model.VerificationState{ok, ok}, nil, "valid"},
		{"expiring soon is still fit", []model.VerificationState{ok, soon}, nil, "valid"},
		{"one expired", []model.VerificationState{ok, exp}, []Problem{{exp, 1}}, "caution"},
		{"3 of 5 unfit, named failed, expired, never verified",
			[]model.VerificationState{none, ok, exp, fail, ok},
			[]Problem{{fail, 1}, {exp, 1}, {none, 1}}, "caution"},
		{"two expired counted together", []model.VerificationState{exp, exp, ok}, []Problem{{exp, 2}}, "caution"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := HealthOf(c.states)
			if h.InUse != len(c.states) || !reflect.DeepEqual(h.Problems, c.want) {
				t.Fatalf("HealthOf = %+v, want problems %+v", h, c.want)
			}
			if h.Sound() != (len(c.want) == 0) {
				t.Fatalf("Sound = %v", h.Sound())
			}
			if got := Tone(BadgeValid, h); got != c.tone {
				t.Fatalf("Tone = %q, want %q", got, c.tone)
			}
		})
	}
	// A status worse than the instruments keeps its own colour.
	if got := Tone(BadgeRevoked, HealthOf([]model.VerificationState{exp})); got != "revoked" {
		t.Fatalf("revoked tone = %q", got)
	}
	if got := HealthOf([]model.VerificationState{exp, exp, fail}).Unfit(); got != 3 {
		t.Fatalf("Unfit = %d", got)
	}
}

func TestProblemPlural(t *testing.T) {
	for n, want := range map[int]string{1: "one", 2: "other", 11: "other"} {
		if got := (Problem{Count: n}).Plural(); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPledgeStandingAndBadge(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, model.Zone)
	valid := &model.Pledge{ValidUntil: now.AddDate(1, 0, 0)}
	lapsed := &model.Pledge{ValidUntil: now.AddDate(0, 0, -1)}
	approvedOnce := now.AddDate(-1, 0, 0)
	cases := []struct {
		name   string
		unit   model.Unit
		pledge *model.Pledge
		badge  Badge
		stand  PledgeStanding
	}{
		{"listed", model.Unit{Status: model.UnitApproved}, valid, BadgeValid, PledgeInForce},
		{"revoked unit's pledge is void", model.Unit{Status: model.UnitRevoked}, valid, BadgeRevoked, PledgeVoid},
		{"suspended unit's pledge is void", model.Unit{Status: model.UnitSuspended}, valid, BadgeSuspended, PledgeVoid},
		{"lapsed pledge", model.Unit{Status: model.UnitApproved}, lapsed, BadgePledgeExpired, PledgeLapsed},
		{"no pledge", model.Unit{Status: model.UnitDraft}, nil, BadgeNotListed, PledgeLapsed},
		{"first application", model.Unit{Status: model.UnitSubmitted}, valid, BadgeNotListed, PledgeInForce},
		{"renewal under review", model.Unit{Status: model.UnitSubmitted, ApprovedAt: &approvedOnce}, valid, BadgeRenewal, PledgeInForce},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := BadgeOf(&c.unit, c.pledge, now); got != c.badge {
				t.Errorf("BadgeOf = %q, want %q", got, c.badge)
			}
			if got := PledgeStandingOf(&c.unit, c.pledge, now); got != c.stand {
				t.Errorf("PledgeStandingOf = %q, want %q", got, c.stand)
			}
		})
	}
}

func TestReportCategory(t *testing.T) {
	cases := map[model.VerificationState]model.Category{
		model.StateExpired:      model.CategoryUnverified,
		model.StateFailed:       model.CategoryUnverified,
		model.StateNeverChecked: model.CategoryUnverified,
		model.StateSealed:       model.CategoryUnverified,
		model.StateValid:        "",
		model.StateExpiring:     "",
	}
	for s, want := range cases {
		if got := ReportCategory(s); got != want {
			t.Errorf("ReportCategory(%s) = %q, want %q", s, got, want)
		}
	}
}
