// Package units holds the rules of the demonstration-unit programme: which
// status changes are allowed and who may make them, and what a valid
// application looks like (transitions.go, application.go: plain values in,
// plain values out). Service applies them: each thing a merchant or an
// officer does to a unit is one of its methods, with its access check,
// transaction, audit entry and notices; the pages and the API call it.
package units

import (
	"fmt"

	"honestmeasure/internal/model"
)

// Action is something that changes a unit's status.
type Action string

const (
	ActSubmit    Action = "submit"    // merchant sends the application for review
	ActApprove   Action = "approve"   // officer publishes the unit
	ActReturn    Action = "return"    // officer sends it back with a reason
	ActSuspend   Action = "suspend"   // officer or case outcome, with a reason
	ActReinstate Action = "reinstate" // officer lifts a suspension
	ActRevoke    Action = "revoke"    // officer or case outcome, with a reason
	ActExpire    Action = "expire"    // the pledge ran out (system)
	ActRenew     Action = "renew"     // merchant signs a new pledge
)

// Actor is who attempts an action.
type Actor string

const (
	ByMerchant Actor = "merchant" // the unit's owner
	ByOfficer  Actor = "officer"  // staff of an agency with jurisdiction, or the city admin
	BySystem   Actor = "system"   // scheduled jobs
)

// Transition is one allowed edge of the unit state machine.
type Transition struct {
	From   model.UnitStatus
	Action Action
	To     model.UnitStatus
	By     Actor
	// NeedsReason: the merchant (and the public, for suspension and
	// revocation) is told why.
	NeedsReason bool
}

// Transitions is the whole state machine. Anything not listed is refused.
//
// A renewal of a published unit keeps it published (the new pledge simply
// extends it); a unit whose pledge expired goes back to review when renewed.
var Transitions = []Transition{
	{model.UnitDraft, ActSubmit, model.UnitSubmitted, ByMerchant, false},
	{model.UnitReturned, ActSubmit, model.UnitSubmitted, ByMerchant, false},
	{model.UnitSubmitted, ActApprove, model.UnitApproved, ByOfficer, false},
	{model.UnitSubmitted, ActReturn, model.UnitReturned, ByOfficer, true},
	{model.UnitApproved, ActSuspend, model.UnitSuspended, ByOfficer, true},
	{model.UnitApproved, ActRevoke, model.UnitRevoked, ByOfficer, true},
	{model.UnitApproved, ActExpire, model.UnitExpired, BySystem, false},
	{model.UnitApproved, ActRenew, model.UnitApproved, ByMerchant, false},
	{model.UnitSuspended, ActReinstate, model.UnitApproved, ByOfficer, true},
	{model.UnitSuspended, ActRevoke, model.UnitRevoked, ByOfficer, true},
	{model.UnitExpired, ActRenew, model.UnitSubmitted, ByMerchant, false},
}

// ErrTransition is returned for an action the table does not allow.
type ErrTransition struct {
	From   model.UnitStatus
	Action Action
	By     Actor
}

func (e *ErrTransition) Error() string {
	return fmt.Sprintf("a %s unit cannot be %s by %s", e.From, e.Action, e.By)
}

// Next returns the status after action by actor on a unit in status from.
func Next(from model.UnitStatus, action Action, by Actor) (Transition, error) {
	for _, t := range Transitions {
		if t.From == from && t.Action == action && t.By == by {
			return t, nil
		}
	}
	return Transition{}, &ErrTransition{From: from, Action: action, By: by}
}

// Allowed lists the actions actor may take on a unit in status from, for
// showing only the buttons that work.
func Allowed(from model.UnitStatus, by Actor) []Action {
	var out []Action
	for _, t := range Transitions {
		if t.From == from && t.By == by {
			out = append(out, t.Action)
		}
	}
	return out
}

// MayReleaseCreditCode reports whether a staff member in role may make a
// unit give up its credit code (within their jurisdiction): supervisors and
// the city admin, since it unblocks another business's application.
func MayReleaseCreditCode(role model.Role) bool {
	return role == model.RoleSupervisor || role == model.RoleCityAdmin
}

// HoldsCreditCode reports whether u keeps its credit code to itself now
// (from submission until revoked, unless staff released it).
func HoldsCreditCode(u *model.Unit) bool { return u.USCCLive != nil }

