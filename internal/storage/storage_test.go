package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"honestmeasure/configs"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/storage"
)

func seeded(t *testing.T) (*storage.Store, *reference.Data) {
	t.Helper()
	st := storage.New(dbtest.Open(t))
	ref, err := reference.Load(configs.Changzhou())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SeedReference(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	return st, ref
}

func count(t *testing.T, st *storage.Store, table string) int64 {
	t.Helper()
	var n int64
	if err := st.DB().Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSeedReferenceIsIdempotentAndKeepsAdminEdits(t *testing.T) {
	ctx := context.Background()
	st, ref := seeded(t)
	tables := []string{"agencies", "districts", "agency_districts", "verification_bodies", "instrument_types", "pledge_texts", "routing_rules", "holidays"}
	before := map[string]int64{}
	for _, tb := range tables {
		before[tb] = count(t, st, tb)
		if before[tb] == 0 {
			t.Errorf("%s is empty after seeding", tb)
		}
	}
	// The city admin changes a cycle; a restart must not undo it.
	if err := st.DB().Model(&model.InstrumentType{}).Where("code = ?", "price_scale").Update("cycle_months", 6).Error; err != nil {
		t.Fatal(err)
	}
	if err := st.SeedReference(ctx, ref); err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if n := count(t, st, tb); n != before[tb] {
			t.Errorf("%s: %d rows after second seed, want %d", tb, n, before[tb])
		}
	}
	var it model.InstrumentType
	st.DB().Where("code = ?", "price_scale").Take(&it)
	if it.CycleMonths != 6 {
		t.Errorf("admin edit overwritten: cycle %d", it.CycleMonths)
	}
	if n := count(t, st, "agency_districts"); n != int64(len(ref.Districts)*3) {
		// each district: its bureau, the city bureau and the detachment
		t.Errorf("jurisdictions = %d, want %d", n, len(ref.Districts)*3)
	}
}

func newMerchant(t *testing.T, st *storage.Store, login string) *model.User {
	t.Helper()
	u := &model.User{Login: login, PasswordHash: "x", Role: model.RoleMerchant}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestLiveCreditCodeIsUnique(t *testing.T) {
	ctx := context.Background()
	st, _ := seeded(t)
	ds, _ := st.Districts(ctx)
	owner := newMerchant(t, st, "13900000009")
	mk := func(status model.UnitStatus) error {
		return st.CreateUnit(ctx, &model.Unit{OwnerUserID: owner.ID, Name: "张记鲜肉", USCC: "91310110666007217T",
			BusinessType: model.BusinessMarketStall, Address: "红梅农贸市场", DistrictID: ds[0].ID, ContactName: "张",
			ContactPhone: "13900000009", Status: status})
	}
	if err := mk(model.UnitRevoked); err != nil {
		t.Fatalf("revoked unit: %v", err)
	}
	if err := mk(model.UnitApproved); err != nil {
		t.Fatalf("live unit after a revoked one: %v", err)
	}
	if err := mk(model.UnitSubmitted); !errors.Is(err, storage.ErrDuplicate) {
		t.Fatalf("second live unit with the same code: %v, want ErrDuplicate", err)
	}
	if err := mk(model.UnitDraft); err != nil {
		t.Fatalf("a draft reserves nothing, so it is not refused: %v", err)
	}
	if err := st.CreateUser(ctx, &model.User{Login: "13900000009", PasswordHash: "x", Role: model.RoleMerchant}); !errors.Is(err, storage.ErrDuplicate) {
		t.Fatalf("duplicate login: %v", err)
	}
}

func TestQRReissueRevokesPreviousVersion(t *testing.T) {
	ctx := context.Background()
	st, _ := seeded(t)
	v1, err := st.IssueQRToken(ctx, model.QRUnit, 42, nil)
	if err != nil || v1.Version != 1 {
		t.Fatalf("v1: %+v %v", v1, err)
	}
	v2, err := st.IssueQRToken(ctx, model.QRUnit, 42, nil)
	if err != nil || v2.Version != 2 {
		t.Fatalf("v2: %+v %v", v2, err)
	}
	var rows []model.QRToken
	st.DB().Where("kind = ? AND target_id = ?", model.QRUnit, 42).Order("version").Find(&rows)
	if len(rows) != 2 || rows[0].RevokedAt == nil || rows[1].RevokedAt != nil {
		t.Fatalf("after reprint: %+v", rows)
	}
	other, _ := st.IssueQRToken(ctx, model.QRInstrument, 42, nil)
	if other.Version != 1 {
		t.Fatalf("instrument 42 shares the unit's versions: %+v", other)
	}
}

func TestReportWithPhotosIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	st, _ := seeded(t)
	ds, _ := st.Districts(ctx)
	key := "idem-1"
	mk := func(tracking string) *model.Report {
		return &model.Report{TrackingNo: tracking, AccessCodeHash: "h", Kind: model.KindTip, Category: model.CategoryShortWeight,
			DistrictID: ds[0].ID, Description: "短秤", IdempotencyKey: &key, CreatedAt: time.Now().UTC()}
	}
	photo := model.ReportPhoto{ContentType: "image/jpeg", Width: 1, Height: 1, SizeBytes: 3, SHA256: "x", Data: []byte{1, 2, 3}}
	if err := st.CreateReport(ctx, mk("AAAA-BBBB-CCCC"), []model.ReportPhoto{photo, photo}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateReport(ctx, mk("AAAA-BBBB-CCCD"), []model.ReportPhoto{photo}); !errors.Is(err, storage.ErrDuplicate) {
		t.Fatalf("same idempotency key: %v", err)
	}
	if n := count(t, st, "reports"); n != 1 {
		t.Fatalf("reports = %d", n)
	}
	if n := count(t, st, "report_photos"); n != 2 {
		t.Fatalf("photos = %d, want the first report's two only", n)
	}
	// A photo that cannot be stored takes its report down with it.
	other := "idem-2"
	r := mk("AAAA-BBBB-CCCE")
	r.IdempotencyKey = &other
	bad := photo
	bad.Data = nil // NOT NULL
	if err := st.CreateReport(ctx, r, []model.ReportPhoto{photo, bad}); err == nil {
		t.Fatal("report with an unstorable photo was accepted")
	}
	if n := count(t, st, "reports"); n != 1 {
		t.Fatalf("half-stored report left behind: %d reports", n)
	}
}
