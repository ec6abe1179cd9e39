package units_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"honestmeasure/configs"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

// Valid unified social credit codes.
const (
	codeA = "91310110666007217T"
	codeB = "91320402MA1XYW0008"
	codeC = "91320402MA1XYW001B"
)

// rig is a migrated database with the Changzhou reference data (districts,
// agencies, the pledge text CZ-2026.1, the instrument catalogue) and a
// service whose clock the test sets.
type rig struct {
	t     *testing.T
	ctx   context.Context
	store *storage.Store
	log   *audit.Log
	svc   *units.Service
	now   time.Time
	n     int
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ref, err := reference.Load(configs.Changzhou())
	if err != nil {
		t.Fatal(err)
	}
	st := storage.New(dbtest.Open(t))
	if err := st.SeedReference(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	log, err := audit.New([]byte("units-service-test-audit-key-of-32+bytes"))
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, ctx: context.Background(), store: st, log: log, now: time.Date(2026, 4, 6, 9, 0, 0, 0, model.Zone)}
	r.svc = &units.Service{Store: st, Audit: log, BaseURL: "http://127.0.0.1:1", Now: func() time.Time { return r.now }}
	return r
}

func (r *rig) user(role model.Role, agencyCode string) audit.Actor {
	r.t.Helper()
	r.n++
	u := &model.User{Login: fmt.Sprintf("user%d@example.org", r.n), Email: fmt.Sprintf("user%d@example.org", r.n), DisplayName: "someone",
		PasswordHash: "x", Role: role, Locale: "zh-CN"}
	if agencyCode != "" {
		a, err := r.store.AgencyByCode(r.ctx, agencyCode)
		if err != nil {
			r.t.Fatalf("agency %s: %v", agencyCode, err)
		}
		u.AgencyID = &a.ID
	}
	if err := r.store.CreateUser(r.ctx, u); err != nil {
		r.t.Fatal(err)
	}
	return audit.Actor{User: u, IP: fmt.Sprintf("192.0.2.%d", r.n)}
}

func (r *rig) merchant() audit.Actor { return r.user(model.RoleMerchant, "") }

// application is a complete application for a market stall in Tianning.
func (r *rig) application(name, code string) units.Application {
	r.t.Helper()
	ds, err := r.store.Districts(r.ctx)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, d := range ds {
		if d.Code == "320402" {
			return units.Application{Name: name, USCC: code, BusinessType: string(model.BusinessMarketStall), Address: "天宁区红梅南路1号",
				DistrictID: strconv.FormatInt(d.ID, 10), ContactName: "张三", ContactPhone: "13812345678", OpeningHours: "06:00–19:00"}
		}
	}
	r.t.Fatal("no Tianning district")
	return units.Application{}
}

func (r *rig) draft(owner audit.Actor, name, code string) *model.Unit {
	r.t.Helper()
	u, err := r.svc.Create(r.ctx, owner, &units.Changes{Form: r.application(name, code)})
	if err != nil {
		r.t.Fatalf("create %s: %v", name, err)
	}
	return u
}

func (r *rig) signature() *units.Signature {
	return &units.Signature{SignerName: " 张三 ", SignerTitle: "摊主", Agreed: true, Version: "CZ-2026.1"}
}

func (r *rig) instrument(unitID int64) {
	r.t.Helper()
	types, err := r.store.InstrumentTypes(r.ctx)
	if err != nil || len(types) == 0 {
		r.t.Fatalf("instrument types: %v", err)
	}
	r.n++
	if err := r.store.CreateInstrument(r.ctx, &model.Instrument{UnitID: unitID, TypeID: types[0].ID, SerialNo: fmt.Sprintf("CZ-%d", r.n)}); err != nil {
		r.t.Fatal(err)
	}
}

// submitted is a draft of owner with a pledge and an instrument, submitted.
func (r *rig) submitted(owner audit.Actor, name, code string) *model.Unit {
	r.t.Helper()
	u := r.draft(owner, name, code)
	if _, err := r.svc.SignPledge(r.ctx, owner, u.ID, r.signature()); err != nil {
		r.t.Fatal(err)
	}
	r.instrument(u.ID)
	if _, err := r.svc.Submit(r.ctx, owner, u.ID); err != nil {
		r.t.Fatal(err)
	}
	return r.reload(u)
}

