package units

import (
	"testing"
	"time"

	"honestmeasure/internal/model"
)

func TestPosterPrintable(t *testing.T) {
	at := time.Now()
	for _, tc := range []struct {
		status   model.UnitStatus
		approved bool
		want     bool
	}{
		{model.UnitApproved, true, true},
		{model.UnitSuspended, true, false},
		{model.UnitExpired, true, false},
		{model.UnitRevoked, true, false},
		{model.UnitSubmitted, true, false}, // a renewal after expiry, under review
		{model.UnitSubmitted, false, false},
		{model.UnitDraft, false, false},
	} {
		u := &model.Unit{Status: tc.status}
		if tc.approved {
			u.ApprovedAt = &at
		}
		if got := PosterPrintable(u); got != tc.want {
			t.Errorf("PosterPrintable(%s, approved %v) = %v, want %v", tc.status, tc.approved, got, tc.want)
		}
	}
}

func TestInstrumentsStepDone(t *testing.T) {
	for _, tc := range []struct {
		states []model.VerificationState
		want   bool
	}{
		{nil, false},
		{[]model.VerificationState{model.StateValid}, true},
		{[]model.VerificationState{model.StateValid, model.StateNeverChecked}, false},
		{[]model.VerificationState{model.StateExpired, model.StateFailed}, true}, // certified, if badly: the officer judges
	} {
		if got := InstrumentsStepDone(tc.states); got != tc.want {
			t.Errorf("InstrumentsStepDone(%v) = %v, want %v", tc.states, got, tc.want)
		}
	}
}
