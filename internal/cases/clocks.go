package cases

import (
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/workdays"
)

// Clock is what entering a status does to a case's deadlines and dates
// (SAMR Order No. 121). The service applies it on every transition; the
// demo loader and the bench seeder build their cases with the same table,
// so a rule changed here changes everywhere.
type Clock struct {
	Decides         bool // the first decision is made: decided_at
	StartsDays      int  // calendar days of the next period, started now (0: none)
	RestartDecision bool // the decision period runs again from now (re-routing)
	Concludes       bool // concluded_at
	Closes          bool // closed_at: the file is closed
	Stops           bool // no deadline runs while the case waits or is closed
}

// Clocks lists every status a transition may lead to; a status without an
// entry here is a bug the tests catch.
var Clocks = map[model.CaseStatus]Clock{
	model.CaseNew:         {RestartDecision: true}, // reached only by re-routing
	model.CaseVerifying:   {},
	model.CaseAccepted:    {Decides: true, StartsDays: MediationDays},
	model.CaseNotAccepted: {Decides: true, Closes: true, Stops: true},
	model.CaseMediated:    {Stops: true},
	model.CaseOpened:      {Decides: true, StartsDays: CaseConclusionDays},
	model.CaseNoCase:      {Decides: true, Closes: true, Stops: true},
	model.CaseConcluded:   {Concludes: true, Stops: true},
	model.CaseReturned:    {Stops: true},
	model.CaseMerged:      {Closes: true, Stops: true},
	model.CaseClosed:      {Closes: true, Stops: true},
}

// Enter moves c to status to at time at, setting its dates and deadlines
// as Clocks says, and returns the columns it changed (status included) for
// storage.CaseUpdate. cal is needed only to restart a decision period.
//
// A period started anew (opening a case, re-routing) comes with its own
// one extension, so Extended is cleared.
func Enter(c *model.Case, to model.CaseStatus, at time.Time, cal *workdays.Calendar) map[string]any {
	clock := Clocks[to]
	c.Status = to
	set := map[string]any{"status": to}
	if clock.Decides {
		c.DecidedAt = &at
		set["decided_at"] = at
	}
	if clock.StartsDays > 0 {
		due := at.AddDate(0, 0, clock.StartsDays)
		c.ConclusionDueAt, c.DueAt = &due, &due
		set["conclusion_due_at"], set["due_at"] = due, due
		if to == model.CaseOpened {
			c.Extended = false
			set["extended"] = false
		}
	}
	if clock.RestartDecision {
		due := DecisionDue(cal, c.Kind, at)
		c.DecisionDueAt, c.DueAt, c.Extended = due, &due, false
		set["decision_due_at"], set["due_at"], set["extended"] = due, due, false
	}
	if clock.Concludes {
		c.ConcludedAt = &at
		set["concluded_at"] = at
	}
	if clock.Closes {
		c.ClosedAt = &at
		set["closed_at"] = at
	}
	if clock.Stops {
		c.DueAt = nil
		set["due_at"] = nil
	}
	return set
}

// Received returns a new case of kind received at received, with its
// first decision deadline running.
func Received(kind model.ReportKind, received time.Time, cal *workdays.Calendar) model.Case {
	due := DecisionDue(cal, kind, received)
	return model.Case{Kind: kind, Status: model.CaseNew, ReceivedAt: received, DecisionDueAt: due, DueAt: &due, CreatedAt: received}
}