func (r *rig) reload(u *model.Unit) *model.Unit {
	r.t.Helper()
	fresh, err := r.store.UnitByID(r.ctx, u.ID)
	if err != nil {
		r.t.Fatal(err)
	}
	return fresh
}

// audits lists the audit entries about unit id with action, oldest first.
func (r *rig) audits(action string, id int64) []model.AuditEntry {
	r.t.Helper()
	var out []model.AuditEntry
	if err := r.store.DB().Where("action = ? AND object_type = ? AND object_id = ?", action, audit.ObjectUnit, strconv.FormatInt(id, 10)).
		Order("id").Find(&out).Error; err != nil {
		r.t.Fatal(err)
	}
	return out
}

func (r *rig) count(table string) int64 {
	r.t.Helper()
	var n int64
	if err := r.store.DB().Table(table).Count(&n).Error; err != nil {
		r.t.Fatal(err)
	}
	return n
}

// expect checks one audit entry's actor, address and after-state.
func expect(t *testing.T, e model.AuditEntry, who audit.Actor, after ...string) {
	t.Helper()
	if e.ActorUserID == nil || *e.ActorUserID != who.User.ID || e.Actor != who.User.Login || e.IP != who.IP {
		t.Errorf("audit %s by %v %q from %q, want %d %q from %q", e.Action, e.ActorUserID, e.Actor, e.IP, who.User.ID, who.User.Login, who.IP)
	}
	for _, s := range after {
		if e.AfterJSON == nil || !strings.Contains(*e.AfterJSON, s) {
			t.Errorf("audit %s after %v lacks %s", e.Action, e.AfterJSON, s)
		}
	}
}

