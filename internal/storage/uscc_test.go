package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

const squattedCode = "91310110666007217T"

func draftUnit(t *testing.T, st *storage.Store, owner *model.User, name string) *model.Unit {
	t.Helper()
	ds, _ := st.Districts(context.Background())
	u := &model.Unit{OwnerUserID: owner.ID, Name: name, USCC: squattedCode, BusinessType: model.BusinessMarketStall,
		Address: "红梅农贸市场", DistrictID: ds[0].ID, ContactName: "张", ContactPhone: "13900000009", Status: model.UnitDraft}
	if err := st.CreateUnit(context.Background(), u); err != nil {
		t.Fatalf("draft %s: %v", name, err)
	}
	return u
}

func submit(st *storage.Store, u *model.Unit) error {
	return st.ChangeUnitStatus(context.Background(), storage.UnitChange{UnitID: u.ID, From: model.UnitDraft, To: model.UnitSubmitted, At: time.Now().UTC()})
}

// A stranger's draft with a business's credit code blocks nothing: the code
// is reserved from submission, first come first served, and staff can
// release it from a unit that holds it.
func TestCreditCodeIsReservedFromSubmission(t *testing.T) {
	ctx := context.Background()
	st, _ := seeded(t)
	squatter := draftUnit(t, st, newMerchant(t, st, "13900000001"), "冒名摊位")
	business := draftUnit(t, st, newMerchant(t, st, "13900000002"), "张记鲜肉")
	if held, _ := st.CreditCodeHeld(ctx, squattedCode, 0); held {
		t.Fatal("two drafts hold the code")
	}
	if err := submit(st, business); err != nil {
		t.Fatalf("the business submits: %v", err)
	}
	if err := submit(st, squatter); !errors.Is(err, storage.ErrDuplicate) {
		t.Fatalf("second submission with the code: %v, want ErrDuplicate", err)
	}
	if u, _ := st.UnitByID(ctx, squatter.ID); u.Status != model.UnitDraft {
		t.Fatalf("the refused submission moved the draft to %s", u.Status)
	}

	// Staff release the business's code (say it had been the squatter
	// who submitted first); the holder hears of it in the same transaction.
	msg := model.OutboxMessage{Channel: "email", Recipient: "owner@example.org", Subject: "s", Body: "b", Event: "unit.credit_code_released"}
	if err := st.ReleaseCreditCode(ctx, business.ID, nil, "代码属于另一家经营者", time.Now().UTC(), msg); err != nil {
		t.Fatal(err)
	}
	if err := st.ReleaseCreditCode(ctx, business.ID, nil, "again", time.Now().UTC()); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("releasing a code no longer held: %v, want ErrConflict", err)
	}
	if n := count(t, st, "outbox"); n != 1 {
		t.Fatalf("%d notifications, want 1", n)
	}
	evs, _ := st.UnitEvents(ctx, business.ID)
	if len(evs) == 0 || evs[0].Reason != "代码属于另一家经营者" || evs[0].FromStatus != model.UnitSubmitted || evs[0].ToStatus != model.UnitSubmitted {
		t.Fatalf("release not recorded as an event: %+v", evs)
	}
	// Editing the released unit does not take the code back.
	released, _ := st.UnitByID(ctx, business.ID)
	released.ContactPhone = "13900000003"
	if err := st.UpdateUnitDetails(ctx, released); err != nil {
		t.Fatal(err)
	}
	if err := submit(st, squatter); err != nil {
		t.Fatalf("submission after the release: %v", err)
	}
	if u, _ := st.UnitByID(ctx, squatter.ID); u.USCCLive == nil || *u.USCCLive != squattedCode {
		t.Fatalf("the submitted unit does not hold its code: %+v", u.USCCLive)
	}
}

// Drafts unchanged for the configured age go, with what hangs off them;
// fresh drafts and anything submitted stay.
func TestDeleteStaleDrafts(t *testing.T) {
	ctx := context.Background()
	st, _ := seeded(t)
	owner := newMerchant(t, st, "13900000004")
	old := draftUnit(t, st, owner, "旧草稿")
	fresh := draftUnit(t, st, owner, "新草稿")
	oldSubmitted := draftUnit(t, st, owner, "旧申请")
	types, _ := st.InstrumentTypes(ctx)
	if err := st.CreateInstrument(ctx, &model.Instrument{UnitID: old.ID, TypeID: types[0].ID, SerialNo: "A-1"}); err != nil {
		t.Fatal(err)
	}
	if err := submit(st, oldSubmitted); err != nil {
		t.Fatal(err)
	}
	longAgo := time.Now().UTC().AddDate(0, 0, -31)
	st.DB().Model(&model.Unit{}).Where("id IN ?", []int64{old.ID, oldSubmitted.ID}).Update("updated_at", longAgo)
	cutoff := time.Now().UTC().AddDate(0, 0, -30)
	n, err := st.DeleteStaleDrafts(ctx, cutoff, 100)
	if err != nil || n != 1 {
		t.Fatalf("deleted %d, %v; want 1", n, err)
	}
	if _, err := st.UnitByID(ctx, old.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("stale draft still there: %v", err)
	}
	for _, id := range []int64{fresh.ID, oldSubmitted.ID} {
		if _, err := st.UnitByID(ctx, id); err != nil {
			t.Fatalf("unit %d deleted: %v", id, err)
		}
	}
	if c := count(t, st, "instruments"); c != 0 {
		t.Fatalf("%d instruments of the deleted draft left", c)
	}
	// Adding an instrument counts as a change: the draft is not stale.
	st.DB().Model(&model.Unit{}).Where("id = ?", fresh.ID).Update("updated_at", longAgo)
	if err := st.CreateInstrument(ctx, &model.Instrument{UnitID: fresh.ID, TypeID: types[0].ID, SerialNo: "B-1"}); err != nil {
		t.Fatal(err)
	}
	if n, err := st.DeleteStaleDrafts(ctx, cutoff, 100); err != nil || n != 0 {
		t.Fatalf("a draft just worked on was deleted: %d %v", n, err)
	}
}

// An edit made in one status is not written once the unit moved on: what
// its owner may change depends on the status (units.EditableFields).
func TestUnitDetailsNotWrittenAfterAStatusChange(t *testing.T) {
	ctx := context.Background()
	st, _ := seeded(t)
	u := draftUnit(t, st, newMerchant(t, st, "13900000004"), "草稿")
	stale := *u
	if err := submit(st, u); err != nil {
		t.Fatal(err)
	}
	stale.Name = "提交后改名"
	if err := st.UpdateUnitDetails(ctx, &stale); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("edit of the draft after its submission: %v, want ErrConflict", err)
	}
	fresh, _ := st.UnitByID(ctx, u.ID)
	if fresh.Name != "草稿" {
		t.Fatalf("stale edit written: %q", fresh.Name)
	}
	fresh.ContactPhone = "13900000005"
	if err := st.UpdateUnitDetails(ctx, fresh); err != nil {
		t.Fatalf("edit in the current status: %v", err)
	}
}