// CanReleaseCreditCode reports whether a staff member in role (with
// jurisdiction) may release u's credit code now: the staff page offers the
// form by it, Service.ReleaseCreditCode refuses by its two parts.
func CanReleaseCreditCode(u *model.Unit, role model.Role) bool {
	return HoldsCreditCode(u) && MayReleaseCreditCode(role)
}

// MayApply reports whether a user in role registers units of their own.
func MayApply(role model.Role) bool { return role == model.RoleMerchant }

// VisibleToStaff reports whether staff with jurisdiction see a unit in
// status s at all: a draft is the merchant's private work until submitted.
func VisibleToStaff(s model.UnitStatus) bool { return s != model.UnitDraft }

// Printable reports whether u has public codes to print (poster, labels,
// QR downloads): it was published once and is not revoked. A suspended or
// expired unit keeps its codes: its poster still leads to its honest,
// suspended (or expired) page.
func Printable(u *model.Unit) bool { return u.ApprovedAt != nil && u.Status != model.UnitRevoked }

// PosterPrintable says whether u may print the demonstration-unit poster,
// which tells shoppers the unit is one: only while it is (approved). A
// suspended or expired unit still prints its codes (units.Printable) — a
// scan shows its real status — but not a poster claiming a title it has not.
func PosterPrintable(u *model.Unit) bool { return Printable(u) && u.Status == model.UnitApproved }

// RecordsOpen reports whether the owner of a unit in status s may still add
// and change its instruments and their certificates: a revoked unit's
// records are frozen.
func RecordsOpen(s model.UnitStatus) bool { return s != model.UnitRevoked }

// InstrumentEditable says whether instrument in of unit u may be edited or
// given a new certificate: the unit's records are open and the instrument
// is in use (a retired one is kept as it was, for the record).
func InstrumentEditable(u *model.Unit, in *model.Instrument) bool {
	return RecordsOpen(u.Status) && in.Status == model.InstrumentInUse
}

// InstrumentPrintable says whether instrument in of unit u has a label to
// print: the unit has codes (Printable) and the instrument is in use.
func InstrumentPrintable(u *model.Unit, in *model.Instrument) bool {
	return Printable(u) && in.Status == model.InstrumentInUse
}

// PledgeAllowed says whether the owner of a unit in status s may sign the
// pledge, and whether signing it is a renewal: it is signed while applying
// (the unit can still be submitted) and renewed once published or expired;
// not while under review, suspended or revoked.
func PledgeAllowed(s model.UnitStatus) (allowed, renewal bool) {
	switch {
	case Can(s, ActSubmit, ByMerchant):
		return true, false
	case Can(s, ActRenew, ByMerchant):
		return true, true
	}
	return false, false
}

// Readiness is how far a unit is from being submitted for review.
type Readiness struct {
	// Applying: the unit is a draft or was returned, so its owner submits
	// it once nothing is Missing.
	Applying bool
	// Missing lists, as locale keys, what is still needed: an officer
	// cannot judge a unit that has promised nothing and listed nothing.
	Missing []string
}

// Ready reports whether the unit may be submitted now.
func (r Readiness) Ready() bool { return r.Applying && len(r.Missing) == 0 }

// SubmitReadiness says whether a unit in status s, with or without a valid
// pledge and with instruments in use, may be submitted: the unit page shows
// the button and what is missing by it, Service.Submit refuses by it.
func SubmitReadiness(s model.UnitStatus, pledgeValid bool, instruments int) Readiness {
	r := Readiness{Applying: Can(s, ActSubmit, ByMerchant)}
	if !r.Applying {
		return r
	}
	if !pledgeValid {
		r.Missing = append(r.Missing, "unit.missing_pledge")
	}
	if instruments == 0 {
		r.Missing = append(r.Missing, "unit.missing_instruments")
	}
	return r
}

// Can reports whether actor may take action on a unit in status from.
func Can(from model.UnitStatus, action Action, by Actor) bool {
	_, err := Next(from, action, by)
	return err == nil
}

// InstrumentsStepDone says whether the instruments step of an application
// is done, given the verification states of the unit's instruments in use:
// at least one is listed and each has a certificate on record. The step is
// not ticked while an instrument still lacks one, even though the unit may
// be submitted (the officer sees what is missing).
func InstrumentsStepDone(states []model.VerificationState) bool {
	if len(states) == 0 {
		return false
	}
	for _, s := range states {
		if s == model.StateNeverChecked {
			return false
		}
	}
	return true
}
