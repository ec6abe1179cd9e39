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

func fieldKey(t *testing.T, err error, field string) string {
	t.Helper()
	e, ok := fail.As(err)
	if !ok {
		t.Fatalf("err = %v, want a refusal", err)
	}
	return e.Fields[field].Key
}

func TestRegistrationNo(t *testing.T) {
	for _, c := range []struct{ in, want, key string }{
		{"13204002026120300017", "13204002026120300017", ""},
		{" cz-2026-0042 ", "CZ-2026-0042", ""},
		{"ＣＺ２０２６　０４２", "CZ2026042", ""}, // a Chinese input method's full-width characters, an ideographic space
		{"", "", "handoff.regno_required"},
		{"   ", "", "handoff.regno_required"},
		{"123", "", "handoff.regno_invalid"},
		{strings.Repeat("1", 41), "", "handoff.regno_invalid"},
		{strings.Repeat("1", 40), strings.Repeat("1", 40), ""},
		{"12<script>", "", "handoff.regno_invalid"},
		{"2026/0042", "", "handoff.regno_invalid"},
		{"受理号2026", "", "handoff.regno_invalid"},
		{strings.Repeat(" ", 199) + "1", "", "handoff.regno_invalid"}, // short once cleaned
		{strings.Repeat(" ", 201) + "12345", "", "handoff.regno_invalid"},
	} {
		got, key := cases.RegistrationNo(c.in)
		if got != c.want || key != c.key {
			t.Errorf("RegistrationNo(%q) = %q, %q; want %q, %q", c.in, got, key, c.want, c.key)
		}
	}
}