// TestApplicationLifecycle goes from a new application through return,
// resubmission, approval, renewal and, once the pledge expired, renewal
// back into review, checking what each step stores and audits.
func TestApplicationLifecycle(t *testing.T) {
	r := newRig(t)
	ctx := r.ctx
	owner := r.merchant()
	officer := r.user(model.RoleOfficer, "cz-tianning")

	u := r.draft(owner, "  红梅农贸市场  3号摊位 ", "9131 0110 6660 0721 7T")
	if u.Status != model.UnitDraft || u.Name != "红梅农贸市场 3号摊位" || u.USCC != codeA || u.USCCLive != nil || u.OwnerUserID != owner.User.ID {
		t.Fatalf("draft %+v", u)
	}
	// Nothing to judge yet: no pledge, no instrument.
	if _, err := r.svc.Submit(ctx, owner, u.ID); !errors.Is(err, units.ErrCannotSubmit) {
		t.Fatalf("submission of an empty draft: %v", err)
	}
	p, err := r.svc.SignPledge(ctx, owner, u.ID, r.signature())
	if err != nil {
		t.Fatal(err)
	}
	text, _ := r.store.CurrentPledgeText(ctx)
	if p.SignerName != "张三" || p.SignerIP != owner.IP || p.TextSHA256 != text.SHA256 || !p.ValidUntil.Equal(r.now.UTC().AddDate(0, 36, 0)) {
		t.Fatalf("pledge %+v", p)
	}
	if _, err := r.svc.Submit(ctx, owner, u.ID); !errors.Is(err, units.ErrCannotSubmit) {
		t.Fatalf("submission without an instrument: %v", err)
	}
	r.instrument(u.ID)
	if readiness := units.SubmitReadiness(u.Status, true, 1); !readiness.Ready() {
		t.Fatal("the page would not offer what Submit accepts")
	}
	if _, err := r.svc.Submit(ctx, owner, u.ID); err != nil {
		t.Fatal(err)
	}
	u = r.reload(u)
	if u.Status != model.UnitSubmitted || u.USCCLive == nil || *u.USCCLive != codeA || u.SubmittedAt == nil {
		t.Fatalf("submitted %+v", u)
	}
	if a := r.audits(audit.ActionUnitStatus, u.ID); len(a) != 1 {
		t.Fatalf("%d audit entries after submission", len(a))
	} else {
		expect(t, a[0], owner, `"status":"submitted"`)
	}

	// Returned with a reason, edited in full, resubmitted, approved.
	tr, err := r.svc.Review(ctx, officer, u.ID, units.ActReturn, " 摊位号与 营业执照不一致 ")
	if err != nil || tr.To != model.UnitReturned {
		t.Fatalf("return: %v, %+v", err, tr)
	}
	u = r.reload(u)
	if u.StatusReason != "摊位号与 营业执照不一致" || u.ReviewedBy == nil || *u.ReviewedBy != officer.User.ID {
		t.Fatalf("returned %+v", u)
	}
	a := r.audits(audit.ActionUnitStatus, u.ID)
	expect(t, a[len(a)-1], officer, `"status":"returned"`, `"reason":"摊位号与 营业执照不一致"`)
	if a[len(a)-1].AgencyID == nil || *a[len(a)-1].AgencyID != *officer.User.AgencyID {
		t.Errorf("review audited for agency %v", a[len(a)-1].AgencyID)
	}
	edit := &units.Changes{Form: r.application("红梅农贸市场 8号摊位", codeA)}
	if _, err := r.svc.Update(ctx, owner, u.ID, edit); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Submit(ctx, owner, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Review(ctx, officer, u.ID, units.ActApprove, ""); err != nil {
		t.Fatal(err)
	}
	u = r.reload(u)
	if u.Status != model.UnitApproved || u.Name != "红梅农贸市场 8号摊位" || u.ApprovedAt == nil || !units.Printable(u) {
		t.Fatalf("approved %+v", u)
	}
	if _, err := r.store.CurrentQRToken(ctx, model.QRUnit, u.ID, nil); err != nil {
		t.Fatalf("published without a public code: %v", err)
	}

	// Once published, what the officer approved stays; contact details change.
	edit = &units.Changes{Form: r.application("改个名字", codeB)}
	edit.Form.ContactPhone = "13900001111"
	if _, err := r.svc.Update(ctx, owner, u.ID, edit); err != nil {
		t.Fatal(err)
	}
	u = r.reload(u)
	if u.Name != "红梅农贸市场 8号摊位" || u.USCC != codeA || u.ContactPhone != "13900001111" || edit.Form.Name != u.Name {
		t.Fatalf("after editing the published unit: %+v (form shows %q)", u, edit.Form.Name)
	}

	// A year before the pledge runs out, renewal is refused and nothing is
	// signed; in its last RenewalLeadDays it keeps the unit published, on a
	// new pledge.
	r.now = r.now.AddDate(2, 0, 0)
	if _, err := r.svc.Renew(ctx, owner, u.ID, r.signature()); !errors.Is(err, units.ErrRenewalNotDue) {
		t.Fatalf("renewal a year early: %v", err)
	}
	if current, _ := r.store.CurrentPledge(ctx, u.ID); current.ID != p.ID {
		t.Fatalf("a refused renewal signed pledge %+v", current)
	}
	r.now = p.ValidUntil.AddDate(0, 0, -units.RenewalLeadDays)
	if _, err := r.svc.Renew(ctx, owner, u.ID, r.signature()); err != nil {
		t.Fatal(err)
	}
	u = r.reload(u)
	current, _ := r.store.CurrentPledge(ctx, u.ID)
	if u.Status != model.UnitApproved || current.ID == p.ID || !current.SignedAt.Equal(r.now.UTC()) {
		t.Fatalf("after renewal: %s, pledge %+v", u.Status, current)
	}
	a = r.audits(audit.ActionUnitStatus, u.ID)
	expect(t, a[len(a)-1], owner, `"status":"approved"`, `"renewed_pledge":"CZ-2026.1"`)

	// An expired unit renewed through the pledge page goes back to review.
	if err := r.store.ChangeUnitStatus(ctx, storage.UnitChange{UnitID: u.ID, From: model.UnitApproved, To: model.UnitExpired, At: r.now}); err != nil {
		t.Fatal(err)
	}
	if allowed, renewal := units.PledgeAllowed(model.UnitExpired); !allowed || !renewal {
		t.Fatal("an expired unit is not offered the renewal")
	}
	if _, err := r.svc.SignPledge(ctx, owner, u.ID, r.signature()); err != nil {
		t.Fatal(err)
	}
	if u = r.reload(u); u.Status != model.UnitSubmitted {
		t.Fatalf("expired unit renewed into %s, want submitted", u.Status)
	}

	events, _ := r.store.UnitEvents(ctx, u.ID)
	// submit, return, submit, approve, renew, expire, renew
	if len(events) != 7 {
		t.Fatalf("%d unit events, want 7", len(events))
	}
	if n := len(r.audits(audit.ActionUnitStatus, u.ID)); n != 6 { // the expiry is the system's, not audited here
		t.Fatalf("%d status audit entries, want 6", n)
	}
	if n := r.count("outbox"); n != 2 { // the owner has an e-mail address and no phone
		t.Fatalf("%d notices, want the owner's e-mails of the return and the approval", n)
	}
	if rep, err := r.log.Verify(ctx, r.store); err != nil || rep.Err() != nil {
		t.Fatalf("audit chain: %v %v", err, rep.Err())
	}
}

// Every refusal: its kind, its field, and that it wrote nothing.
func TestRefusals(t *testing.T) {
	r := newRig(t)
	ctx := r.ctx
	owner, stranger := r.merchant(), r.merchant()
	officer := r.user(model.RoleOfficer, "cz-tianning")
	elsewhere := r.user(model.RoleOfficer, "cz-zhonglou")
	supervisor := r.user(model.RoleSupervisor, "cz-tianning")
	admin := r.user(model.RoleCityAdmin, "")
	agencyless := r.user(model.RoleSupervisor, "")

	draft := r.draft(owner, "草稿", codeB)
	submitted := r.submitted(owner, "待审", codeA)
	revoked := r.submitted(r.merchant(), "已撤销", codeC)
	for _, step := range []struct {
		action units.Action
		reason string
	}{{units.ActApprove, ""}, {units.ActRevoke, "虚假承诺"}} {
		if _, err := r.svc.Review(ctx, admin, revoked.ID, step.action, step.reason); err != nil {
			t.Fatal(err)
		}
	}
	badSignature := r.signature()
	badSignature.SignerName, badSignature.Agreed = " ", false
	oldVersion := r.signature()
	oldVersion.Version = "CZ-2025.1"
	badCode := r.application("坏代码", "91310110666007217U")
	long := strings.Repeat("长", units.MaxReason+1)

	before := r.count("audit_log")
	tests := []struct {
		name  string
		call  func() error
		kind  fail.Kind
		is    error  // a sentinel, when the refusal has one
		field string // a field message, when the person needs one
		key   string
	}{
		{"stranger submits", func() error { _, err := r.svc.Submit(ctx, stranger, draft.ID); return err }, fail.NotFound, storage.ErrNotFound, "", ""},
		{"stranger edits", func() error {
			_, err := r.svc.Update(ctx, stranger, draft.ID, &units.Changes{Form: r.application("x", codeB)})
			return err
		}, fail.NotFound, storage.ErrNotFound, "", ""},
		{"stranger signs", func() error { _, err := r.svc.SignPledge(ctx, stranger, draft.ID, r.signature()); return err }, fail.NotFound, nil, "", ""},
		{"no such unit", func() error { _, err := r.svc.Submit(ctx, owner, 1<<40); return err }, fail.NotFound, nil, "", ""},
		{"officer applies", func() error {
			_, err := r.svc.Create(ctx, officer, &units.Changes{Form: r.application("x", codeB)})
			return err
		}, fail.NotFound, nil, "", ""},
		{"other district reviews", func() error { _, err := r.svc.Review(ctx, elsewhere, submitted.ID, units.ActApprove, ""); return err }, fail.NotFound, nil, "", ""},
		{"staff without agency reviews", func() error { _, err := r.svc.Review(ctx, agencyless, submitted.ID, units.ActApprove, ""); return err }, fail.NotFound, nil, "", ""},
		{"merchant reviews own", func() error { _, err := r.svc.Review(ctx, owner, submitted.ID, units.ActApprove, ""); return err }, fail.NotFound, nil, "", ""},
		{"officer reviews a draft", func() error { _, err := r.svc.Review(ctx, officer, draft.ID, units.ActReturn, "x"); return err }, fail.NotFound, nil, "", ""},
		{"officer releases", func() error { return r.svc.ReleaseCreditCode(ctx, officer, submitted.ID, "x") }, fail.NotFound, nil, "", ""},
		{"supervisor releases a draft's", func() error { return r.svc.ReleaseCreditCode(ctx, supervisor, draft.ID, "x") }, fail.NotFound, nil, "", ""},
		{"other district releases", func() error {
			return r.svc.ReleaseCreditCode(ctx, r.user(model.RoleSupervisor, "cz-zhonglou"), submitted.ID, "x")
		}, fail.NotFound, nil, "", ""},

		{"suspend a submitted unit", func() error { _, err := r.svc.Review(ctx, officer, submitted.ID, units.ActSuspend, "x"); return err }, fail.Conflict, units.ErrNotAllowed, "action", "review.not_allowed"},
		{"unknown action", func() error { _, err := r.svc.Review(ctx, officer, submitted.ID, "publish", ""); return err }, fail.Conflict, units.ErrNotAllowed, "action", "review.not_allowed"},
		{"reinstate a revoked unit", func() error { _, err := r.svc.Review(ctx, admin, revoked.ID, units.ActReinstate, "x"); return err }, fail.Conflict, units.ErrNotAllowed, "action", "review.not_allowed"},
		{"submit twice", func() error { _, err := r.svc.Submit(ctx, owner, submitted.ID); return err }, fail.Conflict, units.ErrCannotSubmit, "action", "unit.cannot_submit"},
		{"sign while under review", func() error { _, err := r.svc.SignPledge(ctx, owner, submitted.ID, r.signature()); return err }, fail.Conflict, units.ErrPledgeNotAllowed, "", ""},
		{"renew a draft", func() error { _, err := r.svc.Renew(ctx, owner, draft.ID, r.signature()); return err }, fail.Conflict, units.ErrPledgeNotAllowed, "", ""},
		{"edit a revoked unit", func() error {
			_, err := r.svc.Update(ctx, r.ownerOf(revoked), revoked.ID, &units.Changes{Form: r.application("x", codeB)})
			return err
		}, fail.Conflict, units.ErrNotEditable, "", ""},
		{"release a code no longer held", func() error { return r.svc.ReleaseCreditCode(ctx, supervisor, revoked.ID, "x") }, fail.Conflict, units.ErrChanged, "action", "review.changed_meanwhile"},

		{"return without a reason", func() error { _, err := r.svc.Review(ctx, officer, submitted.ID, units.ActReturn, "  "); return err }, fail.Invalid, nil, "reason", "review.reason_required"},
		{"reason too long", func() error { _, err := r.svc.Review(ctx, officer, submitted.ID, units.ActApprove, long); return err }, fail.Invalid, nil, "reason", "form.too_long"},
		{"release without a reason", func() error { return r.svc.ReleaseCreditCode(ctx, supervisor, submitted.ID, "") }, fail.Invalid, nil, "release_reason", "review.reason_required"},
		{"sign unticked", func() error { _, err := r.svc.SignPledge(ctx, owner, draft.ID, badSignature); return err }, fail.Invalid, nil, "agree", "pledge.must_agree"},
		{"sign unnamed", func() error { _, err := r.svc.SignPledge(ctx, owner, draft.ID, badSignature); return err }, fail.Invalid, nil, "signer_name", "form.required"},
		{"sign an older text", func() error { _, err := r.svc.SignPledge(ctx, owner, draft.ID, oldVersion); return err }, fail.Invalid, nil, "agree", "pledge.text_changed"},
		{"wrong check character", func() error { _, err := r.svc.Create(ctx, owner, &units.Changes{Form: badCode}); return err }, fail.Invalid, nil, "uscc", "uscc.check"},
		{"code held by a submitted unit", func() error {
			_, err := r.svc.Create(ctx, stranger, &units.Changes{Form: r.application("抢注", codeA)})
			return err
		}, fail.Invalid, nil, "uscc", "unit.uscc_unavailable"},
		{"photo refused", func() error {
			_, err := r.svc.Update(ctx, owner, draft.ID, &units.Changes{Form: r.application("草稿", codeB),
				PhotoProblem: &form.Message{Key: "report.photo_not_image", Args: []any{1}}})
			return err
		}, fail.Invalid, nil, "shop_photo", "report.photo_not_image"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			e, ok := fail.As(err)
			if !ok || e.Kind != tc.kind {
				t.Fatalf("got %v, want a %s refusal", err, tc.kind)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("got %v, want %v", err, tc.is)
			}
			if tc.field != "" && e.Fields[tc.field].Key != tc.key {
				t.Fatalf("fields %v, want %s on %s", e.Fields, tc.key, tc.field)
			}
		})
	}
	if after := r.count("audit_log"); after != before {
		t.Fatalf("refusals wrote %d audit entries", after-before)
	}
	if u := r.reload(draft); u.Status != model.UnitDraft || u.Name != "草稿" {
		t.Fatalf("refusals changed the draft: %+v", u)
	}
	if u := r.reload(submitted); u.Status != model.UnitSubmitted || u.USCCLive == nil {
		t.Fatalf("refusals changed the submitted unit: %+v", u)
	}
	if p, err := r.store.CurrentPledge(ctx, draft.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a refused signature was stored: %+v", p)
	}
}

