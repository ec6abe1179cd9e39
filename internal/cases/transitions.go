package cases

import (
	"fmt"

	"honestmeasure/internal/model"
	"honestmeasure/internal/units"
)

// Action is something an officer does to a case that changes its status.
type Action string

const (
	ActAccept    Action = "accept"     // complaint accepted within 7 working days
	ActNotAccept Action = "not_accept" // complaint refused, with a ground from Order 121
	ActMediate   Action = "mediate"    // mediation ended: agreement or not
	ActVerify    Action = "verify"     // tip: start checking the lead
	ActOpenCase  Action = "open_case"  // tip: open a case (立案)
	ActNoCase    Action = "no_case"    // tip: no case, with a reason
	ActConclude  Action = "conclude"   // investigation concluded, with an outcome
	ActClose     Action = "close"      // file closed
	ActReturn    Action = "return"     // sent back for re-routing, with a reason
	ActReroute   Action = "reroute"    // a returned case given to another agency
	ActMerge     Action = "merge"      // duplicate of another case
)

// Actions lists every Action, for walking the table.
var Actions = []Action{ActAccept, ActNotAccept, ActMediate, ActVerify, ActOpenCase, ActNoCase, ActConclude, ActClose, ActReturn, ActReroute, ActMerge}

// Transition is one allowed edge. Kind limits it to complaints or tips;
// empty means both. Needs names what the action must carry.
type Transition struct {
	Action Action
	Kind   model.ReportKind
	From   model.CaseStatus
	To     model.CaseStatus
	Needs  Need
}

// Need is what an action must be given.
type Need int

const (
	NeedNothing   Need = iota
	NeedReason         // free text shown to the reporter
	NeedGround         // a not-accepted ground from Order 121
	NeedOutcome        // conclusion: unsubstantiated / substantiated with measures
	NeedMediation      // agreement or no agreement
	NeedTarget         // another case (merge) or agency (reroute)
)

// Transitions is the whole case state machine. Anything not listed is
// refused with a clear message and the case is left as it was.
var Transitions = []Transition{
	// Complaints (投诉).
	{ActAccept, model.KindComplaint, model.CaseNew, model.CaseAccepted, NeedNothing},
	{ActNotAccept, model.KindComplaint, model.CaseNew, model.CaseNotAccepted, NeedGround},
	{ActMediate, model.KindComplaint, model.CaseAccepted, model.CaseMediated, NeedMediation},
	{ActClose, model.KindComplaint, model.CaseMediated, model.CaseClosed, NeedNothing},
	// Tips (举报).
	{ActVerify, model.KindTip, model.CaseNew, model.CaseVerifying, NeedNothing},
	{ActOpenCase, model.KindTip, model.CaseVerifying, model.CaseOpened, NeedNothing},
	{ActNoCase, model.KindTip, model.CaseVerifying, model.CaseNoCase, NeedReason},
	{ActNoCase, model.KindTip, model.CaseNew, model.CaseNoCase, NeedReason},
	{ActConclude, model.KindTip, model.CaseOpened, model.CaseConcluded, NeedOutcome},
	{ActClose, model.KindTip, model.CaseConcluded, model.CaseClosed, NeedNothing},
	// Either kind: an agency without jurisdiction sends it back; the city
	// gives it to the right agency; a duplicate joins the first report.
	{ActReturn, "", model.CaseNew, model.CaseReturned, NeedReason},
	{ActReturn, "", model.CaseVerifying, model.CaseReturned, NeedReason},
	{ActReroute, "", model.CaseReturned, model.CaseNew, NeedTarget},
	{ActMerge, "", model.CaseNew, model.CaseMerged, NeedTarget},
	{ActMerge, "", model.CaseVerifying, model.CaseMerged, NeedTarget},
	{ActMerge, "", model.CaseAccepted, model.CaseMerged, NeedTarget},
}

// ErrTransition explains a refused action.
type ErrTransition struct {
	Kind   model.ReportKind
	From   model.CaseStatus
	Action Action
}

func (e *ErrTransition) Error() string {
	return fmt.Sprintf("a %s in status %s cannot be %s", e.Kind, e.From, e.Action)
}

// Next returns the transition for action on a case of kind in status from.
func Next(kind model.ReportKind, from model.CaseStatus, action Action) (Transition, error) {
	for _, t := range Transitions {
		if t.Action == action && t.From == from && (t.Kind == "" || t.Kind == kind) {
			return t, nil
		}
	}
	return Transition{}, &ErrTransition{Kind: kind, From: from, Action: action}
}

// Allowed lists the actions possible on a case, for showing only the
// buttons that work.
func Allowed(kind model.ReportKind, from model.CaseStatus) []Action {
	var out []Action
	seen := map[Action]bool{}
	for _, t := range Transitions {
		if t.From == from && (t.Kind == "" || t.Kind == kind) && !seen[t.Action] {
			out = append(out, t.Action)
			seen[t.Action] = true
		}
	}
	return out
}

// NotAcceptedGrounds are the reasons Order 121 allows for not accepting a
// complaint; the reporter is shown the one chosen.
var NotAcceptedGrounds = []string{
	"outside_remit",          // not within market regulation's remit
	"handled_elsewhere",      // already handled by a court, arbitration, another body
	"not_consumer_dispute",   // not a consumer dispute
	"older_than_three_years", // more than 3 years since the consumer knew
	"missing_material",       // the required particulars are missing
	"false_material",         // the material is false
	"same_facts_repeated",    // the same complaint on the same facts again
}

// Outcomes of a concluded case.
const (
	OutcomeUnsubstantiated = "unsubstantiated"
	OutcomeSubstantiated   = "substantiated"
)

// Measures on the unit that a substantiated case may carry; they take
// effect on the public scan page at once.
const (
	UnitMeasureNone      = units.MeasureNone
	UnitMeasureWarning   = units.MeasureWarning
	UnitMeasureSuspended = units.MeasureSuspended
	UnitMeasureRevoked   = units.MeasureRevoked
)

// Measures on the instrument.
const (
	InstrumentMeasureNone        = ""
	InstrumentMeasureSealed      = "sealed"
	InstrumentMeasureConfiscated = "confiscated"
)
