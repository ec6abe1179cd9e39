package units

import (
	"errors"
	"testing"

	"honestmeasure/internal/model"
)

var allActions = []Action{ActSubmit, ActApprove, ActReturn, ActSuspend, ActReinstate, ActRevoke, ActExpire, ActRenew}
var allActors = []Actor{ByMerchant, ByOfficer, BySystem}

// TestEveryEdge walks every (status, action, actor) triple: the listed edges
// lead where the table says, every other one is refused.
func TestEveryEdge(t *testing.T) {
	want := map[[3]string]model.UnitStatus{
		{"draft", "submit", "merchant"}:       model.UnitSubmitted,
		{"returned", "submit", "merchant"}:    model.UnitSubmitted,
		{"submitted", "approve", "officer"}:   model.UnitApproved,
		{"submitted", "return", "officer"}:    model.UnitReturned,
		{"approved", "suspend", "officer"}:    model.UnitSuspended,
		{"approved", "revoke", "officer"}:     model.UnitRevoked,
		{"approved", "expire", "system"}:      model.UnitExpired,
		{"approved", "renew", "merchant"}:     model.UnitApproved,
		{"suspended", "reinstate", "officer"}: model.UnitApproved,
		{"suspended", "revoke", "officer"}:    model.UnitRevoked,
		{"expired", "renew", "merchant"}:      model.UnitSubmitted,
	}
	seen := 0
	for _, from := range model.UnitStatuses {
		for _, a := range allActions {
			for _, by := range allActors {
				key := [3]string{string(from), string(a), string(by)}
				tr, err := Next(from, a, by)
				to, ok := want[key]
				switch {
				case ok && err != nil:
					t.Errorf("%v refused: %v", key, err)
				case ok && tr.To != to:
					t.Errorf("%v leads to %s, want %s", key, tr.To, to)
				case !ok && err == nil:
					t.Errorf("%v allowed (to %s), want refused", key, tr.To)
				case !ok:
					var te *ErrTransition
					if !errors.As(err, &te) || te.Error() == "" {
						t.Errorf("%v: refusal without an ErrTransition", key)
					}
				}
				if ok {
					seen++
				}
			}
		}
	}
	if seen != len(want) || len(Transitions) != len(want) {
		t.Fatalf("walked %d edges, table has %d, test expects %d", seen, len(Transitions), len(want))
	}
}

func TestRevokedIsFinal(t *testing.T) {
	for _, by := range allActors {
		if acts := Allowed(model.UnitRevoked, by); len(acts) != 0 {
			t.Errorf("revoked unit allows %v to %s", acts, by)
		}
	}
}

func TestReasonsRequiredWhereTheMerchantOrPublicIsTold(t *testing.T) {
	for _, tr := range Transitions {
		needs := tr.Action == ActReturn || tr.Action == ActSuspend || tr.Action == ActRevoke || tr.Action == ActReinstate
		if tr.NeedsReason != needs {
			t.Errorf("%s → %s by %s: NeedsReason = %v", tr.From, tr.Action, tr.By, tr.NeedsReason)
		}
	}
}
