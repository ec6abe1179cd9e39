package cases_test

import (
	"context"
	"fmt"
	"honestmeasure/internal/workdays"
	"strconv"
	"testing"
	"time"

	"honestmeasure/configs"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

// rig is a migrated database with the Changzhou reference data (agencies,
// districts, the 2026 holiday calendar) and a service whose clock the test
// sets.
type rig struct {
	t     *testing.T
	store *storage.Store
	svc   *cases.Service
	now   time.Time
	n     int
}

func newRig(t *testing.T) *rig {
	t.Helper()
	db := dbtest.Open(t)
	ref, err := reference.Load(configs.Changzhou())
	if err != nil {
		t.Fatal(err)
	}
	st := storage.New(db)
	if err := st.SeedReference(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	log, err := audit.New([]byte("cases-service-test-audit-key-of-32+bytes"))
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, store: st, now: time.Date(2026, 4, 6, 9, 0, 0, 0, model.Zone)}
	now := func() time.Time { return r.now }
	r.svc = &cases.Service{Store: st, Audit: log, BaseURL: "http://127.0.0.1:1", Now: now,
		Units: &units.Service{Store: st, Audit: log, BaseURL: "http://127.0.0.1:1", Now: now}}
	return r
}

func (r *rig) agency(code string) *model.Agency {
	r.t.Helper()
	a, err := r.store.AgencyByCode(context.Background(), code)
	if err != nil {
		r.t.Fatalf("agency %s: %v", code, err)
	}
	return a
}

func (r *rig) staff(role model.Role, agencyCode string) cases.Actor {
	r.t.Helper()
	r.n++
	u := &model.User{Login: fmt.Sprintf("staff%d@example.org", r.n), DisplayName: "staff", PasswordHash: "x", Role: role, Locale: "zh-CN"}
	if agencyCode != "" {
		u.AgencyID = &r.agency(agencyCode).ID
	}
	if err := r.store.CreateUser(context.Background(), u); err != nil {
		r.t.Fatal(err)
	}
	return cases.Actor{User: u, IP: "127.0.0.1"}
}

// newCase stores a report received now and its case at agencyCode in status.
func (r *rig) newCase(kind model.ReportKind, status model.CaseStatus, agencyCode, reporterEmail string) *model.Case {
	r.t.Helper()
	ctx := context.Background()
	districts, err := r.store.Districts(ctx)
	if err != nil || len(districts) == 0 {
		r.t.Fatalf("districts: %v", err)
	}
	r.n++
	rep := &model.Report{TrackingNo: reports.NewTrackingNumber(), AccessCodeHash: "x", Kind: kind, Category: "short_weight",
		DistrictID: districts[0].ID, BusinessName: "钟楼菜场 8号摊位", Description: "少秤", ReporterEmail: reporterEmail,
		Locale: "zh-CN", CreatedAt: r.now.UTC()}
	if err := r.store.DB().WithContext(ctx).Create(rep).Error; err != nil {
		r.t.Fatal(err)
	}
	due := r.now.UTC().AddDate(0, 0, 21)
	cs := &model.Case{ReportID: rep.ID, AgencyID: r.agency(agencyCode).ID, Kind: kind, Category: rep.Category, DistrictID: rep.DistrictID,
		Status: status, Priority: model.PriorityNormal, ReceivedAt: r.now.UTC(), DecisionDueAt: due, DueAt: &due}
	if status == model.CaseReturned {
		cs.DueAt = nil // returning stops the clock
	}
	if err := r.store.DB().WithContext(ctx).Create(cs).Error; err != nil {
		r.t.Fatal(err)
	}
	return r.reload(cs)
}

func (r *rig) reload(cs *model.Case) *model.Case {
	r.t.Helper()
	fresh, err := r.store.CaseByID(context.Background(), cs.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	return fresh
}

func (r *rig) auditCount(action string, caseID int64) int64 {
	var n int64
	r.store.DB().Model(&model.AuditEntry{}).Where("action = ? AND object_type = ? AND object_id = ?", action, audit.ObjectCase, strconv.FormatInt(caseID, 10)).Count(&n)
	return n
}

func (r *rig) outboxCount(event, recipient string) int64 {
	var n int64
	r.store.DB().Model(&model.OutboxMessage{}).Where("event = ? AND recipient = ?", event, recipient).Count(&n)
	return n
}

// approvedUnit stores a published unit of a new merchant.
func (r *rig) approvedUnit() *model.Unit {
	r.t.Helper()
	ctx := context.Background()
	r.n++
	owner := &model.User{Login: fmt.Sprintf("merchant%d@example.com", r.n), DisplayName: "merchant", PasswordHash: "x", Role: model.RoleMerchant, Locale: "zh-CN"}
	if err := r.store.CreateUser(ctx, owner); err != nil {
		r.t.Fatal(err)
	}
	districts, err := r.store.Districts(ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	approved := r.now.UTC()
	u := &model.Unit{OwnerUserID: owner.ID, Name: fmt.Sprintf("钟楼菜场 %d号摊位", r.n), USCC: fmt.Sprintf("test-uscc-%d", r.n), BusinessType: "market_stall",
		Address: "钟楼区", DistrictID: districts[0].ID, ContactName: "张三", ContactPhone: "13800000000", Status: model.UnitApproved, ApprovedAt: &approved,
		CreatedAt: approved, UpdatedAt: approved}
	if err := r.store.DB().WithContext(ctx).Create(u).Error; err != nil {
		r.t.Fatal(err)
	}
	return u
}

func kindOf(err error) fail.Kind { return fail.KindOf(err) }

// A supervisor transfers open cases, but a returned case waits for the city
// admin: transferring it would put it in another queue with no deadline.
func TestTransferRefusedForReturnedCase(t *testing.T) {
	for _, tc := range []struct {
		status model.CaseStatus
		want   fail.Kind // Internal (0): transferred
	}{
		{model.CaseNew, 0},
		{model.CaseVerifying, 0},
		{model.CaseReturned, fail.Conflict},
		{model.CaseClosed, fail.Conflict},
		{model.CaseMerged, fail.Conflict},
	} {
		t.Run(string(tc.status), func(t *testing.T) {
			r := newRig(t)
			sup := r.staff(model.RoleSupervisor, "cz-tianning")
			cs := r.newCase(model.KindTip, tc.status, "cz-tianning", "")
			moved, err := r.svc.Transfer(context.Background(), sup, cs, cases.Move{AgencyCode: "cz-zhonglou", Reason: "不属本局管辖"})
			if got := kindOf(err); got != tc.want || tc.want != 0 && err == nil {
				t.Fatalf("transfer of a %s case: %v (kind %d), want kind %d", tc.status, err, got, tc.want)
			}
			after := r.reload(cs)
			if cases.Transferable(tc.status) != (tc.want == 0) { // the page offers the button by it
				t.Fatalf("Transferable(%s) disagrees with Transfer", tc.status)
			}
			if tc.want != 0 {
				if after.AgencyID != cs.AgencyID || after.Status != cs.Status || after.LockVersion != cs.LockVersion || r.auditCount(audit.ActionCaseTransfer, cs.ID) != 0 {
					t.Fatalf("refused transfer changed the case: %+v", after)
				}
				return
			}
			zl := r.agency("cz-zhonglou")
			if after.AgencyID != zl.ID || moved.AgencyID != zl.ID || after.Status != tc.status || !after.DueAt.Equal(*cs.DueAt) {
				t.Fatalf("after transfer %+v", after)
			}
			if n := r.auditCount(audit.ActionCaseTransfer, cs.ID); n != 1 {
				t.Fatalf("%d audit entries for one transfer", n)
			}
		})
	}
}

// Re-routing restarts the decision period from the day of re-routing, in
// working days: re-routed on Thursday 30 April 2026, with 1–5 May off for
// Labour Day and Saturday 9 May a working day, a tip is due at the end of
// Monday 25 May and a complaint at the end of Wednesday 13 May.
func TestRerouteRestartsDecisionPeriod(t *testing.T) {
	for _, tc := range []struct {
		kind model.ReportKind
		due  time.Time
	}{
		{model.KindTip, time.Date(2026, 5, 25, 23, 59, 59, 0, model.Zone)},
		{model.KindComplaint, time.Date(2026, 5, 13, 23, 59, 59, 0, model.Zone)},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			r := newRig(t)
			admin := r.staff(model.RoleCityAdmin, "")
			cs := r.newCase(tc.kind, model.CaseReturned, "cz-tianning", "reporter@example.com")
			r.store.DB().Model(&model.Case{}).Where("id = ?", cs.ID).Updates(map[string]any{"extended": true, "extension_reason": "现场复核"})
			cs = r.reload(cs)
			r.now = time.Date(2026, 4, 30, 10, 0, 0, 0, model.Zone) // 18 working days after receipt

			moved, err := r.svc.Reroute(context.Background(), admin, cs, cases.Move{AgencyCode: "cz-zhonglou", Reason: "经核实属钟楼区管辖"})
			if err != nil {
				t.Fatal(err)
			}
			after := r.reload(cs)
			if after.DueAt == nil || !after.DueAt.Equal(tc.due) || !after.DecisionDueAt.Equal(tc.due) || !moved.DueAt.Equal(tc.due) {
				t.Fatalf("re-routed on 30 April: due %v, decision due %v; want %v", after.DueAt, after.DecisionDueAt, tc.due.UTC())
			}
			if after.Status != model.CaseNew || after.AgencyID != r.agency("cz-zhonglou").ID || after.AssigneeID != nil || after.Extended {
				t.Fatalf("after re-routing %+v", after)
			}
			if n := r.auditCount(audit.ActionCaseTransfer, cs.ID); n != 1 {
				t.Fatalf("%d audit entries for one re-routing", n)
			}
			events, err := r.store.CaseEvents(context.Background(), cs.ID)
			if err != nil || len(events) != 1 || events[0].Kind != "transfer" || events[0].ToStatus != model.CaseNew || !events[0].Public {
				t.Fatalf("timeline %+v, %v", events, err)
			}
		})
	}
}

// Who may do what, and what the refusals say.
func TestMoveRefusals(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	officer := r.staff(model.RoleOfficer, "cz-tianning")
	sup := r.staff(model.RoleSupervisor, "cz-tianning")
	admin := r.staff(model.RoleCityAdmin, "")
	open := r.newCase(model.KindTip, model.CaseNew, "cz-tianning", "")
	returned := r.newCase(model.KindTip, model.CaseReturned, "cz-tianning", "")
	good := cases.Move{AgencyCode: "cz-zhonglou", Reason: "不属本局管辖"}
	for _, tc := range []struct {
		name  string
		call  func() error
		want  fail.Kind
		field string
	}{
		{"officer transfers", func() error { _, err := r.svc.Transfer(ctx, officer, open, good); return err }, fail.NotFound, ""},
		{"supervisor re-routes", func() error { _, err := r.svc.Reroute(ctx, sup, returned, good); return err }, fail.NotFound, ""},
		{"re-route an open case", func() error { _, err := r.svc.Reroute(ctx, admin, open, good); return err }, fail.Conflict, "action"},
		{"unknown agency", func() error {
			_, err := r.svc.Transfer(ctx, sup, open, cases.Move{AgencyCode: "nowhere", Reason: "x"})
			return err
		}, fail.Invalid, "agency"},
		{"same agency", func() error {
			_, err := r.svc.Transfer(ctx, sup, open, cases.Move{AgencyCode: "cz-tianning", Reason: "x"})
			return err
		}, fail.Invalid, "agency"},
		{"no reason", func() error {
			_, err := r.svc.Reroute(ctx, admin, returned, cases.Move{AgencyCode: "cz-zhonglou", Reason: "  "})
			return err
		}, fail.Invalid, "transfer_reason"},
		{"stale version", func() error {
			stale := *open
			stale.LockVersion--
			_, err := r.svc.Transfer(ctx, sup, &stale, good)
			return err
		}, fail.Conflict, "action"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			refusal, ok := fail.As(err)
			if !ok || refusal.Kind != tc.want {
				t.Fatalf("got %v, want kind %d", err, tc.want)
			}
			if tc.field != "" && refusal.Fields[tc.field].Key == "" {
				t.Fatalf("no message on %s: %v", tc.field, refusal.Fields)
			}
		})
	}
	if after := r.reload(open); after.AgencyID != open.AgencyID || after.LockVersion != open.LockVersion {
		t.Fatalf("a refusal changed the case: %+v", after)
	}
}

