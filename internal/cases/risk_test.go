package cases_test

import (
	"context"
	"testing"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/risk"
)

// TestSubstantiatedConclusionRecomputesRisk: concluding a case about a unit
// as substantiated recomputes that unit's risk class at once, with the case
// among its inputs; an unsubstantiated one leaves it to the hourly run.
func TestSubstantiatedConclusionRecomputesRisk(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	log, err := audit.New([]byte("cases-service-test-audit-key-of-32+bytes"))
	if err != nil {
		t.Fatal(err)
	}
	r.svc.Risk = &risk.Service{Store: r.store, Audit: log, Rule: reference.DefaultRiskRule(), Now: func() time.Time { return r.now }}
	officer := r.staff(model.RoleOfficer, "cz-tianning")
	unit := r.approvedUnit()
	for _, outcome := range []string{cases.OutcomeUnsubstantiated, cases.OutcomeSubstantiated} {
		cs := r.newCase(model.KindTip, model.CaseOpened, "cz-tianning", "")
		r.store.DB().Model(&model.Report{}).Where("id = ?", cs.ReportID).Update("unit_id", unit.ID)
		cs = r.reload(cs)
		if _, err := r.svc.Act(ctx, officer, cs, cases.ActConclude, cases.Decision{Outcome: outcome,
			InstrumentMeasure: cases.InstrumentMeasureNone, UnitMeasure: cases.UnitMeasureNone, Reason: "已查"}); err != nil {
			t.Fatal(err)
		}
		stored, err := r.store.UnitRisk(ctx, unit.ID)
		if outcome == cases.OutcomeUnsubstantiated {
			if err == nil {
				t.Errorf("an unsubstantiated conclusion recomputed the class: %+v", stored)
			}
			continue
		}
		if err != nil {
			t.Fatalf("after a %s conclusion: %v", outcome, err)
		}
		in, _ := risk.Stored(stored)
		n := 0
		for _, c := range in.Cases {
			n += c
		}
		if n != 1 {
			t.Errorf("after a substantiated conclusion the class counts %d cases, want 1", n)
		}
	}
}
