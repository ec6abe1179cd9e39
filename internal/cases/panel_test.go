package cases_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"honestmeasure/internal/fail"

	"honestmeasure/internal/cases"
	"honestmeasure/internal/model"
)

// TestAllowedActions: the case page draws exactly what AllowedActions
// offers, per kind, status and role.
func TestAllowedActions(t *testing.T) {
	named := &model.Report{ReporterName: "王五"}
	unit := int64(7)
	aboutUnit := &model.Report{ReporterName: "王五", UnitID: &unit}
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
		{"complaint about a unit", model.RoleOfficer, model.Case{Kind: model.KindComplaint, Status: model.CaseAccepted, ReportID: -1},
			cases.Offer{Decisions: []cases.Action{cases.ActMediate}, Merge: true, Tip: true}},
		{"returned complaint about a unit", model.RoleOfficer, model.Case{Kind: model.KindComplaint, Status: model.CaseReturned, ReportID: -1},
			cases.Offer{}},
		{"tip about a unit", model.RoleOfficer, model.Case{Kind: model.KindTip, Status: model.CaseOpened, ReportID: -1},
			cases.Offer{Decisions: []cases.Action{cases.ActConclude}, Extend: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := named
			if tc.cs.ReportID == -1 { // the report names a registered unit
				r = aboutUnit
			}
			got := cases.AllowedActions(tc.role, &tc.cs, r)
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

// TestTakeMany: "assign to me" takes the unassigned open cases of the
// officer's agency; an officer never takes a colleague's case (a supervisor
// may), nor another agency's, nor a closed one.
func TestTakeMany(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	officer := r.staff(model.RoleOfficer, "cz-tianning")
	colleague := r.staff(model.RoleOfficer, "cz-tianning")
	sup := r.staff(model.RoleSupervisor, "cz-tianning")
	free := r.newCase(model.KindTip, model.CaseNew, "cz-tianning", "")
	theirs := r.newCase(model.KindTip, model.CaseNew, "cz-tianning", "")
	r.store.DB().Model(&model.Case{}).Where("id = ?", theirs.ID).Update("assignee_id", colleague.User.ID)
	elsewhere := r.newCase(model.KindTip, model.CaseNew, "cz-zhonglou", "")
	closed := r.newCase(model.KindTip, model.CaseClosed, "cz-tianning", "")
	ids := []int64{free.ID, theirs.ID, elsewhere.ID, closed.ID, free.ID, 999999}

	n, err := r.svc.TakeMany(ctx, officer, ids)
	if err != nil || n != 1 {
		t.Fatalf("officer took %d (%v), want 1", n, err)
	}
	for _, tc := range []struct {
		cs   *model.Case
		want *int64
	}{{free, &officer.User.ID}, {theirs, &colleague.User.ID}, {elsewhere, nil}, {closed, nil}} {
		got := r.reload(tc.cs).AssigneeID
		if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
			t.Fatalf("case %d assigned to %v, want %v", tc.cs.ID, got, tc.want)
		}
	}
	if n, err := r.svc.TakeMany(ctx, officer, ids); err != nil || n != 0 {
		t.Fatalf("taking again: %d (%v), want 0", n, err)
	}
	if n, err := r.svc.TakeMany(ctx, sup, []int64{theirs.ID}); err != nil || n != 1 || *r.reload(theirs).AssigneeID != sup.User.ID {
		t.Fatalf("supervisor took %d (%v)", n, err)
	}
	if _, err := r.svc.TakeMany(ctx, r.staff(model.RoleCityAdmin, ""), ids); kindOf(err) != fail.NotFound {
		t.Fatalf("city admin taking: %v", err)
	}
}

// TestDeadlineKind: the queue says which decision a deadline is for.
func TestDeadlineKind(t *testing.T) {
	day := time.Date(2026, 5, 4, 15, 59, 59, 0, time.UTC)
	later := day.AddDate(0, 1, 0)
	for _, tc := range []struct {
		cs   model.Case
		want string
	}{
		{model.Case{}, ""},
		{model.Case{DueAt: &day, DecisionDueAt: day}, cases.DeadlineDecision},
		{model.Case{DueAt: &later, DecisionDueAt: day, ConclusionDueAt: &later}, cases.DeadlineConclusion},
	} {
		if got := cases.DeadlineKind(&tc.cs); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.cs, got, tc.want)
		}
	}
}
