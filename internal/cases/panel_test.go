package cases_test

import (
	"reflect"
	"testing"

	"honestmeasure/internal/cases"
	"honestmeasure/internal/model"
)

// TestAllowedActions: the case page draws exactly what AllowedActions
// offers, per kind, status and role.
func TestAllowedActions(t *testing.T) {
	named := &model.Report{ReporterName: "王五"}
	for _, tc := range []struct {
		name string
		role model.Role
		cs   model.Case
		want cases.Offer
	}{
		{"new complaint, officer", model.RoleOfficer, model.Case{Kind: model.KindComplaint, Status: model.CaseNew},
			cases.Offer{Decisions: []cases.Action{cases.ActAccept, cases.ActNotAccept, cases.ActReturn}, Merge: true}},
		{"new complaint, supervisor", model.RoleSupervisor, model.Case{Kind: model.KindComplaint, Status: model.CaseNew},
			cases.Offer{Decisions: []cases.Action{cases.ActAccept, cases.ActNotAccept, cases.ActReturn}, Merge: true, Transfer: true, Assign: true}},
		{"new tip, officer", model.RoleOfficer, model.Case{Kind: model.KindTip, Status: model.CaseNew},
			cases.Offer{Decisions: []cases.Action{cases.ActVerify, cases.ActNoCase, cases.ActReturn}, Merge: true, Extend: true}},
		{"extended tip", model.RoleOfficer, model.Case{Kind: model.KindTip, Status: model.CaseVerifying, Extended: true},
			cases.Offer{Decisions: []cases.Action{cases.ActOpenCase, cases.ActNoCase, cases.ActReturn}, Merge: true}},
		{"opened case", model.RoleOfficer, model.Case{Kind: model.KindTip, Status: model.CaseOpened},
			cases.Offer{Decisions: []cases.Action{cases.ActConclude}, Extend: true}},
		{"substantiated tip", model.RoleOfficer, model.Case{Kind: model.KindTip, Status: model.CaseConcluded, Outcome: cases.OutcomeSubstantiated},
			cases.Offer{Decisions: []cases.Action{cases.ActClose}, Reward: true}},
		{"returned case, supervisor", model.RoleSupervisor, model.Case{Kind: model.KindTip, Status: model.CaseReturned},
			cases.Offer{Assign: true}},
		{"returned case, city admin", model.RoleCityAdmin, model.Case{Kind: model.KindTip, Status: model.CaseReturned},
			cases.Offer{Reroute: true}},
		{"accepted complaint, city admin", model.RoleCityAdmin, model.Case{Kind: model.KindComplaint, Status: model.CaseAccepted},
			cases.Offer{Decisions: []cases.Action{cases.ActMediate}, Merge: true, Transfer: true}},
		{"closed case", model.RoleSupervisor, model.Case{Kind: model.KindTip, Status: model.CaseClosed, Outcome: cases.OutcomeSubstantiated},
			cases.Offer{Reward: true}},
		{"merchant", model.RoleMerchant, model.Case{Kind: model.KindTip, Status: model.CaseNew}, cases.Offer{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cases.AllowedActions(tc.role, &tc.cs, named)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
			if got.Any() != !reflect.DeepEqual(tc.want, cases.Offer{}) {
				t.Fatal("Any disagrees")
			}
			for _, a := range got.Decisions {
				if _, err := cases.Next(tc.cs.Kind, tc.cs.Status, a); err != nil {
					t.Fatalf("offered %s, which the state machine refuses", a)
				}
			}
		})
	}
}
