package intake

import (
	"testing"

	"honestmeasure/internal/model"
)

// What the tracking page offers at each stage: information may be added
// while a decision or a conclusion is to come, an ended case rated, and only
// a complaint withdrawn, before it is mediated or refused.
func TestWhatAReporterMayDo(t *testing.T) {
	for _, tc := range []struct {
		status        model.CaseStatus
		add, rate     bool
		withdrawnable bool // for a complaint; a tip never
	}{
		{model.CaseNew, true, false, true},
		{model.CaseReturned, true, false, true},
		{model.CaseAccepted, true, false, true},
		{model.CaseVerifying, true, false, false},
		{model.CaseOpened, true, false, false},
		{model.CaseNotAccepted, false, true, false},
		{model.CaseMediated, false, true, false},
		{model.CaseNoCase, false, true, false},
		{model.CaseConcluded, false, true, false},
		{model.CaseClosed, false, true, false},
		{model.CaseMerged, false, false, false},
	} {
		for _, kind := range []model.ReportKind{model.KindComplaint, model.KindTip} {
			c := &model.Case{Kind: kind, Status: tc.status}
			withdraw := tc.withdrawnable && kind == model.KindComplaint
			if MayAddInfo(c) != tc.add || MayRate(c) != tc.rate || MayWithdraw(c) != withdraw {
				t.Errorf("%s %s: add %v rate %v withdraw %v, want %v %v %v", kind, tc.status,
					MayAddInfo(c), MayRate(c), MayWithdraw(c), tc.add, tc.rate, withdraw)
			}
		}
	}
}
