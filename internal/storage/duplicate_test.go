package storage_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// A unique value already taken is storage.ErrDuplicate, a fail.Conflict, on
// whichever engine the tests run (HM_TEST_MYSQL_DSN): the driver's own error
// never leaks out, and a holiday or login that is new is not refused.
func TestDuplicateIsErrDuplicateOnThisEngine(t *testing.T) {
	ctx := context.Background()
	st, _ := seeded(t)
	newMerchant(t, st, "13900000077")
	err := st.CreateUser(ctx, &model.User{Login: "13900000077", PasswordHash: "x", Role: model.RoleMerchant})
	if !errors.Is(err, storage.ErrDuplicate) || fail.KindOf(err) != fail.Conflict {
		t.Fatalf("duplicate login: %v, want storage.ErrDuplicate (Conflict)", err)
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Errorf("duplicate login: the GORM error leaks out of storage")
	}
	day := model.Date(2031, 5, 6)
	if err := st.CreateHoliday(ctx, &model.Holiday{Day: day, Kind: model.DayOff, NameZh: "测试", NameEn: "test"}); err != nil {
		t.Fatalf("new holiday: %v", err)
	}
	err = st.CreateHoliday(ctx, &model.Holiday{Day: day, Kind: model.WorkingDay, NameZh: "测试", NameEn: "test"})
	if !errors.Is(err, storage.ErrDuplicate) {
		t.Fatalf("same day twice: %v, want storage.ErrDuplicate", err)
	}
}