func (r *rig) ownerOf(u *model.Unit) audit.Actor {
	r.t.Helper()
	owner, err := r.store.UserByID(r.ctx, u.OwnerUserID)
	if err != nil {
		r.t.Fatal(err)
	}
	return audit.Actor{User: owner, IP: "192.0.2.200"}
}

// Two officers decide on one submitted unit at the same moment, as do two
// tabs of one: exactly one decision is made, the others are told the unit
// changed (or that their action no longer applies), and only the one is
// recorded.
func TestConcurrentReview(t *testing.T) {
	r := newRig(t)
	owner := r.merchant()
	officers := []audit.Actor{r.user(model.RoleOfficer, "cz-tianning"), r.user(model.RoleSupervisor, "cz-tianning"), r.user(model.RoleCityAdmin, "")}
	codes := []string{codeA, codeB, codeC}
	for round, code := range codes {
		u := r.submitted(owner, fmt.Sprintf("摊位 %d", round), code)
		decisions := []struct {
			action units.Action
			reason string
		}{{units.ActApprove, ""}, {units.ActReturn, "照片不清"}, {units.ActApprove, ""}, {units.ActReturn, "地址不符"}}
		errs := make([]error, len(decisions))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, d := range decisions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = r.svc.Review(r.ctx, officers[i%len(officers)], u.ID, d.action, d.reason)
			}()
		}
		close(start)
		wg.Wait()
		won := -1
		for i, err := range errs {
			switch {
			case err == nil && won >= 0:
				t.Fatalf("round %d: decisions %d and %d both made", round, won, i)
			case err == nil:
				won = i
			case !fail.Is(err, fail.Conflict):
				t.Fatalf("round %d: decision %d: %v, want a conflict", round, i, err)
			}
		}
		if won < 0 {
			t.Fatalf("round %d: no decision made: %v", round, errs)
		}
		after := r.reload(u)
		want := map[units.Action]model.UnitStatus{units.ActApprove: model.UnitApproved, units.ActReturn: model.UnitReturned}[decisions[won].action]
		if after.Status != want {
			t.Fatalf("round %d: unit %s, but decision %d (%s) won", round, after.Status, won, decisions[won].action)
		}
		if a := r.audits(audit.ActionUnitStatus, u.ID); len(a) != 2 { // the submission and the one decision
			t.Fatalf("round %d: %d status audit entries, want 2", round, len(a))
		}
		if events, _ := r.store.UnitEvents(r.ctx, u.ID); len(events) != 2 {
			t.Fatalf("round %d: %d unit events, want 2", round, len(events))
		}
	}
}