// A merged duplicate's reporter is told of the merge and of every later
// public step of the surviving case.
func TestMergeKeepsBothReportersInformed(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	officer := r.staff(model.RoleOfficer, "cz-tianning")
	first := r.newCase(model.KindTip, model.CaseNew, "cz-tianning", "first@example.com")
	second := r.newCase(model.KindTip, model.CaseNew, "cz-tianning", "second@example.com")
	elsewhere := r.newCase(model.KindTip, model.CaseNew, "cz-zhonglou", "")
	var firstReport, elsewhereReport model.Report
	r.store.DB().Take(&firstReport, first.ReportID)
	r.store.DB().Take(&elsewhereReport, elsewhere.ReportID)

	if _, err := r.svc.Merge(ctx, officer, second, elsewhereReport.TrackingNo); kindOf(err) != fail.Invalid {
		t.Fatalf("merge into another agency's case: %v", err)
	}
	if _, err := r.svc.Merge(ctx, officer, second, "T-nothing"); kindOf(err) != fail.Invalid {
		t.Fatalf("merge into no case: %v", err)
	}
	into, err := r.svc.Merge(ctx, officer, second, firstReport.TrackingNo)
	if err != nil || into.ID != first.ID {
		t.Fatalf("merge: %v, %+v", err, into)
	}
	merged := r.reload(second)
	if merged.Status != model.CaseMerged || merged.DuplicateOfCaseID == nil || *merged.DuplicateOfCaseID != first.ID || merged.DueAt != nil || merged.ClosedAt == nil {
		t.Fatalf("merged case %+v", merged)
	}
	if n := r.auditCount(audit.ActionCaseMerge, second.ID); n != 1 {
		t.Fatalf("%d audit entries for one merge", n)
	}
	// A later public step of the surviving case, as any action sends it.
	survivor := r.reload(first)
	survivor.Status = model.CaseVerifying
	if err := r.store.Tx(ctx, func(tx *storage.Store) error { return r.svc.StatusNotices(ctx, tx, survivor, cases.Detail{}) }); err != nil {
		t.Fatal(err)
	}
	for recipient, want := range map[string]int64{"second@example.com": 2, "first@example.com": 1} {
		var n int64
		r.store.DB().Model(&model.OutboxMessage{}).Where("event = ? AND recipient = ?", "case.updated", recipient).Count(&n)
		if n != want {
			t.Fatalf("%d updates to %s, want %d", n, recipient, want)
		}
	}
}

