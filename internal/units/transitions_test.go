package units

import (
	"errors"
	"slices"
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

// PledgeAllowed follows the table: a pledge is signed where the merchant can
// submit, renewed where they can renew, and nowhere else.
func TestPledgeAllowedFollowsTheTable(t *testing.T) {
	for _, s := range model.UnitStatuses {
		allowed, renewal := PledgeAllowed(s)
		submit, renew := Can(s, ActSubmit, ByMerchant), Can(s, ActRenew, ByMerchant)
		if allowed != (submit || renew) || renewal != renew {
			t.Errorf("%s: PledgeAllowed = %v, %v; table says submit %v, renew %v", s, allowed, renewal, submit, renew)
		}
	}
}

func TestSubmitReadiness(t *testing.T) {
	tests := []struct {
		status      model.UnitStatus
		pledge      bool
		instruments int
		applying    bool
		missing     []string
	}{
		{model.UnitDraft, true, 1, true, nil},
		{model.UnitReturned, true, 3, true, nil},
		{model.UnitDraft, false, 0, true, []string{"unit.missing_pledge", "unit.missing_instruments"}},
		{model.UnitDraft, true, 0, true, []string{"unit.missing_instruments"}},
		{model.UnitReturned, false, 2, true, []string{"unit.missing_pledge"}},
		{model.UnitSubmitted, true, 1, false, nil},
		{model.UnitApproved, true, 1, false, nil},
		{model.UnitExpired, false, 0, false, nil},
	}
	for _, tc := range tests {
		r := SubmitReadiness(tc.status, tc.pledge, tc.instruments)
		if r.Applying != tc.applying || !slices.Equal(r.Missing, tc.missing) || r.Ready() != (tc.applying && len(tc.missing) == 0) {
			t.Errorf("SubmitReadiness(%s, %v, %d) = %+v", tc.status, tc.pledge, tc.instruments, r)
		}
	}
}

func TestCreditCodeRelease(t *testing.T) {
	code := "91310110666007217T"
	held, free := &model.Unit{USCCLive: &code}, &model.Unit{}
	for _, role := range model.Roles {
		want := role == model.RoleSupervisor || role == model.RoleCityAdmin
		if CanReleaseCreditCode(held, role) != want || CanReleaseCreditCode(free, role) {
			t.Errorf("%s: CanReleaseCreditCode(held) = %v, want %v", role, CanReleaseCreditCode(held, role), want)
		}
	}
}
