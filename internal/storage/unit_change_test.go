package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// approvedUnit is a published unit holding squattedCode.
func approvedUnit(t *testing.T, st *storage.Store, owner *model.User) *model.Unit {
	t.Helper()
	u := draftUnit(t, st, owner, "张记鲜肉")
	if err := submit(st, u); err != nil {
		t.Fatal(err)
	}
	if err := st.ChangeUnitStatus(context.Background(), storage.UnitChange{UnitID: u.ID, From: model.UnitSubmitted, To: model.UnitApproved, At: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	fresh, _ := st.UnitByID(context.Background(), u.ID)
	return fresh
}

func changeOf(u *model.Unit, name string) *model.UnitChangeRequest {
	return &model.UnitChangeRequest{UnitID: u.ID, RequestedBy: u.OwnerUserID,
		FromName: u.Name, FromUSCC: u.USCC, FromBusinessType: u.BusinessType, FromDistrictID: u.DistrictID, FromAddress: u.Address,
		Name: name, USCC: u.USCC, BusinessType: u.BusinessType, DistrictID: u.DistrictID, Address: u.Address, Reason: "改名"}
}

// The change-request table on either engine: one open request per unit
// (its unique index), any number closed; approval writes the unit and the
// request together or not at all.
func TestChangeRequestsTable(t *testing.T) {
	ctx := context.Background()
	st, _ := seeded(t)
	owner := newMerchant(t, st, "13900000031")
	u := approvedUnit(t, st, owner)
	now := time.Now().UTC()

	first := changeOf(u, "张记鲜肉 二号店")
	if err := st.CreateChangeRequest(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateChangeRequest(ctx, changeOf(u, "又一个")); !errors.Is(err, storage.ErrDuplicate) {
		t.Fatalf("second open request: %v, want ErrDuplicate", err)
	}
	if err := st.CloseChangeRequest(ctx, storage.ChangeDecision{RequestID: first.ID, State: model.ChangeWithdrawn, By: &owner.ID, At: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.CloseChangeRequest(ctx, storage.ChangeDecision{RequestID: first.ID, State: model.ChangeRejected, At: now}); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("closing a closed request: %v, want ErrConflict", err)
	}
	second := changeOf(u, "张记鲜肉 三号店")
	if err := st.CreateChangeRequest(ctx, second); err != nil {
		t.Fatalf("after the first was closed: %v", err)
	}
	if latest, err := st.LatestChangeRequest(ctx, u.ID); err != nil || latest.ID != second.ID || latest.State != model.ChangeOpen {
		t.Fatalf("latest %+v %v", latest, err)
	}

	// The unit no longer in the status the decision saw: nothing written.
	decision := storage.ChangeDecision{RequestID: second.ID, State: model.ChangeApproved, At: now}
	if err := st.ApplyChangeRequest(ctx, second, model.UnitSuspended, decision); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("approving for a status the unit is not in: %v", err)
	}
	if r, _ := st.ChangeRequestByID(ctx, second.ID); r.State != model.ChangeOpen || r.OpenUnitID == nil {
		t.Fatalf("a failed approval closed the request: %+v", r)
	}
	if err := st.ApplyChangeRequest(ctx, second, model.UnitApproved, decision); err != nil {
		t.Fatal(err)
	}
	after, _ := st.UnitByID(ctx, u.ID)
	if after.Name != "张记鲜肉 三号店" || after.PublicRev <= u.PublicRev || after.USCCLive == nil {
		t.Fatalf("after approval %+v", after)
	}
	if r, _ := st.ChangeRequestByID(ctx, second.ID); r.State != model.ChangeApproved || r.OpenUnitID != nil || r.DecidedAt == nil {
		t.Fatalf("approved request %+v", r)
	}
	// The request was made against the old name: applied twice, it fails.
	if err := st.ApplyChangeRequest(ctx, second, model.UnitApproved, decision); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("applied twice: %v", err)
	}
	if n, _ := st.CountOpenChangeRequests(ctx, nil); n != 0 {
		t.Fatalf("%d open requests", n)
	}
	if n := count(t, st, "unit_change_requests"); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
}