// One case assigned from its page and another ticked in the queue get the
// same record: the assignee, a timeline entry naming the officer, and an
// audit entry about that case. Bulk assignment passes over what single
// assignment refuses: closed cases and other agencies' cases.
func TestAssignAndAssignManyAlike(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	sup := r.staff(model.RoleSupervisor, "cz-tianning")
	officer := r.staff(model.RoleOfficer, "cz-tianning")
	officer.User.DisplayName = "王科员"
	r.store.DB().Save(officer.User)
	single := r.newCase(model.KindTip, model.CaseNew, "cz-tianning", "")
	bulk := r.newCase(model.KindTip, model.CaseVerifying, "cz-tianning", "")
	closed := r.newCase(model.KindTip, model.CaseClosed, "cz-tianning", "")
	elsewhere := r.newCase(model.KindTip, model.CaseNew, "cz-zhonglou", "")

	if err := r.svc.Assign(ctx, sup, single, officer.User.ID); err != nil {
		t.Fatal(err)
	}
	n, err := r.svc.AssignMany(ctx, sup, []int64{bulk.ID, closed.ID, elsewhere.ID, bulk.ID, -1}, officer.User.ID)
	if err != nil || n != 1 {
		t.Fatalf("bulk assignment: %d assigned, %v; want 1", n, err)
	}
	for _, cs := range []*model.Case{single, bulk} {
		after := r.reload(cs)
		if after.AssigneeID == nil || *after.AssigneeID != officer.User.ID {
			t.Fatalf("case %d not assigned: %+v", cs.ID, after)
		}
		events, err := r.store.CaseEvents(ctx, cs.ID)
		if err != nil || len(events) != 1 || events[0].Kind != "assign" || events[0].Body == nil || *events[0].Body != "王科员" {
			t.Fatalf("case %d timeline %+v, %v", cs.ID, events, err)
		}
		if n := r.auditCount(audit.ActionCaseAssign, cs.ID); n != 1 {
			t.Fatalf("case %d: %d audit entries for one assignment", cs.ID, n)
		}
	}
	for _, cs := range []*model.Case{closed, elsewhere} {
		if after := r.reload(cs); after.AssigneeID != nil || after.LockVersion != cs.LockVersion || r.auditCount(audit.ActionCaseAssign, cs.ID) != 0 {
			t.Fatalf("case %d (%s) assigned in bulk: %+v", cs.ID, cs.Status, after)
		}
	}
	var unattached int64
	r.store.DB().Model(&model.AuditEntry{}).Where("action = ? AND (object_id IS NULL OR object_id = '' OR object_id = '0')", audit.ActionCaseAssign).Count(&unattached)
	if unattached != 0 {
		t.Fatalf("%d assignment audit entries about no case", unattached)
	}

	// What single assignment refuses.
	if err := r.svc.Assign(ctx, sup, r.reload(closed), officer.User.ID); kindOf(err) != fail.Conflict {
		t.Fatalf("assign a closed case: %v", err)
	}
	if err := r.svc.Assign(ctx, sup, r.reload(elsewhere), 0); kindOf(err) != fail.NotFound {
		t.Fatalf("assign another agency's case: %v", err)
	}
	if err := r.svc.Assign(ctx, officer, r.reload(single), officer.User.ID); kindOf(err) != fail.NotFound {
		t.Fatalf("an officer assigns: %v", err)
	}
	zlOfficer := r.staff(model.RoleOfficer, "cz-zhonglou")
	if err := r.svc.Assign(ctx, sup, r.reload(single), zlOfficer.User.ID); kindOf(err) != fail.Invalid {
		t.Fatalf("assign to another agency's officer: %v", err)
	}
	if _, err := r.svc.AssignMany(ctx, sup, []int64{bulk.ID}, zlOfficer.User.ID); kindOf(err) != fail.Invalid {
		t.Fatalf("bulk-assign to another agency's officer: %v", err)
	}
	if _, err := r.svc.AssignMany(ctx, sup, make([]int64, cases.MaxAssignMany+1), 0); kindOf(err) != fail.Invalid {
		t.Fatalf("bulk-assign %d cases: %v", cases.MaxAssignMany+1, err)
	}
	// Unassigning leaves a timeline entry too, with no name.
	if err := r.svc.Assign(ctx, sup, r.reload(single), 0); err != nil {
		t.Fatal(err)
	}
	if after := r.reload(single); after.AssigneeID != nil {
		t.Fatalf("not unassigned: %+v", after)
	}
}

