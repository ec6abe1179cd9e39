package scan

import (
	"time"

	"honestmeasure/internal/model"
)

// unfitStates are the verification states that make an in-use instrument
// unfit for trade, in the order the unit's verdict names them: a citizen
// must never read a plain green tick while one of them is counted.
var unfitStates = []model.VerificationState{model.StateSealed, model.StateFailed, model.StateExpired, model.StateNeverChecked}

// Unfit reports whether an instrument in state s may not be used for trade.
func Unfit(s model.VerificationState) bool {
	for _, u := range unfitStates {
		if s == u {
			return true
		}
	}
	return false
}

// Problem is how many in-use instruments of a unit are in one unfit state.
type Problem struct {
	State model.VerificationState
	Count int
}

// Plural is the catalogue's plural form for Count: "one" or "other".
func (p Problem) Plural() string {
	if p.Count == 1 {
		return "one"
	}
	return "other"
}

// Health is what the instruments in use say about a unit: how many there
// are and how many of them may not be used for trade, by state. Retired
// instruments do not count (the unit no longer uses them); an instrument is
// judged by its governing record (model.Current, via StateOf).
type Health struct {
	InUse    int
	Problems []Problem // unfit states with a count, in unfitStates order
}

// HealthOf summarises the states of a unit's in-use instruments.
func HealthOf(states []model.VerificationState) Health {
	h := Health{InUse: len(states)}
	for _, u := range unfitStates {
		n := 0
		for _, s := range states {
			if s == u {
				n++
			}
		}
		if n > 0 {
			h.Problems = append(h.Problems, Problem{State: u, Count: n})
		}
	}
	return h
}

// Unfit is the number of in-use instruments that may not be used for trade.
func (h Health) Unfit() int {
	n := 0
	for _, p := range h.Problems {
		n += p.Count
	}
	return n
}

// Sound: no instrument in use is unfit for trade.
func (h Health) Sound() bool { return len(h.Problems) == 0 }

// Tone is the colour of a unit's verdict: its badge, except that a listed
// unit with unfit instruments is "caution", never the plain green tick.
func Tone(b Badge, h Health) string {
	if b == BadgeValid && !h.Sound() {
		return "caution"
	}
	return string(b)
}

// PledgeStanding is how the public page presents a unit's pledge.
type PledgeStanding string

const (
	PledgeInForce PledgeStanding = "in_force" // signed, within its dates, the unit not suspended or revoked
	PledgeVoid    PledgeStanding = "void"     // within its dates but the unit is suspended or revoked: it vouches for nothing
	PledgeLapsed  PledgeStanding = "lapsed"   // past its end date
)

// PledgeStandingOf: a pledge's dates alone do not make it valid; a
// suspension or revocation of the unit voids it at once.
func PledgeStandingOf(u *model.Unit, p *model.Pledge, now time.Time) PledgeStanding {
	switch {
	case p == nil || !p.Valid(now):
		return PledgeLapsed
	case u.Status.VoidsPledge():
		return PledgeVoid
	}
	return PledgeInForce
}

// ReportCategory is the report category a citizen most likely means when
// reporting an instrument in state s ("" when the state suggests none).
func ReportCategory(s model.VerificationState) model.Category {
	if Unfit(s) {
		return model.CategoryUnverified
	}
	return ""
}
