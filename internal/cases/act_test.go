package cases_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
)

// step is one officer action and what the case looks like after it.
type step struct {
	action    cases.Action
	decision  cases.Decision
	wantState model.CaseStatus
	// wantDue: the deadline running after the step, as days from the
	// step's moment (calendar days), or -1 for none.
	wantDueDays int
}

// TestLifecycles walks the complaint and tip paths of Order No. 121 through
// the service: each step moves the case, sets or stops its clock, writes
// one timeline entry, one audit entry and tells the reporter.
func TestLifecycles(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kind  model.ReportKind
		steps []step
	}{
		{"complaint mediated and closed", model.KindComplaint, []step{
			{cases.ActAccept, cases.Decision{}, model.CaseAccepted, cases.MediationDays},
			{cases.ActMediate, cases.Decision{Mediation: cases.MediationAgreement, Reason: "商户退还差价 12 元"}, model.CaseMediated, -1},
			{cases.ActClose, cases.Decision{}, model.CaseClosed, -1},
		}},
		{"complaint not accepted", model.KindComplaint, []step{
			{cases.ActNotAccept, cases.Decision{Ground: "handled_elsewhere"}, model.CaseNotAccepted, -1},
		}},
		{"tip verified, opened, concluded, closed", model.KindTip, []step{
			{cases.ActVerify, cases.Decision{}, model.CaseVerifying, 99}, // decision deadline runs on
			{cases.ActOpenCase, cases.Decision{}, model.CaseOpened, cases.CaseConclusionDays},
			{cases.ActConclude, cases.Decision{Outcome: cases.OutcomeUnsubstantiated, Reason: "复核计量准确"}, model.CaseConcluded, -1},
			{cases.ActClose, cases.Decision{}, model.CaseClosed, -1},
		}},
		{"tip with no case", model.KindTip, []step{
			{cases.ActNoCase, cases.Decision{Reason: "线索不足"}, model.CaseNoCase, -1},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			ctx := context.Background()
			officer := r.staff(model.RoleOfficer, "cz-tianning")
			cs := r.newCase(tc.kind, model.CaseNew, "cz-tianning", "reporter@example.com")
			firstDue := *cs.DueAt
			for i, st := range tc.steps {
				r.now = r.now.Add(24 * time.Hour)
				changed, err := r.svc.Act(ctx, officer, cs, st.action, st.decision)
				if err != nil {
					t.Fatalf("step %d %s: %v", i, st.action, err)
				}
				after := r.reload(cs)
				if after.Status != st.wantState || changed.Status != st.wantState {
					t.Fatalf("step %d %s: status %s, want %s", i, st.action, after.Status, st.wantState)
				}
				switch {
				case st.wantDueDays == -1 && after.DueAt != nil:
					t.Fatalf("step %d %s: a deadline %v still runs", i, st.action, after.DueAt)
				case st.wantDueDays == 99 && (after.DueAt == nil || !after.DueAt.Equal(firstDue)):
					t.Fatalf("step %d %s: due %v, want the decision deadline %v", i, st.action, after.DueAt, firstDue)
				case st.wantDueDays > 0 && st.wantDueDays != 99 && (after.DueAt == nil || !after.DueAt.Equal(r.now.AddDate(0, 0, st.wantDueDays))):
					t.Fatalf("step %d %s: due %v, want %d days from now", i, st.action, after.DueAt, st.wantDueDays)
				}
				if !after.Status.Open() && after.ClosedAt == nil {
					t.Fatalf("step %d %s: final status without closed_at", i, st.action)
				}
				cs = after
			}
			n := int64(len(tc.steps))
			if got := r.auditCount(audit.ActionCaseStatus, cs.ID); got != n {
				t.Errorf("%d audit entries for %d steps", got, n)
			}
			if got := r.outboxCount("case.updated", "reporter@example.com"); got != n {
				t.Errorf("the reporter was told %d times of %d steps", got, n)
			}
			events, err := r.store.CaseEvents(ctx, cs.ID)
			if err != nil || int64(len(events)) != n {
				t.Errorf("%d timeline entries for %d steps (%v)", len(events), n, err)
			}
		})
	}
}

