package units_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

// approved is a unit of owner, submitted and approved by officer.
func (r *rig) approved(owner, officer audit.Actor, name, code string) *model.Unit {
	r.t.Helper()
	u := r.submitted(owner, name, code)
	if _, err := r.svc.Review(r.ctx, officer, u.ID, units.ActApprove, ""); err != nil {
		r.t.Fatal(err)
	}
	return r.reload(u)
}

// proposal changes the name and address of an application for u.
func proposal(u *model.Unit, name, address, why string) *units.ChangeProposal {
	a := units.FromUnit(u)
	a.Name, a.Address = name, address
	return &units.ChangeProposal{Form: a, Reason: why}
}

func fieldOf(t *testing.T, err error) string {
	t.Helper()
	e, ok := fail.As(err)
	if !ok || len(e.Fields) == 0 {
		t.Fatalf("not a field refusal: %v", err)
	}
	for f := range e.Fields {
		return f
	}
	return ""
}

// A request changes nothing until approved; approval writes the values,
// closes the request, audits before and after, moves the public revision
// and tells the owner.
func TestChangeRequestApproved(t *testing.T) {
	r := newRig(t)
	ctx := r.ctx
	owner := r.merchant()
	officer := r.user(model.RoleOfficer, "cz-tianning")
	u := r.approved(owner, officer, "红梅农贸市场 3号摊位", codeA)

	req, err := r.svc.RequestChange(ctx, owner, u.ID, proposal(u, " 红梅农贸市场  5号摊位 ", "天宁区红梅南路5号", " 摊位调整 "))
	if err != nil {
		t.Fatal(err)
	}
	if req.State != model.ChangeOpen || req.Name != "红梅农贸市场 5号摊位" || req.FromName != u.Name || req.Reason != "摊位调整" {
		t.Fatalf("request %+v", req)
	}
	if still := r.reload(u); still.Name != u.Name || still.PublicRev != u.PublicRev {
		t.Fatalf("the unit changed before approval: %+v", still)
	}
	if a := r.audits(audit.ActionUnitChangeRequest, u.ID); len(a) != 1 {
		t.Fatalf("%d request audit entries", len(a))
	} else {
		expect(t, a[0], owner, `"state":"open"`, `"name":"红梅农贸市场 5号摊位"`)
	}
	sent := r.count("outbox")

	decided, err := r.svc.DecideChange(ctx, officer, req.ID, true, "")
	if err != nil {
		t.Fatal(err)
	}
	if decided.State != model.ChangeApproved {
		t.Fatalf("decided %+v", decided)
	}
	after := r.reload(u)
	if after.Name != "红梅农贸市场 5号摊位" || after.Address != "天宁区红梅南路5号" || after.USCC != codeA ||
		after.USCCLive == nil || *after.USCCLive != codeA || after.PublicRev <= u.PublicRev || after.Status != model.UnitApproved {
		t.Fatalf("after approval %+v", after)
	}
	stored, _ := r.store.ChangeRequestByID(ctx, req.ID)
	if stored.State != model.ChangeApproved || stored.OpenUnitID != nil || stored.DecidedBy == nil || *stored.DecidedBy != officer.User.ID {
		t.Fatalf("stored request %+v", stored)
	}
	a := r.audits(audit.ActionUnitChange, u.ID)
	if len(a) != 1 {
		t.Fatalf("%d change audit entries", len(a))
	}
	expect(t, a[0], officer, `"name":"红梅农贸市场 5号摊位"`, `"change_request":`+strconv.FormatInt(req.ID, 10))
	if a[0].BeforeJSON == nil || !strings.Contains(*a[0].BeforeJSON, `"name":"红梅农贸市场 3号摊位"`) {
		t.Errorf("audit before %v", a[0].BeforeJSON)
	}
	if a[0].AgencyID == nil || *a[0].AgencyID != *officer.User.AgencyID {
		t.Errorf("audited for agency %v", a[0].AgencyID)
	}
	var told []model.OutboxMessage
	r.store.DB().Where("event = ?", notices.EventUnitChange).Find(&told)
	if r.count("outbox") != sent+1 || len(told) != 1 || told[0].Recipient != owner.User.Email || !strings.Contains(told[0].Body, "已通过") {
		t.Fatalf("notices %+v", told)
	}
	// Decided is decided: neither a second decision nor a withdrawal.
	if _, err := r.svc.DecideChange(ctx, officer, req.ID, false, "再看看"); !errors.Is(err, units.ErrChanged) {
		t.Fatalf("second decision: %v", err)
	}
	if err := r.svc.WithdrawChange(ctx, owner, u.ID); !errors.Is(err, units.ErrChanged) {
		t.Fatalf("withdrawal after approval: %v", err)
	}
	if rep, err := r.log.Verify(ctx, r.store); err != nil || rep.Err() != nil {
		t.Fatalf("audit chain: %v %v", err, rep.Err())
	}
}

