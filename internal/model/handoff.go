package model

import "time"

// HandoffTarget is an outside system a case is also registered in.
type HandoffTarget string

const (
	Handoff12315 HandoffTarget = "12315" // the national market-regulation complaint platform
	Handoff12345 HandoffTarget = "12345" // the city's government service hotline
)

// HandoffTargets is every target, in the order pages list them.
var HandoffTargets = []HandoffTarget{Handoff12315, Handoff12345}

// Valid reports whether t is one of HandoffTargets.
func (t HandoffTarget) Valid() bool {
	for _, x := range HandoffTargets {
		if t == x {
			return true
		}
	}
	return false
}

// CaseHandoff records that a case was registered in an outside system, with
// the registration number that system gave. One per case and target; a
// mistyped number is corrected in place (UpdatedBy, UpdatedAt; the audit
// keeps the old one).
type CaseHandoff struct {
	ID             int64
	CaseID         int64
	Target         HandoffTarget
	RegistrationNo string
	CreatedBy      int64
	UpdatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (CaseHandoff) TableName() string { return "case_handoffs" }

// Corrected reports whether the number was changed after it was first
// recorded.
func (h CaseHandoff) Corrected() bool { return !h.UpdatedAt.Equal(h.CreatedAt) }