// TestActRefusals: what an officer cannot do leaves the case as it was and
// says why.
func TestActRefusals(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	officer := r.staff(model.RoleOfficer, "cz-tianning")
	elsewhere := r.staff(model.RoleOfficer, "cz-zhonglou")
	complaint := r.newCase(model.KindComplaint, model.CaseNew, "cz-tianning", "")
	tip := r.newCase(model.KindTip, model.CaseNew, "cz-tianning", "")
	opened := r.newCase(model.KindTip, model.CaseOpened, "cz-tianning", "") // no unit on its report
	for _, tc := range []struct {
		name   string
		who    cases.Actor
		cs     *model.Case
		action cases.Action
		d      cases.Decision
		want   fail.Kind
		field  string
	}{
		{"another agency's case", elsewhere, complaint, cases.ActAccept, cases.Decision{}, fail.NotFound, ""},
		{"a tip cannot be accepted", officer, tip, cases.ActAccept, cases.Decision{}, fail.Conflict, "action"},
		{"no ground", officer, complaint, cases.ActNotAccept, cases.Decision{}, fail.Invalid, "ground"},
		{"made-up ground", officer, complaint, cases.ActNotAccept, cases.Decision{Ground: "i_said_so"}, fail.Invalid, "ground"},
		{"no reason for no case", officer, tip, cases.ActNoCase, cases.Decision{Reason: "  "}, fail.Invalid, "reason"},
		{"merge needs its own form", officer, tip, cases.ActMerge, cases.Decision{}, fail.Conflict, "action"},
		{"no outcome", officer, opened, cases.ActConclude, cases.Decision{}, fail.Invalid, "outcome"},
		{"bad fine", officer, opened, cases.ActConclude, cases.Decision{Outcome: cases.OutcomeSubstantiated, Fine: "lots"}, fail.Invalid, "fine"},
		{"suspend a unit the report does not name", officer, opened, cases.ActConclude,
			cases.Decision{Outcome: cases.OutcomeSubstantiated, UnitMeasure: cases.UnitMeasureSuspended}, fail.Invalid, "unit_measure"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.svc.Act(ctx, tc.who, tc.cs, tc.action, tc.d)
			e, ok := fail.As(err)
			if !ok || e.Kind != tc.want || tc.field != "" && !e.Fields.Has(tc.field) {
				t.Fatalf("got %v, want %v on %q", err, tc.want, tc.field)
			}
			if after := r.reload(tc.cs); after.Status != tc.cs.Status || after.LockVersion != tc.cs.LockVersion {
				t.Fatalf("a refusal changed the case: %+v", after)
			}
		})
	}
	// Two officers acting on the same version: one wins, the other is told
	// the case changed meanwhile.
	if _, err := r.svc.Act(ctx, officer, complaint, cases.ActAccept, cases.Decision{}); err != nil {
		t.Fatal(err)
	}
	_, err := r.svc.Act(ctx, officer, complaint, cases.ActNotAccept, cases.Decision{Ground: "outside_remit"})
	if e, ok := fail.As(err); !ok || e.Kind != fail.Conflict || e.Fields["action"].Key != "review.changed_meanwhile" {
		t.Fatalf("stale action: %v", err)
	}
}