// A rejection needs a reason, changes nothing and tells the owner why; the
// owner may then ask again.
func TestChangeRequestRejected(t *testing.T) {
	r := newRig(t)
	ctx := r.ctx
	owner := r.merchant()
	officer := r.user(model.RoleOfficer, "cz-tianning")
	u := r.approved(owner, officer, "红梅农贸市场 3号摊位", codeA)
	req, err := r.svc.RequestChange(ctx, owner, u.ID, proposal(u, "新名字", u.Address, "改名"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.DecideChange(ctx, officer, req.ID, false, "  "); fieldOf(t, err) != "decision_reason" {
		t.Fatalf("rejection without a reason: %v", err)
	}
	if _, err := r.svc.DecideChange(ctx, officer, req.ID, false, "营业执照未变更"); err != nil {
		t.Fatal(err)
	}
	if after := r.reload(u); after.Name != u.Name || after.PublicRev != u.PublicRev {
		t.Fatalf("a rejection changed the unit: %+v", after)
	}
	stored, _ := r.store.LatestChangeRequest(ctx, u.ID)
	if stored.State != model.ChangeRejected || stored.DecisionReason != "营业执照未变更" || stored.OpenUnitID != nil {
		t.Fatalf("stored %+v", stored)
	}
	var told []model.OutboxMessage
	r.store.DB().Where("event = ?", notices.EventUnitChange).Find(&told)
	if len(told) != 1 || !strings.Contains(told[0].Body, "营业执照未变更") {
		t.Fatalf("notices %+v", told)
	}
	a := r.audits(audit.ActionUnitChangeRequest, u.ID)
	expect(t, a[len(a)-1], officer, `"state":"rejected"`, `"reason":"营业执照未变更"`)
	if _, err := r.svc.RequestChange(ctx, owner, u.ID, proposal(u, "新名字", u.Address, "已换发营业执照")); err != nil {
		t.Fatalf("asking again after a rejection: %v", err)
	}
}

// One open request per unit; withdrawing it makes room for the next. A
// request that changes nothing, lacks a reason or fails the application's
// checks is refused, and so is a unit in a status without approved details.
func TestChangeRequestRules(t *testing.T) {
	r := newRig(t)
	ctx := r.ctx
	owner, stranger := r.merchant(), r.merchant()
	officer := r.user(model.RoleOfficer, "cz-tianning")
	u := r.approved(owner, officer, "红梅农贸市场 3号摊位", codeA)

	if _, err := r.svc.RequestChange(ctx, owner, u.ID, proposal(u, u.Name, u.Address, "没改")); fieldOf(t, err) != "form" {
		t.Fatalf("nothing changed: %v", err)
	}
	if _, err := r.svc.RequestChange(ctx, owner, u.ID, proposal(u, "新名字", u.Address, "")); fieldOf(t, err) != "reason" {
		t.Fatalf("no reason: %v", err)
	}
	bad := proposal(u, "新名字", u.Address, "换照")
	bad.Form.USCC = "91320402MA1XYW0009"
	if _, err := r.svc.RequestChange(ctx, owner, u.ID, bad); fieldOf(t, err) != "uscc" {
		t.Fatalf("bad check character: %v", err)
	}
	if _, err := r.svc.RequestChange(ctx, stranger, u.ID, proposal(u, "别人的", u.Address, "抢")); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("another merchant: %v", err)
	}
	if _, err := r.svc.RequestChange(ctx, owner, u.ID, proposal(u, "第一个", u.Address, "改名")); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.RequestChange(ctx, owner, u.ID, proposal(u, "第二个", u.Address, "再改")); !errors.Is(err, units.ErrChangeOpen) {
		t.Fatalf("second open request: %v", err)
	}
	if err := r.svc.WithdrawChange(ctx, stranger, u.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("another merchant withdrew: %v", err)
	}
	if err := r.svc.WithdrawChange(ctx, owner, u.ID); err != nil {
		t.Fatal(err)
	}
	if stored, _ := r.store.LatestChangeRequest(ctx, u.ID); stored.State != model.ChangeWithdrawn {
		t.Fatalf("withdrawn request is %s", stored.State)
	}
	if _, err := r.svc.RequestChange(ctx, owner, u.ID, proposal(u, "第二个", u.Address, "再改")); err != nil {
		t.Fatalf("after withdrawing: %v", err)
	}
	if n := r.count("unit_change_requests"); n != 2 {
		t.Fatalf("%d requests stored, want 2", n)
	}

	// Before approval the application itself is changed, not requested.
	draft := r.draft(owner, "草稿", codeB)
	if _, err := r.svc.RequestChange(ctx, owner, draft.ID, proposal(draft, "草稿二", draft.Address, "改")); !errors.Is(err, units.ErrChangeNotAllowed) {
		t.Fatalf("a draft: %v", err)
	}
}

// Officers of another agency find no request; the city admin finds every
// one.
func TestChangeRequestJurisdiction(t *testing.T) {
	r := newRig(t)
	ctx := r.ctx
	owner := r.merchant()
	officer := r.user(model.RoleOfficer, "cz-tianning")
	elsewhere := r.user(model.RoleOfficer, "cz-zhonglou")
	admin := r.user(model.RoleCityAdmin, "")
	u := r.approved(owner, officer, "红梅农贸市场 3号摊位", codeA)
	req, err := r.svc.RequestChange(ctx, owner, u.ID, proposal(u, "新名字", u.Address, "改名"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.DecideChange(ctx, elsewhere, req.ID, true, ""); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("another agency's officer: %v", err)
	}
	if _, err := r.svc.DecideChange(ctx, owner, req.ID, true, ""); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("the merchant decided: %v", err)
	}
	tianning, _ := r.store.AgencyByCode(ctx, "cz-tianning")
	zhonglou, _ := r.store.AgencyByCode(ctx, "cz-zhonglou")
	if list, _ := r.store.OpenChangeRequests(ctx, &zhonglou.ID, 10); len(list) != 0 {
		t.Fatalf("another agency lists %d requests", len(list))
	}
	if list, _ := r.store.OpenChangeRequests(ctx, &tianning.ID, 10); len(list) != 1 || list[0].UnitName != u.Name {
		t.Fatalf("the agency lists %+v", list)
	}
	if n, _ := r.store.CountOpenChangeRequests(ctx, nil); n != 1 {
		t.Fatalf("the city counts %d", n)
	}
	if after := r.reload(u); after.Name != u.Name {
		t.Fatal("a refused decision changed the unit")
	}
	if _, err := r.svc.DecideChange(ctx, admin, req.ID, true, ""); err != nil {
		t.Fatalf("the city admin: %v", err)
	}
}

// A credit code another unit holds is refused when asked for, and when it
// was taken between the request and the decision nothing is written.
func TestChangeRequestCreditCodeClash(t *testing.T) {
	r := newRig(t)
	ctx := r.ctx
	owner, other := r.merchant(), r.merchant()
	officer := r.user(model.RoleOfficer, "cz-tianning")
	u := r.approved(owner, officer, "红梅农贸市场 3号摊位", codeA)
	r.submitted(other, "别家", codeB)

	clash := proposal(u, u.Name, u.Address, "换代码")
	clash.Form.USCC = codeB
	if _, err := r.svc.RequestChange(ctx, owner, u.ID, clash); fieldOf(t, err) != "uscc" {
		t.Fatalf("a held code: %v", err)
	}
	ask := proposal(u, u.Name, u.Address, "换代码")
	ask.Form.USCC = codeC
	req, err := r.svc.RequestChange(ctx, owner, u.ID, ask)
	if err != nil {
		t.Fatal(err)
	}
	r.submitted(other, "抢先", codeC)
	if _, err := r.svc.DecideChange(ctx, officer, req.ID, true, ""); !errors.Is(err, units.ErrChangeCodeHeld) {
		t.Fatalf("approving onto a held code: %v", err)
	}
	if after := r.reload(u); after.USCC != codeA || *after.USCCLive != codeA {
		t.Fatalf("the unit's code changed: %+v", after)
	}
	if stored, _ := r.store.ChangeRequestByID(ctx, req.ID); stored.State != model.ChangeOpen {
		t.Fatalf("the request is %s, want still open", stored.State)
	}
	// The unique index holds too when the early check is raced past.
	if err := r.store.ApplyChangeRequest(ctx, req, model.UnitApproved, storage.ChangeDecision{RequestID: req.ID,
		State: model.ChangeApproved, At: r.now}); !errors.Is(err, storage.ErrDuplicate) {
		t.Fatalf("storage let two units hold one code: %v", err)
	}
	if stored, _ := r.store.ChangeRequestByID(ctx, req.ID); stored.State != model.ChangeOpen {
		t.Fatalf("a failed approval closed the request: %s", stored.State)
	}
}
