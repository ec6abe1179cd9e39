package cases

import (
	"errors"
	"testing"

	"honestmeasure/internal/model"
)

var allStatuses = []model.CaseStatus{model.CaseNew, model.CaseAccepted, model.CaseNotAccepted, model.CaseMediated,
	model.CaseVerifying, model.CaseOpened, model.CaseNoCase, model.CaseConcluded, model.CaseClosed, model.CaseReturned, model.CaseMerged}
var allActions = []Action{ActAccept, ActNotAccept, ActMediate, ActVerify, ActOpenCase, ActNoCase, ActConclude, ActClose, ActReturn, ActReroute, ActMerge}

// TestEveryEdge walks every (kind, status, action): the edges below lead
// where they say; every other combination is refused.
func TestEveryEdge(t *testing.T) {
	type key struct {
		kind   model.ReportKind
		from   model.CaseStatus
		action Action
	}
	c, tip := model.KindComplaint, model.KindTip
	want := map[key]model.CaseStatus{
		{c, "new", ActAccept}: "accepted", {c, "new", ActNotAccept}: "not_accepted",
		{c, "accepted", ActMediate}: "mediated", {c, "mediated", ActClose}: "closed",
		{tip, "new", ActVerify}: "verifying", {tip, "verifying", ActOpenCase}: "opened",
		{tip, "verifying", ActNoCase}: "no_case", {tip, "new", ActNoCase}: "no_case",
		{tip, "opened", ActConclude}: "concluded", {tip, "concluded", ActClose}: "closed",
	}
	for _, k := range []model.ReportKind{c, tip} {
		want[key{k, "new", ActReturn}] = "returned"
		want[key{k, "verifying", ActReturn}] = "returned"
		want[key{k, "returned", ActReroute}] = "new"
		want[key{k, "new", ActMerge}] = "merged"
		want[key{k, "verifying", ActMerge}] = "merged"
		want[key{k, "accepted", ActMerge}] = "merged"
	}
	// verify and accepted only exist for one kind: drop impossible pairs.
	delete(want, key{c, "verifying", ActReturn})
	delete(want, key{c, "verifying", ActMerge})
	delete(want, key{tip, "accepted", ActMerge})
	allowed := 0
	for _, kind := range []model.ReportKind{c, tip} {
		for _, from := range allStatuses {
			for _, a := range allActions {
				tr, err := Next(kind, from, a)
				to, ok := want[key{kind, from, a}]
				// A complaint is never "verifying" and a tip never "accepted";
				// the table may list a shared edge from them, harmlessly.
				impossible := (kind == c && from == model.CaseVerifying) || (kind == tip && from == model.CaseAccepted)
				switch {
				case impossible:
					continue
				case ok && err != nil:
					t.Errorf("%s %s %s refused: %v", kind, from, a, err)
				case ok && tr.To != to:
					t.Errorf("%s %s %s → %s, want %s", kind, from, a, tr.To, to)
				case !ok && err == nil:
					t.Errorf("%s %s %s allowed (→ %s), want refused", kind, from, a, tr.To)
				case !ok:
					var te *ErrTransition
					if !errors.As(err, &te) {
						t.Errorf("%s %s %s: refusal is not an ErrTransition", kind, from, a)
					}
				}
				if ok && err == nil {
					allowed++
				}
			}
		}
	}
	if allowed != len(want) {
		t.Fatalf("%d edges allowed, want %d", allowed, len(want))
	}
}

func TestFinalStatesAllowNothing(t *testing.T) {
	for _, s := range []model.CaseStatus{model.CaseClosed, model.CaseNotAccepted, model.CaseNoCase, model.CaseMerged} {
		for _, k := range []model.ReportKind{model.KindComplaint, model.KindTip} {
			if acts := Allowed(k, s); len(acts) != 0 {
				t.Errorf("%s %s allows %v", k, s, acts)
			}
			if s.Open() {
				t.Errorf("%s counts as open", s)
			}
		}
	}
}

func TestConcludingANeverOpenedCaseIsRefused(t *testing.T) {
	_, err := Next(model.KindTip, model.CaseNew, ActConclude)
	if err == nil || err.Error() != "a tip in status new cannot be conclude" {
		t.Fatalf("err = %v", err)
	}
}
