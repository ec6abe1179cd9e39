// Package cases holds the rules for handling a report: legal deadlines in
// working days (SAMR Order No. 121), the case state machine, and Service,
// the staff actions on a case. The rules store nothing; Service writes
// through internal/storage.
package cases

import (
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/workdays"
)

// Legal periods from SAMR Order No. 121.
const (
	ComplaintAcceptWorkingDays = 7  // decide whether to accept a complaint
	TipDecisionWorkingDays     = 15 // check a tip's lead and decide whether to open a case
	TipExtensionWorkingDays    = 15 // once, with a reason
	MediationDays              = 60 // calendar days from acceptance
	CaseConclusionDays         = 90 // calendar days from opening a case
	CaseExtensionDays          = 30 // once
)

// DecisionDue is the moment the first decision on a report received at
// received is due: the end of the 7th (complaint) or 15th (tip) working day
// after the day of receipt.
func DecisionDue(cal *workdays.Calendar, kind model.ReportKind, received time.Time) time.Time {
	n := TipDecisionWorkingDays
	if kind == model.KindComplaint {
		n = ComplaintAcceptWorkingDays
	}
	return workdays.EndOfDay(cal.AddWorkingDays(received, n))
}
