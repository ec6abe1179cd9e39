package intake

import (
	"time"

	"honestmeasure/internal/cases"
	"honestmeasure/internal/model"
)

// Step states on the tracking page.
const (
	StepDone    = "done"
	StepCurrent = "current"
	StepAhead   = "ahead"
)

// Step is one stage of handling as the reporter sees it; Key names it in the
// catalogue (track.step_<Key>).
type Step struct {
	Key   string
	State string
}

// Progress is where a report stands for its reporter: the stages with the
// current one marked, what happens next (track.next_<Next>) and by when.
type Progress struct {
	Steps   []Step
	Next    string
	DueAt   *time.Time
	DueKind string // cases.DeadlineDecision or cases.DeadlineConclusion; "" with no deadline
}

// The stages a complaint and a tip go through, in order. A refusal (not
// accepted, no case opened) ends the path at the stage it replaces.
var (
	complaintPath = []string{"received", "accepted", "concluded"}
	tipPath       = []string{"received", "verifying", "opened", "concluded"}
)

// ProgressOf says where cs stands. The deadline is the case's own (set by
// the deadline rules when it was received, accepted or extended), shown
// while a decision or a conclusion is pending.
func ProgressOf(cs *model.Case) Progress {
	path := tipPath
	if cs.Kind == model.KindComplaint {
		path = complaintPath
	}
	at, next, pending := 0, string(cs.Status), false
	switch cs.Status {
	case model.CaseNew, model.CaseReturned:
		at, pending = 0, true
	case model.CaseAccepted, model.CaseVerifying:
		at, pending = 1, true
	case model.CaseNotAccepted:
		at, path = 1, []string{"received", "not_accepted"}
	case model.CaseOpened:
		at, pending = 2, true
	case model.CaseNoCase:
		at, path = 2, []string{"received", "verifying", "no_case"}
	case model.CaseMediated, model.CaseConcluded, model.CaseClosed:
		at = len(path) - 1
	case model.CaseMerged:
		at, path = 1, []string{"received", "merged"}
	}
	p := Progress{Next: string(cs.Kind) + "_" + next}
	for i, key := range path {
		state := StepAhead
		switch {
		case i < at:
			state = StepDone
		case i == at:
			state = StepCurrent
		}
		p.Steps = append(p.Steps, Step{Key: key, State: state})
	}
	if pending {
		p.DueAt, p.DueKind = cs.DueAt, cases.DeadlineKind(cs)
	}
	return p
}