// A supervisor releases a held credit code: the holder is told by e-mail
// in the same transaction, the audit keeps the reason, the status stays,
// and the business whose code it is can then submit.
func TestReleaseCreditCode(t *testing.T) {
	r := newRig(t)
	ctx := r.ctx
	holder, business := r.merchant(), r.merchant()
	supervisor := r.user(model.RoleSupervisor, "cz-tianning")
	held := r.submitted(holder, "抢注的摊位", codeA)
	waiting := r.draft(business, "张记鲜肉", codeB)
	// Its owner corrects the draft to the real code, which is held.
	_, err := r.svc.Update(ctx, business, waiting.ID, &units.Changes{Form: r.application("张记鲜肉", codeA)})
	if e, ok := fail.As(err); !ok || e.Kind != fail.Invalid || e.Fields["uscc"].Key != "unit.uscc_unavailable" {
		t.Fatalf("draft with a held code: %v", err)
	}
	if !units.CanReleaseCreditCode(held, supervisor.User.Role) || units.CanReleaseCreditCode(held, model.RoleOfficer) {
		t.Fatal("the page offers the release to the wrong people")
	}

	if err := r.svc.ReleaseCreditCode(ctx, supervisor, held.ID, " 营业执照核实：代码属于另一家经营者 "); err != nil {
		t.Fatal(err)
	}
	after := r.reload(held)
	if after.USCCLive != nil || after.Status != model.UnitSubmitted || units.CanReleaseCreditCode(after, supervisor.User.Role) {
		t.Fatalf("after the release %+v", after)
	}
	var sent []model.OutboxMessage
	r.store.DB().Where("event = ?", notices.EventCreditCodeReleased).Find(&sent)
	if len(sent) != 1 || sent[0].Recipient != holder.User.Email || !strings.Contains(sent[0].Body, "营业执照核实：代码属于另一家经营者") {
		t.Fatalf("notices %+v", sent)
	}
	a := r.audits(audit.ActionUnitChange, held.ID)
	if len(a) != 1 {
		t.Fatalf("%d release audit entries", len(a))
	}
	expect(t, a[0], supervisor, `"released_because":"营业执照核实：代码属于另一家经营者"`, `"uscc_held":null`)

	// A second release finds nothing held; nothing more is sent.
	if err := r.svc.ReleaseCreditCode(ctx, supervisor, held.ID, "again"); !errors.Is(err, units.ErrChanged) {
		t.Fatalf("second release: %v", err)
	}
	if n := r.count("outbox"); n != 1 {
		t.Fatalf("%d notices after the second release", n)
	}
	if _, err := r.svc.Update(ctx, business, waiting.ID, &units.Changes{Form: r.application("张记鲜肉", codeA)}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.SignPledge(ctx, business, waiting.ID, r.signature()); err != nil {
		t.Fatal(err)
	}
	r.instrument(waiting.ID)
	if _, err := r.svc.Submit(ctx, business, waiting.ID); err != nil {
		t.Fatalf("submission after the release: %v", err)
	}
}

// Drafts reserve no code; submission does, and a second submission of the
// same code is refused with the words the page shows, naming no one.
func TestSubmissionReservesTheCode(t *testing.T) {
	r := newRig(t)
	ctx := r.ctx
	first, second := r.merchant(), r.merchant()
	a := r.draft(first, "甲", codeA)
	b := r.draft(second, "乙", codeA)
	for _, x := range []struct {
		owner audit.Actor
		u     *model.Unit
	}{{first, a}, {second, b}} {
		if _, err := r.svc.SignPledge(ctx, x.owner, x.u.ID, r.signature()); err != nil {
			t.Fatal(err)
		}
		r.instrument(x.u.ID)
	}
	if _, err := r.svc.Submit(ctx, first, a.ID); err != nil {
		t.Fatal(err)
	}
	_, err := r.svc.Submit(ctx, second, b.ID)
	if e, ok := fail.As(err); !errors.Is(err, units.ErrCreditCodeHeld) || !ok || e.Fields["uscc"].Key != "unit.uscc_unavailable" {
		t.Fatalf("second submission of a code: %v", err)
	}
	if u := r.reload(b); u.Status != model.UnitDraft || u.USCCLive != nil {
		t.Fatalf("refused submission changed the draft: %+v", u)
	}
	if n := len(r.audits(audit.ActionUnitStatus, b.ID)); n != 0 {
		t.Fatalf("refused submission audited %d times", n)
	}
}
