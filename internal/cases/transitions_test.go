package cases

import (
	"errors"
	"testing"

	"honestmeasure/internal/model"
)

// TestEveryEdge walks every (kind, status, action) of model.CaseStatuses
// and Actions: the edges below lead where they say and need what they say;
// every other combination is refused; the table has no other edge.
func TestEveryEdge(t *testing.T) {
	type key struct {
		kind   model.ReportKind
		from   model.CaseStatus
		action Action
	}
	type edge struct {
		to    model.CaseStatus
		needs Need
	}
	c, tip := model.KindComplaint, model.KindTip
	want := map[key]edge{
		{c, "new", ActAccept}: {"accepted", NeedNothing}, {c, "new", ActNotAccept}: {"not_accepted", NeedGround},
		{c, "accepted", ActMediate}: {"mediated", NeedMediation}, {c, "mediated", ActClose}: {"closed", NeedNothing},
		{tip, "new", ActVerify}: {"verifying", NeedNothing}, {tip, "verifying", ActOpenCase}: {"opened", NeedNothing},
		{tip, "verifying", ActNoCase}: {"no_case", NeedReason}, {tip, "new", ActNoCase}: {"no_case", NeedReason},
		{tip, "opened", ActConclude}: {"concluded", NeedOutcome}, {tip, "concluded", ActClose}: {"closed", NeedNothing},
	}
	for _, k := range []model.ReportKind{c, tip} {
		want[key{k, "new", ActReturn}] = edge{"returned", NeedReason}
		want[key{k, "returned", ActReroute}] = edge{"new", NeedTarget}
		want[key{k, "new", ActMerge}] = edge{"merged", NeedTarget}
	}
	want[key{tip, "verifying", ActReturn}] = edge{"returned", NeedReason}
	want[key{tip, "verifying", ActMerge}] = edge{"merged", NeedTarget}
	want[key{c, "accepted", ActMerge}] = edge{"merged", NeedTarget}
	if len(model.CaseStatuses) != 11 || len(Actions) != 11 {
		t.Fatalf("%d statuses and %d actions: a new one needs its edges listed here", len(model.CaseStatuses), len(Actions))
	}
	allowed := 0
	for _, kind := range []model.ReportKind{c, tip} {
		for _, from := range model.CaseStatuses {
			for _, a := range Actions {
				tr, err := Next(kind, from, a)
				w, ok := want[key{kind, from, a}]
				// A complaint is never "verifying" and a tip never "accepted";
				// the table lists shared edges from them, harmlessly.
				impossible := (kind == c && from == model.CaseVerifying) || (kind == tip && from == model.CaseAccepted)
				switch {
				case impossible:
					continue
				case ok && err != nil:
					t.Errorf("%s %s %s refused: %v", kind, from, a, err)
				case ok && (tr.To != w.to || tr.Needs != w.needs):
					t.Errorf("%s %s %s → %s needing %d, want → %s needing %d", kind, from, a, tr.To, tr.Needs, w.to, w.needs)
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
	// Shared edges count once in the table but twice above (once per kind);
	// the verifying/accepted ones only for the kind that has the status.
	if len(Transitions) != 16 {
		t.Errorf("the table has %d edges, want 16", len(Transitions))
	}
}

// TestEveryStatusHasItsClock: entering any status a transition leads to
// has a stated effect on the deadlines.
func TestEveryStatusHasItsClock(t *testing.T) {
	for _, s := range model.CaseStatuses {
		if _, ok := Clocks[s]; !ok {
			t.Errorf("status %s has no entry in Clocks", s)
		}
	}
	if len(Clocks) != len(model.CaseStatuses) {
		t.Errorf("Clocks has %d entries for %d statuses", len(Clocks), len(model.CaseStatuses))
	}
}

func TestOpenStatusesComeFirst(t *testing.T) {
	for i, s := range model.CaseStatuses {
		if open := i < len(model.OpenCaseStatuses); s.Open() != open {
			t.Errorf("%s at %d: open %v; list the open statuses first", s, i, s.Open())
		}
	}
}

func TestFinalStatesAllowNothing(t *testing.T) {
	for _, s := range model.CaseStatuses[len(model.OpenCaseStatuses):] {
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