func TestRecordHandoff(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	cs := r.newCase(model.KindComplaint, model.CaseAccepted, "cz-zhonglou", "")
	officer := r.staff(model.RoleOfficer, "cz-zhonglou")
	before := r.reload(cs)

	h, err := r.svc.RecordHandoff(ctx, officer, cs.ID, model.Handoff12315, " 1320400-2026-0042 ")
	if err != nil {
		t.Fatal(err)
	}
	if h.RegistrationNo != "1320400-2026-0042" || h.CreatedBy != officer.User.ID || h.Target != model.Handoff12315 {
		t.Fatalf("recorded %+v", h)
	}
	if n := r.auditCount(audit.ActionCaseHandoff, cs.ID); n != 1 {
		t.Fatalf("%d audit entries, want 1", n)
	}
	after := r.reload(cs)
	if after.LockVersion != before.LockVersion {
		t.Errorf("lock version %d → %d: an officer's open form would go stale", before.LockVersion, after.LockVersion)
	}
	if !after.UpdatedAt.After(before.UpdatedAt) && !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("updated_at went back: %v → %v", before.UpdatedAt, after.UpdatedAt)
	}
	events, err := r.store.CaseEvents(ctx, cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := events[len(events)-1]; last.Kind != "handoff" || last.Public || last.Body == nil || *last.Body != "12315：1320400-2026-0042" {
		t.Errorf("timeline entry %+v", last)
	}

	// The same number again changes nothing.
	if _, err := r.svc.RecordHandoff(ctx, officer, cs.ID, model.Handoff12315, "1320400-2026-0042"); err != nil {
		t.Fatal(err)
	}
	if n := r.auditCount(audit.ActionCaseHandoff, cs.ID); n != 1 {
		t.Fatalf("%d audit entries after repeating the number, want 1", n)
	}

	// A supervisor corrects a mistyped number: updated in place, the audit
	// keeps the old one.
	sup := r.staff(model.RoleSupervisor, "cz-zhonglou")
	h2, err := r.svc.RecordHandoff(ctx, sup, cs.ID, model.Handoff12315, "1320400-2026-0024")
	if err != nil {
		t.Fatal(err)
	}
	if h2.ID != h.ID || h2.RegistrationNo != "1320400-2026-0024" || h2.UpdatedBy != sup.User.ID || h2.CreatedBy != officer.User.ID {
		t.Fatalf("corrected %+v, first %+v", h2, h)
	}
	var entry model.AuditEntry
	if err := r.store.DB().Where("action = ?", audit.ActionCaseHandoff).Order("id DESC").Take(&entry).Error; err != nil {
		t.Fatal(err)
	}
	if entry.BeforeJSON == nil || !strings.Contains(*entry.BeforeJSON, "1320400-2026-0042") || !strings.Contains(*entry.AfterJSON, "1320400-2026-0024") {
		t.Errorf("correction's audit entry before %v after %v", entry.BeforeJSON, entry.AfterJSON)
	}

	// 12345 is a record of its own.
	if _, err := r.svc.RecordHandoff(ctx, officer, cs.ID, model.Handoff12345, "CZ12345-0001"); err != nil {
		t.Fatal(err)
	}
	list, err := r.svc.Handoffs(ctx, officer, cs.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Target != model.Handoff12315 || list[0].RegistrationNo != "1320400-2026-0024" || list[1].Target != model.Handoff12345 {
		t.Fatalf("hand-offs %+v", list)
	}
}

func TestRecordHandoffRefused(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	cs := r.newCase(model.KindTip, model.CaseVerifying, "cz-zhonglou", "")
	officer := r.staff(model.RoleOfficer, "cz-zhonglou")
	for _, c := range []struct {
		name   string
		who    cases.Actor
		caseID int64
		target model.HandoffTarget
		regNo  string
		kind   fail.Kind
		field  string
		key    string
	}{
		{"invalid number", officer, cs.ID, model.Handoff12315, "12;DROP", fail.Invalid, "registration_no", "handoff.regno_invalid"},
		{"no number", officer, cs.ID, model.Handoff12315, "", fail.Invalid, "registration_no", "handoff.regno_required"},
		{"unknown target", officer, cs.ID, "110", "20260042", fail.Invalid, "target", "form.choose"},
		{"officer of another agency", r.staff(model.RoleOfficer, "cz-tianning"), cs.ID, model.Handoff12315, "20260042", fail.NotFound, "", ""},
		{"supervisor of another agency", r.staff(model.RoleSupervisor, "cz-tianning"), cs.ID, model.Handoff12315, "20260042", fail.NotFound, "", ""},
		{"merchant", r.staff(model.RoleMerchant, ""), cs.ID, model.Handoff12315, "20260042", fail.NotFound, "", ""},
		{"no such case", officer, cs.ID + 1000, model.Handoff12315, "20260042", fail.NotFound, "", ""},
	} {
		_, err := r.svc.RecordHandoff(ctx, c.who, c.caseID, c.target, c.regNo)
		if !fail.Is(err, c.kind) {
			t.Errorf("%s: err = %v, want kind %v", c.name, err, c.kind)
			continue
		}
		if c.field != "" {
			if got := fieldKey(t, err, c.field); got != c.key {
				t.Errorf("%s: %s message %q, want %q", c.name, c.field, got, c.key)
			}
		}
	}
	if n := r.auditCount(audit.ActionCaseHandoff, cs.ID); n != 0 {
		t.Errorf("%d audit entries after refusals", n)
	}
	if list, _ := r.store.CaseHandoffs(ctx, cs.ID); len(list) != 0 {
		t.Errorf("refusals stored %+v", list)
	}
	// The city admin may record for any agency's case.
	if _, err := r.svc.RecordHandoff(ctx, r.staff(model.RoleCityAdmin, ""), cs.ID, model.Handoff12345, "20260042"); err != nil {
		t.Fatal(err)
	}
}

// stamp sets a case's change time, as the export orders by it.
func (r *rig) stamp(cs *model.Case, at time.Time) {
	r.t.Helper()
	if err := r.store.DB().Model(&model.Case{}).Where("id = ?", cs.ID).UpdateColumn("updated_at", at).Error; err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) pull(who cases.Actor, q cases.HandoffQuery) *cases.HandoffExport {
	r.t.Helper()
	out, err := r.svc.ExportHandoffs(context.Background(), who, q)
	if err != nil {
		r.t.Fatalf("export %+v: %v", q, err)
	}
	return out
}

func ids(recs []cases.HandoffRecord) []string {
	var out []string
	for _, rec := range recs {
		out = append(out, rec.ExternalID)
	}
	return out
}

func TestExportHandoffsIncremental(t *testing.T) {
	r := newRig(t)
	r.svc.CityCode = "320400"
	sup := r.staff(model.RoleSupervisor, "cz-zhonglou")
	t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	var made []*model.Case
	// Two pairs of cases changed in the same millisecond, so that pages end
	// inside a tie.
	for _, at := range []time.Time{t0, t0.Add(time.Second), t0.Add(time.Second), t0.Add(2 * time.Second), t0.Add(2 * time.Second)} {
		cs := r.newCase(model.KindComplaint, model.CaseNew, "cz-zhonglou", "")
		r.stamp(cs, at)
		made = append(made, cs)
	}
	tracking := func(cs *model.Case) string {
		rep, err := r.store.ReportByID(context.Background(), cs.ReportID)
		if err != nil {
			t.Fatal(err)
		}
		return model.ExternalID("320400", rep.TrackingNo)
	}
	var want []string
	for _, cs := range made {
		want = append(want, tracking(cs))
	}

	// Pages of 2 from the start: every case once, in order, whatever the
	// page size cuts through.
	for _, limit := range []string{"1", "2", "3", "5"} {
		var got []string
		q := cases.HandoffQuery{Limit: limit, Format: "jsonl"}
		for i := 0; ; i++ {
			if i > 10 {
				t.Fatal("export does not end")
			}
			out := r.pull(sup, q)
			got = append(got, ids(out.Records)...)
			if !out.More {
				// The last cursor pulls nothing more.
				if again := r.pull(sup, cases.HandoffQuery{Cursor: out.Next.String()}); len(again.Records) != 0 || again.Next != out.Next {
					t.Errorf("limit %s: a pull from the last cursor gave %v, next %v", limit, ids(again.Records), again.Next)
				}
				break
			}
			q = cases.HandoffQuery{Cursor: out.Next.String(), Limit: limit}
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("limit %s: pulled %v\nwant %v", limit, got, want)
		}
	}

	// since= is inclusive: both cases changed at t0+1s and what follows.
	out := r.pull(sup, cases.HandoffQuery{Since: t0.Add(time.Second).Format(time.RFC3339)})
	if strings.Join(ids(out.Records), " ") != strings.Join(want[1:], " ") || out.More {
		t.Errorf("since t0+1s: %v, more %v", ids(out.Records), out.More)
	}
	// An RFC 3339 time with an offset is the same instant.
	out = r.pull(sup, cases.HandoffQuery{Since: t0.Add(2 * time.Second).In(model.Zone).Format(time.RFC3339)})
	if len(out.Records) != 2 {
		t.Errorf("since t0+2s in +08:00: %v", ids(out.Records))
	}
	// Exactly the cap.
	out = r.pull(sup, cases.HandoffQuery{Limit: "5"})
	if len(out.Records) != 5 || out.More {
		t.Errorf("limit 5 of 5: %d rows, more %v", len(out.Records), out.More)
	}

	// A case changed after the last pull (here: handed off) comes in the
	// next one, once.
	last := r.pull(sup, cases.HandoffQuery{})
	if _, err := r.svc.RecordHandoff(context.Background(), sup, made[0].ID, model.Handoff12315, "20260501001"); err != nil {
		t.Fatal(err)
	}
	next := r.pull(sup, cases.HandoffQuery{Cursor: last.Next.String()})
	if strings.Join(ids(next.Records), " ") != want[0] {
		t.Errorf("after the hand-off: %v, want %v", ids(next.Records), want[0])
	}
	// target= keeps the cases handed off to it.
	if got := r.pull(sup, cases.HandoffQuery{Target: "12315"}); strings.Join(ids(got.Records), " ") != want[0] {
		t.Errorf("target 12315: %v", ids(got.Records))
	}
	if got := r.pull(sup, cases.HandoffQuery{Target: "12345"}); len(got.Records) != 0 {
		t.Errorf("target 12345: %v", ids(got.Records))
	}

	// Changes inside the settling window wait for the next pull.
	r.svc.HandoffSettle = time.Hour
	if got := r.pull(sup, cases.HandoffQuery{Cursor: last.Next.String()}); len(got.Records) != 0 {
		t.Errorf("a change of a moment ago was exported inside the settling window: %v", ids(got.Records))
	}
}

func TestExportHandoffsScopeAndAudit(t *testing.T) {
	r := newRig(t)
	r.svc.CityCode = "320400"
	ctx := context.Background()
	named := r.newCase(model.KindComplaint, model.CaseConcluded, "cz-zhonglou", "")
	anon := r.newCase(model.KindTip, model.CaseVerifying, "cz-zhonglou", "")
	other := r.newCase(model.KindComplaint, model.CaseNew, "cz-tianning", "")
	db := r.store.DB()
	amount := int64(1250)
	incident := time.Date(2026, 4, 5, 10, 30, 0, 0, time.UTC)
	if err := db.Model(&model.Report{}).Where("id = ?", named.ReportID).Updates(map[string]any{"reporter_name": "张三",
		"reporter_phone": "13812345678", "reporter_address": "常州市钟楼区延陵西路1号", "request": "退还差价", "amount_cents": amount,
		"incident_at": incident, "business_address": "钟楼菜场"}).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Model(&model.Report{}).Where("id = ?", anon.ReportID).Updates(map[string]any{"anonymous": true, "reporter_name": "李四"}).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Model(&model.Case{}).Where("id = ?", named.ID).Updates(map[string]any{"outcome": cases.OutcomeSubstantiated,
		"concluded_at": incident.Add(48 * time.Hour)}).Error; err != nil {
		t.Fatal(err)
	}

	sup := r.staff(model.RoleSupervisor, "cz-zhonglou")
	out := r.pull(sup, cases.HandoffQuery{Format: "jsonl"})
	if len(out.Records) != 2 {
		t.Fatalf("supervisor of Zhonglou got %v", ids(out.Records))
	}
	byCase := map[string]cases.HandoffRecord{}
	for _, rec := range out.Records {
		byCase[rec.ExternalID] = rec
	}
	rep, _ := r.store.ReportByID(ctx, named.ReportID)
	rec, ok := byCase["HM-320400-"+rep.TrackingNo]
	if !ok {
		t.Fatalf("no record for %s in %v", rep.TrackingNo, ids(out.Records))
	}
	str := func(p *string) string {
		if p == nil {
			return "<nil>"
		}
		return *p
	}
	if str(rec.ReporterName) != "张三" || str(rec.ReporterPhone) != "13812345678" || str(rec.ReporterAddress) != "常州市钟楼区延陵西路1号" ||
		str(rec.Request) != "退还差价" || rec.AmountCents == nil || *rec.AmountCents != 1250 || str(rec.IncidentAt) != "2026-04-05T18:30:00+08:00" ||
		rec.Kind != "complaint" || rec.Status != "concluded" || str(rec.Outcome) != cases.OutcomeSubstantiated ||
		str(rec.ConcludedAt) != "2026-04-07T18:30:00+08:00" || rec.ReceivingAgency != r.agency("cz-zhonglou").NameZh ||
		rec.RespondentName != "钟楼菜场 8号摊位" || str(rec.RespondentAddress) != "钟楼菜场" || rec.Facts != "少秤" {
		t.Errorf("record %+v", rec)
	}
	anonRep, _ := r.store.ReportByID(ctx, anon.ReportID)
	if a := byCase["HM-320400-"+anonRep.TrackingNo]; a.ReporterName != nil || a.ReporterPhone != nil || a.Request != nil || a.Outcome != nil {
		t.Errorf("anonymous tip's record %+v", a)
	}

	// Each pull is audited with its counts, never the data.
	var entry model.AuditEntry
	if err := db.Where("action = ?", audit.ActionHandoffExport).Order("id DESC").Take(&entry).Error; err != nil {
		t.Fatal(err)
	}
	if entry.AfterJSON == nil || !strings.Contains(*entry.AfterJSON, `"rows":2`) || strings.Contains(*entry.AfterJSON, "13812345678") ||
		strings.Contains(*entry.AfterJSON, "张三") || entry.AgencyID == nil || *entry.AgencyID != r.agency("cz-zhonglou").ID ||
		entry.ActorUserID == nil || *entry.ActorUserID != sup.User.ID {
		t.Errorf("audit entry %+v after %s", entry, str(entry.AfterJSON))
	}

	// Another agency's supervisor sees only its own case; the city admin all.
	if got := r.pull(r.staff(model.RoleSupervisor, "cz-tianning"), cases.HandoffQuery{}); len(got.Records) != 1 {
		t.Errorf("supervisor of Tianning got %v", ids(got.Records))
	}
	if got := r.pull(r.staff(model.RoleCityAdmin, ""), cases.HandoffQuery{}); len(got.Records) != 3 {
		t.Errorf("city admin got %v", ids(got.Records))
	}
	_ = other

	// Officers and others do not take the export at all.
	var before int64
	db.Model(&model.AuditEntry{}).Where("action = ?", audit.ActionHandoffExport).Count(&before)
	for _, who := range []cases.Actor{r.staff(model.RoleOfficer, "cz-zhonglou"), r.staff(model.RoleMerchant, ""), r.staff(model.RoleSupervisor, "")} {
		if _, err := r.svc.ExportHandoffs(ctx, who, cases.HandoffQuery{}); !fail.Is(err, fail.NotFound) {
			t.Errorf("%s: err = %v, want not found", who.User.Role, err)
		}
	}
	var after int64
	db.Model(&model.AuditEntry{}).Where("action = ?", audit.ActionHandoffExport).Count(&after)
	if after != before {
		t.Errorf("refused exports were audited: %d → %d", before, after)
	}
}

func TestExportHandoffsQuery(t *testing.T) {
	r := newRig(t)
	sup := r.staff(model.RoleSupervisor, "cz-zhonglou")
	for _, c := range []struct {
		q     cases.HandoffQuery
		field string
		key   string
	}{
		{cases.HandoffQuery{Since: "yesterday"}, "since", "handoff.since_invalid"},
		{cases.HandoffQuery{Since: "2026-05-01"}, "since", "handoff.since_invalid"},
		{cases.HandoffQuery{Since: "2026-05-01T00:00:00Z" + strings.Repeat("0", 100)}, "since", "handoff.since_invalid"},
		{cases.HandoffQuery{Cursor: "2026-05-01T00:00:00Z"}, "cursor", "handoff.cursor_invalid"},
		{cases.HandoffQuery{Cursor: "2026-05-01T00:00:00Z~-1"}, "cursor", "handoff.cursor_invalid"},
		{cases.HandoffQuery{Cursor: "2026-05-01T00:00:00Z~1", Since: "2026-05-01T00:00:00Z"}, "cursor", "handoff.since_or_cursor"},
		{cases.HandoffQuery{Target: "110"}, "target", "handoff.target_invalid"},
		{cases.HandoffQuery{Limit: "0"}, "limit", "handoff.limit_invalid"},
		{cases.HandoffQuery{Limit: "5001"}, "limit", "handoff.limit_invalid"},
		{cases.HandoffQuery{Limit: "ten"}, "limit", "handoff.limit_invalid"},
	} {
		_, err := r.svc.ExportHandoffs(context.Background(), sup, c.q)
		if !fail.Is(err, fail.Invalid) {
			t.Errorf("%+v: err = %v, want invalid", c.q, err)
			continue
		}
		if got := fieldKey(t, err, c.field); got != c.key {
			t.Errorf("%+v: %s message %q, want %q", c.q, c.field, got, c.key)
		}
	}
	c, ok := cases.ParseHandoffCursor("2026-05-01T08:00:01.123Z~42")
	if !ok || c.CaseID != 42 || !c.At.Equal(time.Date(2026, 5, 1, 8, 0, 1, 123e6, time.UTC)) {
		t.Errorf("cursor %+v %v", c, ok)
	}
	if back, _ := cases.ParseHandoffCursor(c.String()); back != c {
		t.Errorf("cursor round trip %v → %v", c, back)
	}
	if _, err := r.svc.ExportHandoffs(context.Background(), sup, cases.HandoffQuery{}); err != nil {
		t.Errorf("empty query: %v", err)
	}
}
