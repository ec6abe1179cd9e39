package cases_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/pii"
	"honestmeasure/internal/storage"
)

// withReporter gives cs's report a named reporter with a phone.
func (r *rig) withReporter(cs *model.Case, name, phone string) {
	r.t.Helper()
	if err := r.store.DB().Model(&model.Report{}).Where("id = ?", cs.ReportID).
		Updates(map[string]any{"reporter_name": name, "reporter_phone": phone}).Error; err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) moderations(objectType string, objectID int64) []model.Moderation {
	r.t.Helper()
	var out []model.Moderation
	if err := r.store.DB().Where("object_type = ? AND object_id = ?", objectType, objectID).Order("id").Find(&out).Error; err != nil {
		r.t.Fatal(err)
	}
	return out
}

func heldFields(t *testing.T, err error) map[string]moderation.Preview {
	t.Helper()
	var held *moderation.HeldError
	if !errors.As(err, &held) || !fail.Is(err, fail.Invalid) {
		t.Fatalf("not held as invalid: %v", err)
	}
	out := map[string]moderation.Preview{}
	for _, p := range held.Previews {
		out[p.Field] = p
		if _, ok := held.Err.Fields[p.Field]; !ok {
			t.Errorf("held field %s has no message", p.Field)
		}
	}
	return out
}

// A reply with personal data is held until the officer confirms masking
// for that very text; then the public sees it masked, the original is kept
// for supervisors only, and the audit chain says what happened without it.
func TestReplyWithPersonalDataIsHeldUntilConfirmed(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	officer := r.staff(model.RoleOfficer, "cz-zhonglou")
	cs := r.newCase(model.KindComplaint, model.CaseAccepted, "cz-zhonglou", "reporter@example.com")
	r.withReporter(cs, "王小明", "13912345678")
	text := "王小明您好：商户已退还差价，商户电话 13812345678，如有疑问请拨 0519-88886666。"

	err := r.svc.Reply(ctx, officer, cs, text, nil)
	p, ok := heldFields(t, err)["text"]
	if !ok {
		t.Fatalf("the reply was not held: %v", err)
	}
	var marked []string
	for _, s := range p.Segments {
		if s.Hit != nil {
			marked = append(marked, s.Text)
		}
	}
	for _, want := range []string{"王小明", "13812345678", "0519-88886666"} {
		if !strings.Contains(strings.Join(marked, "|"), want) {
			t.Errorf("preview does not highlight %q: %q", want, marked)
		}
	}
	if got := r.reload(cs); got.PublicReply != nil || got.LockVersion != cs.LockVersion {
		t.Fatalf("a held reply changed the case: %+v", got)
	}
	if n := r.outboxCount("case_status", "reporter@example.com"); n != 0 {
		t.Fatalf("a held reply told the reporter (%d)", n)
	}

	// A confirmation of another text does not release this one.
	if err := r.svc.Reply(ctx, officer, cs, text, []string{moderation.Digest("text", text+" ")}); !fail.Is(err, fail.Invalid) {
		t.Fatalf("a confirmation for another text released it: %v", err)
	}
	if err := r.svc.Reply(ctx, officer, cs, text, []string{p.Digest}); err != nil {
		t.Fatal(err)
	}
	got := r.reload(cs)
	if got.PublicReply == nil || *got.PublicReply != p.Masked {
		t.Fatalf("public reply %v, want %q", got.PublicReply, p.Masked)
	}
	for _, secret := range []string{"王小明", "13812345678", "88886666", "13912345678"} {
		if strings.Contains(*got.PublicReply, secret) {
			t.Errorf("published reply still holds %q: %s", secret, *got.PublicReply)
		}
	}
	if hits := pii.Find(*got.PublicReply, pii.Known{Names: []string{"王小明"}}); len(hits) != 0 {
		t.Errorf("published reply has hits %v", hits)
	}
	events, err := r.store.PublicEvents(ctx, cs.ID)
	if err != nil || len(events) != 1 || events[0].Body == nil || *events[0].Body != p.Masked {
		t.Fatalf("public timeline %+v %v", events, err)
	}
	onCase := r.moderations(audit.ObjectCase, cs.ID)
	onEvent := r.moderations(moderation.ObjectCaseEvent, events[0].ID)
	if len(onCase) != 1 || len(onEvent) != 1 || onCase[0].Original != text || onEvent[0].Published != p.Masked || onCase[0].Field != "public_reply" {
		t.Fatalf("moderations: case %+v event %+v", onCase, onEvent)
	}
	if !strings.Contains(onCase[0].Kinds, "mobile") || !strings.Contains(onCase[0].Kinds, "reporter") {
		t.Errorf("kinds %q", onCase[0].Kinds)
	}
	var entries []model.AuditEntry
	r.store.DB().Where("action = ? AND object_type = ? AND object_id = ?", audit.ActionModerate, audit.ObjectCase, strconv.FormatInt(cs.ID, 10)).Find(&entries)
	if len(entries) != 1 {
		t.Fatalf("%d moderation audit entries", len(entries))
	}
	if e := entries[0]; e.AfterJSON == nil || !strings.Contains(*e.AfterJSON, moderation.ReasonMasked) || strings.Contains(*e.AfterJSON, "13812345678") || strings.Contains(*e.AfterJSON, "王小明") {
		t.Errorf("audit entry %v", e.AfterJSON)
	}
	var replyAudit []model.AuditEntry
	r.store.DB().Where("action = ?", audit.ActionCaseReply).Find(&replyAudit)
	for _, e := range replyAudit {
		if e.AfterJSON != nil && strings.Contains(*e.AfterJSON, "13812345678") {
			t.Errorf("the reply's audit entry keeps the original: %s", *e.AfterJSON)
		}
	}
}

