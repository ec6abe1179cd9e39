package intake

import (
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/model"
)

func TestProgressOf(t *testing.T) {
	due := time.Date(2026, 12, 9, 16, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		kind   model.ReportKind
		status model.CaseStatus
		steps  string // key:state, current in capitals
		next   string
		due    bool
	}{
		{model.KindComplaint, model.CaseNew, "RECEIVED accepted concluded", "complaint_new", true},
		{model.KindComplaint, model.CaseAccepted, "received ACCEPTED concluded", "complaint_accepted", true},
		{model.KindComplaint, model.CaseNotAccepted, "received NOT_ACCEPTED", "complaint_not_accepted", false},
		{model.KindComplaint, model.CaseMediated, "received accepted CONCLUDED", "complaint_mediated", false},
		{model.KindTip, model.CaseNew, "RECEIVED verifying opened concluded", "tip_new", true},
		{model.KindTip, model.CaseVerifying, "received VERIFYING opened concluded", "tip_verifying", true},
		{model.KindTip, model.CaseOpened, "received verifying OPENED concluded", "tip_opened", true},
		{model.KindTip, model.CaseNoCase, "received verifying NO_CASE", "tip_no_case", false},
		{model.KindTip, model.CaseConcluded, "received verifying opened CONCLUDED", "tip_concluded", false},
		{model.KindTip, model.CaseClosed, "received verifying opened CONCLUDED", "tip_closed", false},
		{model.KindTip, model.CaseReturned, "RECEIVED verifying opened concluded", "tip_returned", true},
		{model.KindComplaint, model.CaseMerged, "received MERGED", "complaint_merged", false},
	} {
		cs := &model.Case{Kind: tc.kind, Status: tc.status, DueAt: &due, DecisionDueAt: due}
		p := ProgressOf(cs)
		var got []string
		passed := false // the current step came
		for i, s := range p.Steps {
			k := s.Key
			switch {
			case s.State == StepCurrent:
				k, passed = strings.ToUpper(k), true
			case passed && s.State != StepAhead, !passed && s.State != StepDone:
				t.Errorf("%s %s: step %d (%s) is %s", tc.kind, tc.status, i, s.Key, s.State)
			}
			got = append(got, k)
		}
		if g := strings.Join(got, " "); g != tc.steps {
			t.Errorf("%s %s: steps %q, want %q", tc.kind, tc.status, g, tc.steps)
		}
		if p.Next != tc.next {
			t.Errorf("%s %s: next %q, want %q", tc.kind, tc.status, p.Next, tc.next)
		}
		if (p.DueAt != nil) != tc.due {
			t.Errorf("%s %s: deadline shown %v, want %v", tc.kind, tc.status, p.DueAt != nil, tc.due)
		}
	}
}