// TestConclusionSuspendsTheUnit: a substantiated conclusion with a unit
// measure suspends the reported unit in the same change, audited. The unit's
// public reason is the conclusion's public notice, never the explanation
// the reporter is given.
func TestConclusionSuspendsTheUnit(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	officer := r.staff(model.RoleOfficer, "cz-tianning")
	cs := r.newCase(model.KindTip, model.CaseOpened, "cz-tianning", "")
	unit := r.approvedUnit()
	r.store.DB().Model(&model.Report{}).Where("id = ?", cs.ReportID).Update("unit_id", unit.ID)

	_, err := r.svc.Act(ctx, officer, cs, cases.ActConclude, cases.Decision{Outcome: cases.OutcomeSubstantiated, Fine: "5000",
		InstrumentMeasure: cases.InstrumentMeasureSealed, UnitMeasure: cases.UnitMeasureSuspended, Reason: "罚款5000元，感谢您的举报", PublicNotice: "电子秤加装作弊装置"})
	if err != nil {
		t.Fatal(err)
	}
	after := r.reload(cs)
	if after.Outcome != cases.OutcomeSubstantiated || after.FineCents == nil || *after.FineCents != 500000 ||
		after.InstrumentMeasure != cases.InstrumentMeasureSealed || after.ConcludedAt == nil ||
		after.PublicNotice != "电子秤加装作弊装置" || after.OutcomeDetail == nil || *after.OutcomeDetail != "罚款5000元，感谢您的举报" {
		t.Fatalf("concluded case %+v", after)
	}
	u, err := r.store.UnitByID(ctx, unit.ID)
	if err != nil || u.Status != model.UnitSuspended || u.StatusReason != "电子秤加装作弊装置" {
		t.Fatalf("unit after the conclusion: %+v (%v)", u, err)
	}
	var n int64
	r.store.DB().Model(&model.AuditEntry{}).Where("action = ? AND object_type = ?", audit.ActionUnitStatus, audit.ObjectUnit).Count(&n)
	if n != 1 {
		t.Fatalf("%d unit audit entries, want 1", n)
	}
	// A conclusion without a public notice gives the unit a fixed wording,
	// never the words meant for the reporter.
	other := r.approvedUnit()
	quiet := r.newCase(model.KindTip, model.CaseOpened, "cz-tianning", "")
	r.store.DB().Model(&model.Report{}).Where("id = ?", quiet.ReportID).Update("unit_id", other.ID)
	if _, err := r.svc.Act(ctx, officer, quiet, cases.ActConclude, cases.Decision{Outcome: cases.OutcomeSubstantiated,
		UnitMeasure: cases.UnitMeasureRevoked, Reason: "罚款5000元"}); err != nil {
		t.Fatal(err)
	}
	if u, err := r.store.UnitByID(ctx, other.ID); err != nil || u.Status != model.UnitRevoked || strings.Contains(u.StatusReason, "5000") {
		t.Fatalf("unit revoked without a public notice: %+v (%v)", u, err)
	}
	// A public notice is bounded; the refusal names the field.
	long := r.newCase(model.KindTip, model.CaseOpened, "cz-tianning", "")
	_, err = r.svc.Act(ctx, officer, long, cases.ActConclude, cases.Decision{Outcome: cases.OutcomeUnsubstantiated, PublicNotice: strings.Repeat("字", cases.MaxPublicNotice+1)})
	if e, ok := fail.As(err); !ok || !e.Fields.Has("public_notice") {
		t.Fatalf("overlong public notice: %v", err)
	}
	// The unit is suspended now: a second case cannot suspend it again
	// (it may revoke it), and the refusal names the field.
	again := r.newCase(model.KindTip, model.CaseOpened, "cz-tianning", "")
	r.store.DB().Model(&model.Report{}).Where("id = ?", again.ReportID).Update("unit_id", unit.ID)
	_, err = r.svc.Act(ctx, officer, again, cases.ActConclude, cases.Decision{Outcome: cases.OutcomeSubstantiated, UnitMeasure: cases.UnitMeasureSuspended})
	if e, ok := fail.As(err); !ok || !e.Fields.Has("unit_measure") {
		t.Fatalf("suspending a suspended unit: %v", err)
	}
	if r.reload(again).Status != model.CaseOpened {
		t.Fatal("the refused conclusion was stored")
	}
}

// TestReporterIsToldInTheirLanguage: the ground of a refusal is stored as
// its key, so the English reporter reads it in English and the Chinese one
// in Chinese, whatever language the officer uses.
func TestReporterIsToldInTheirLanguage(t *testing.T) {
	for _, tc := range []struct {
		reporterLocale string
		wantSubject    string
		wantBody       []string
	}{
		{"zh-CN", "办理进度", []string{"不予受理", "已由法院、仲裁机构或其他部门受理或处理", "另有诉讼"}},
		{"en", "Update on", []string{"Not accepted", "Already handled by a court, arbitration or another body", "另有诉讼"}},
	} {
		t.Run(tc.reporterLocale, func(t *testing.T) {
			r := newRig(t)
			ctx := context.Background()
			officer := r.staff(model.RoleOfficer, "cz-tianning")
			officer.User.Locale = "en" // the officer's own language plays no part
			cs := r.newCase(model.KindComplaint, model.CaseNew, "cz-tianning", "reporter@example.com")
			r.store.DB().Model(&model.Report{}).Where("id = ?", cs.ReportID).Update("locale", tc.reporterLocale)
			if _, err := r.svc.Act(ctx, officer, cs, cases.ActNotAccept, cases.Decision{Ground: "handled_elsewhere", Reason: "另有诉讼"}); err != nil {
				t.Fatal(err)
			}
			var m model.OutboxMessage
			if err := r.store.DB().Where("event = ? AND recipient = ?", "case.updated", "reporter@example.com").Take(&m).Error; err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(m.Subject, tc.wantSubject) {
				t.Errorf("subject %q lacks %q", m.Subject, tc.wantSubject)
			}
			for _, want := range tc.wantBody {
				if !strings.Contains(m.Body, want) {
					t.Errorf("notice %q lacks %q", m.Body, want)
				}
			}
			events, _ := r.store.CaseEvents(ctx, cs.ID)
			last := events[len(events)-1]
			if last.DetailKey() != "ground.handled_elsewhere" || last.Body == nil || *last.Body != "另有诉讼" {
				t.Fatalf("timeline entry %+v: want the ground's key kept apart from the officer's words", last)
			}
		})
	}
}