// The original of a masked text is for the agency's supervisors and the
// city admin; an officer — even the one who wrote it — gets not-found.
func TestOriginalIsForSupervisorsOnly(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	officer := r.staff(model.RoleOfficer, "cz-zhonglou")
	cs := r.newCase(model.KindComplaint, model.CaseAccepted, "cz-zhonglou", "")
	text := "请联系 13812345678"
	if err := r.svc.Reply(ctx, officer, cs, text, []string{moderation.Digest("text", text)}); err != nil {
		t.Fatal(err)
	}
	m := r.moderations(audit.ObjectCase, cs.ID)
	if len(m) != 1 {
		t.Fatalf("moderations %+v", m)
	}
	svc := &moderation.Service{Store: r.store, Audit: r.svc.Audit}
	for _, tt := range []struct {
		name string
		who  cases.Actor
		ok   bool
	}{
		{"the officer who wrote it", officer, false},
		{"another officer", r.staff(model.RoleOfficer, "cz-zhonglou"), false},
		{"a supervisor of another agency", r.staff(model.RoleSupervisor, "cz-tianning"), false},
		{"a supervisor of the agency", r.staff(model.RoleSupervisor, "cz-zhonglou"), true},
		{"the city admin", r.staff(model.RoleCityAdmin, ""), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := svc.Original(ctx, tt.who, m[0].ID)
			if !tt.ok {
				if !fail.Is(err, fail.NotFound) || got != nil {
					t.Fatalf("got %+v, %v; want not found", got, err)
				}
				return
			}
			if err != nil || got.Original != text {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
	var views int64
	r.store.DB().Model(&model.AuditEntry{}).Where("action = ?", audit.ActionModerationView).Count(&views)
	if views != 2 {
		t.Errorf("%d readings audited, want 2", views)
	}
}

// Every public text of a case passes the gate: a conclusion's reason and
// public notice, an extension's reason, a transfer's reason.
func TestEveryPublicTextOfACaseIsGated(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	officer := r.staff(model.RoleOfficer, "cz-zhonglou")
	supervisor := r.staff(model.RoleSupervisor, "cz-zhonglou")
	const phone, id = "13812345678", "320402199001011239"

	t.Run("conclusion", func(t *testing.T) {
		cs := r.newCase(model.KindTip, model.CaseOpened, "cz-zhonglou", "")
		d := cases.Decision{Reason: "经查属实，当事人身份证 " + id, Outcome: cases.OutcomeUnsubstantiated,
			InstrumentMeasure: cases.InstrumentMeasureNone, UnitMeasure: cases.UnitMeasureNone, PublicNotice: "商户电话 " + phone}
		_, err := r.svc.Act(ctx, officer, cs, cases.ActConclude, d)
		held := heldFields(t, err)
		if _, ok := held["reason"]; !ok {
			t.Errorf("reason not held: %v", held)
		}
		if _, ok := held["public_notice"]; !ok {
			t.Errorf("public notice not held: %v", held)
		}
		d.Confirmed = []string{held["reason"].Digest} // only one of the two
		if _, err := r.svc.Act(ctx, officer, cs, cases.ActConclude, d); len(heldFields(t, err)) != 1 {
			t.Fatalf("the unconfirmed text was published: %v", err)
		}
		d.Confirmed = append(d.Confirmed, held["public_notice"].Digest)
		done, err := r.svc.Act(ctx, officer, cs, cases.ActConclude, d)
		if err != nil {
			t.Fatal(err)
		}
		got := r.reload(done)
		if strings.Contains(got.PublicNotice, phone) || (got.OutcomeDetail != nil && strings.Contains(*got.OutcomeDetail, id)) || got.PublicNotice != held["public_notice"].Masked {
			t.Fatalf("published %q / %q", got.PublicNotice, *got.OutcomeDetail)
		}
	})
	t.Run("extension", func(t *testing.T) {
		cs := r.newCase(model.KindTip, model.CaseOpened, "cz-zhonglou", "")
		// An opened case has a conclusion deadline to extend.
		due := r.now.UTC().AddDate(0, 0, 30)
		r.store.DB().Model(&model.Case{}).Where("id = ?", cs.ID).Update("conclusion_due_at", due)
		cs = r.reload(cs)
		until := due.AddDate(0, 0, 10).In(model.Zone).Format("2006-01-02")
		err := r.svc.Extend(ctx, officer, cs, "需联系商户 "+phone+" 复核", until, nil)
		p := heldFields(t, err)["text"]
		if err := r.svc.Extend(ctx, officer, cs, "需联系商户 "+phone+" 复核", until, []string{p.Digest}); err != nil {
			t.Fatal(err)
		}
		if got := r.reload(cs); strings.Contains(got.ExtensionReason, phone) {
			t.Fatalf("extension reason %q", got.ExtensionReason)
		}
	})
	t.Run("transfer", func(t *testing.T) {
		cs := r.newCase(model.KindComplaint, model.CaseAccepted, "cz-zhonglou", "")
		m := cases.Move{AgencyCode: "cz-tianning", Reason: "商户在天宁区，电话 " + phone}
		_, err := r.svc.Transfer(ctx, supervisor, cs, m)
		m.Confirmed = []string{heldFields(t, err)["transfer_reason"].Digest}
		if _, err := r.svc.Transfer(ctx, supervisor, cs, m); err != nil {
			t.Fatal(err)
		}
		events, _ := r.store.PublicEvents(ctx, cs.ID)
		for _, e := range events {
			if e.Body != nil && strings.Contains(*e.Body, phone) {
				t.Fatalf("public entry %q", *e.Body)
			}
		}
		if m := r.moderations(moderation.ObjectCaseEvent, events[len(events)-1].ID); len(m) != 1 || m[0].Published != *events[len(events)-1].Body {
			t.Fatalf("moderation of the transfer entry %+v", m)
		}
	})
	t.Run("plain text passes untouched", func(t *testing.T) {
		cs := r.newCase(model.KindComplaint, model.CaseAccepted, "cz-zhonglou", "")
		text := "经2026-12-03现场核查，电子秤示值误差 5 g，已于2026年12月3日责令整改，罚款 3000 元。"
		if err := r.svc.Reply(ctx, officer, cs, text, nil); err != nil {
			t.Fatalf("a text without personal data was held: %v", err)
		}
		if got := r.reload(cs); got.PublicReply == nil || *got.PublicReply != text || len(r.moderations(audit.ObjectCase, cs.ID)) != 0 {
			t.Fatalf("reply %v", got.PublicReply)
		}
	})
}

// A text published before the gate (or wrongly) can be corrected by a
// supervisor, with a reason; the original is kept, the public reads the
// correction, and an officer may not correct.
func TestCorrectAPublishedText(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	officer := r.staff(model.RoleOfficer, "cz-zhonglou")
	supervisor := r.staff(model.RoleSupervisor, "cz-zhonglou")
	cs := r.newCase(model.KindComplaint, model.CaseAccepted, "cz-zhonglou", "")
	old := "已转商户处理，商户老板手机 13812345678"
	// As published before the gate existed.
	if err := r.store.UpdateCase(ctx, storageUpdate(cs, map[string]any{"public_reply": old},
		model.CaseEvent{Kind: "reply", Public: true, Body: &old, FromStatus: cs.Status, ToStatus: cs.Status, CreatedAt: r.now.UTC()},
		model.CaseEvent{Kind: "accept", Public: true, Body: &old, FromStatus: cs.Status, ToStatus: cs.Status, CreatedAt: r.now.UTC()})); err != nil {
		t.Fatal(err)
	}
	cs = r.reload(cs)
	events, _ := r.store.PublicEvents(ctx, cs.ID)
	accept := events[1]
	fixed := "已转商户处理。"

	if err := r.svc.Correct(ctx, officer, cs, cases.Correction{Place: cases.PlaceReply, Text: fixed, Reason: "删除手机号"}); !fail.Is(err, fail.NotFound) {
		t.Fatalf("an officer corrects: %v", err)
	}
	for _, bad := range []cases.Correction{
		{Place: "event:999999", Text: fixed, Reason: "x"},
		{Place: cases.PlaceNotice, Text: fixed, Reason: "x"}, // no notice published
		{Place: cases.PlaceReply, Text: old, Reason: "x"},
		{Place: cases.PlaceReply, Text: fixed, Reason: ""},
	} {
		if err := r.svc.Correct(ctx, supervisor, cs, bad); !fail.Is(err, fail.Invalid) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	// The correction is itself gated.
	err := r.svc.Correct(ctx, supervisor, cs, cases.Correction{Place: cases.PlaceReply, Text: "请拨 13912345678", Reason: "改号码"})
	if len(moderation.Held(err)) != 1 {
		t.Fatalf("a correction with a phone was not held: %v", err)
	}
	if err := r.svc.Correct(ctx, supervisor, cs, cases.Correction{Place: cases.PlaceReply, Text: fixed, Reason: "删除手机号"}); err != nil {
		t.Fatal(err)
	}
	cs = r.reload(cs)
	if err := r.svc.Correct(ctx, supervisor, cs, cases.Correction{Place: cases.PlaceOfEvent(accept.ID), Text: "已受理。", Reason: "删除手机号"}); err != nil {
		t.Fatal(err)
	}
	cs = r.reload(cs)
	if cs.PublicReply == nil || *cs.PublicReply != fixed {
		t.Fatalf("reply %v", cs.PublicReply)
	}
	events, _ = r.store.PublicEvents(ctx, cs.ID)
	for _, e := range events {
		if e.Body != nil && strings.Contains(*e.Body, "13812345678") {
			t.Errorf("entry %s still reads %q", e.Kind, *e.Body)
		}
	}
	m := r.moderations(audit.ObjectCase, cs.ID)
	if len(m) != 1 || m[0].Original != old || m[0].Reason != "删除手机号" || !strings.Contains(m[0].Kinds, "mobile") {
		t.Fatalf("moderation %+v", m)
	}
	if m := r.moderations(moderation.ObjectCaseEvent, accept.ID); len(m) != 1 || m[0].Published != "已受理。" {
		t.Fatalf("entry moderation %+v", m)
	}
	if n := r.auditCount(audit.ActionModerate, cs.ID); n != 2 {
		t.Errorf("%d moderation audit entries, want 2", n)
	}
}

func storageUpdate(cs *model.Case, set map[string]any, events ...model.CaseEvent) storage.CaseUpdate {
	return storage.CaseUpdate{CaseID: cs.ID, LockVersion: cs.LockVersion, Set: set, Events: events}
}