// A tip's one extension adds 15 working days to its decision deadline
// (Monday 27 April 2026 → Wednesday 20 May, over Labour Day and its
// working Saturday); an opened case's adds 30 days to its conclusion
// deadline. A second extension, or one on a closed case, is refused.
func TestExtend(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	officer := r.staff(model.RoleOfficer, "cz-tianning")
	tip := r.newCase(model.KindTip, model.CaseVerifying, "cz-tianning", "reporter@example.com")
	decisionDue := time.Date(2026, 4, 27, 23, 59, 59, 0, model.Zone).UTC()
	r.store.DB().Model(&model.Case{}).Where("id = ?", tip.ID).Updates(map[string]any{"decision_due_at": decisionDue, "due_at": decisionDue})
	tip = r.reload(tip)

	for _, bad := range []struct{ reason, until, field string }{
		{" ", "2026-05-20", "text"},
		{"需现场复核", "", "until"},
		{"需现场复核", "20.5.2026", "until"},
		{"需现场复核", "2026-04-27", "until"}, // not after the current deadline
		{"需现场复核", "2026-05-21", "until"}, // after the limit
	} {
		err := r.svc.Extend(ctx, officer, tip, bad.reason, bad.until, nil)
		if e, ok := fail.As(err); !ok || e.Kind != fail.Invalid || !e.Fields.Has(bad.field) {
			t.Fatalf("extension %q to %q: %v; want a message on %s", bad.reason, bad.until, err, bad.field)
		}
	}
	days, err := r.store.Holidays(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cal := workdays.New(days)
	if limit := cases.ExtensionLimit(cal, tip); !limit.Equal(time.Date(2026, 5, 20, 23, 59, 59, 0, model.Zone)) {
		t.Fatalf("limit %v", limit)
	}
	if err := r.svc.Extend(ctx, officer, r.reload(tip), "x", "2026-05-04", nil); err != nil { // an earlier date is the officer's choice
		t.Fatal(err)
	}
	if after := r.reload(tip); !after.DueAt.Equal(time.Date(2026, 5, 4, 23, 59, 59, 0, model.Zone)) {
		t.Fatalf("chosen date: %v", after.DueAt)
	}
	r.store.DB().Model(&model.Case{}).Where("id = ?", tip.ID).Updates(map[string]any{"decision_due_at": decisionDue, "due_at": decisionDue, "extended": false})
	tip = r.reload(tip)
	if err := r.svc.Extend(ctx, officer, tip, "需现场复核计量器具", "2026-05-20", nil); err != nil {
		t.Fatal(err)
	}
	after := r.reload(tip)
	want := time.Date(2026, 5, 20, 23, 59, 59, 0, model.Zone)
	if !after.Extended || !after.DecisionDueAt.Equal(want) || after.DueAt == nil || !after.DueAt.Equal(want) || after.ExtensionReason != "需现场复核计量器具" {
		t.Fatalf("after extension: %+v; want due %v", after, want.UTC())
	}
	if !cases.Extendable(tip) || cases.Extendable(after) {
		t.Fatal("Extendable disagrees with Extend")
	}
	if err := r.svc.Extend(ctx, officer, after, "再次延期", "2026-05-25", nil); kindOf(err) != fail.Conflict {
		t.Fatalf("second extension: %v", err)
	}
	var told int64
	r.store.DB().Model(&model.OutboxMessage{}).Where("event = ? AND recipient = ?", "case.updated", "reporter@example.com").Count(&told)
	if told != 2 || r.auditCount(audit.ActionCaseStatus, tip.ID) != 2 {
		t.Fatalf("extension: %d notices to the reporter, %d audit entries; want 2 and 2", told, r.auditCount(audit.ActionCaseStatus, tip.ID))
	}

	opened := r.newCase(model.KindTip, model.CaseOpened, "cz-tianning", "")
	conclusionDue := time.Date(2026, 7, 5, 9, 0, 0, 0, model.Zone).UTC()
	r.store.DB().Model(&model.Case{}).Where("id = ?", opened.ID).Updates(map[string]any{"conclusion_due_at": conclusionDue, "due_at": conclusionDue})
	if err := r.svc.Extend(ctx, officer, r.reload(opened), "案情复杂", "2026-08-04", nil); err != nil {
		t.Fatal(err)
	}
	if after := r.reload(opened); after.ConclusionDueAt == nil || !after.ConclusionDueAt.Equal(conclusionDue.AddDate(0, 0, 30)) || !after.DueAt.Equal(*after.ConclusionDueAt) {
		t.Fatalf("opened case after extension: %+v", after)
	}
	closed := r.newCase(model.KindTip, model.CaseClosed, "cz-tianning", "")
	if err := r.svc.Extend(ctx, officer, closed, "x", "2026-08-04", nil); kindOf(err) != fail.Conflict {
		t.Fatalf("extension of a closed case: %v", err)
	}
}
