package model

import (
	"testing"
	"time"
)

func TestStateOf(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, Zone)
	day := func(offset int) *time.Time { d := DateOf(now).AddDate(0, 0, offset); return &d }
	rec := func(until *time.Time, result VerificationResult) *VerificationRecord {
		return &VerificationRecord{VerifiedOn: DateOf(now).AddDate(-1, 0, 0), ValidUntil: until, Result: result}
	}
	yearly := InstrumentType{CycleMonths: 12}
	once := InstrumentType{CycleMonths: 0}
	declared2099 := func(verifiedDaysAgo int) *VerificationRecord {
		until := Date(2099, 12, 31)
		return &VerificationRecord{VerifiedOn: DateOf(now).AddDate(0, 0, -verifiedDaysAgo), ValidUntil: &until,
			Result: ResultPass, Source: SourceDeclared}
	}
	confirmed2099 := declared2099(400)
	confirmed2099.Source = SourceConfirmed
	declaredNoDate := declared2099(400)
	declaredNoDate.ValidUntil = nil
	tests := []struct {
		name string
		rec  *VerificationRecord
		want VerificationState
		typ  *InstrumentType // nil: verified every 24 months, no cap in reach
	}{
		{"never verified", nil, StateNeverChecked, nil},
		{"failed", rec(nil, ResultFail), StateFailed, nil},
		{"failed even with a date", rec(day(100), ResultFail), StateFailed, nil},
		{"valid for long", rec(day(200), ResultPass), StateValid, nil},
		{"31 days left", rec(day(31), ResultPass), StateValid, nil},
		{"30 days left is expiring", rec(day(30), ResultPass), StateExpiring, nil},
		{"last valid day is expiring, not expired", rec(day(0), ResultPass), StateExpiring, nil},
		{"day after valid-until is expired", rec(day(-1), ResultPass), StateExpired, nil},
		{"verified once, no expiry", rec(nil, ResultPass), StateValid, &once},
		// A merchant's "valid until 2099" counts for one cycle at most.
		{"declared 2099, verified 400 days ago on a yearly type", declared2099(400), StateExpired, &yearly},
		{"declared 2099, verified 350 days ago: the cycle ends within 30 days", declared2099(350), StateExpiring, &yearly},
		{"declared 2099, verified 10 days ago", declared2099(10), StateValid, &yearly},
		{"declared without a date on a yearly type (type changed since)", declaredNoDate, StateExpired, &yearly},
		{"declared 2099 on a type verified once", declared2099(400), StateValid, &once},
		{"the verification body's own date stands", confirmed2099, StateValid, &yearly},
	}
	for _, tt := range tests {
		typ := InstrumentType{CycleMonths: 24}
		if tt.typ != nil {
			typ = *tt.typ
		}
		if got := StateOf(tt.rec, typ, now); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestLateEveningUsesLocalDate(t *testing.T) {
	// 23:30 local on the valid-until day is 15:30 UTC: still valid that day.
	until := Date(2026, 11, 25)
	rec := &VerificationRecord{ValidUntil: &until, Result: ResultPass}
	if got := StateOf(rec, InstrumentType{}, time.Date(2026, 11, 25, 23, 30, 0, 0, Zone)); got != StateExpiring {
		t.Fatalf("on the last day: %s", got)
	}
	// 00:30 local the next day is still the 25th in UTC, but expired locally.
	if got := StateOf(rec, InstrumentType{}, time.Date(2026, 11, 26, 0, 30, 0, 0, Zone)); got != StateExpired {
		t.Fatalf("just after midnight: %s", got)
	}
}

func TestPledgeDigestChangesWithEveryWord(t *testing.T) {
	a := PledgeDigest("承诺书", "1. 足斤足两", "Pledge", "1. Full weight")
	if len(a) != 64 {
		t.Fatalf("digest %q", a)
	}
	if a == PledgeDigest("承诺书", "1. 足斤足两。", "Pledge", "1. Full weight") || a == PledgeDigest("承诺书", "1. 足斤足两", "Pledge", "1. Full weight.") {
		t.Fatal("digest ignores a change of wording")
	}
}

func TestJurisdiction(t *testing.T) {
	agency := int64(7)
	for _, tc := range []struct {
		user   *User
		agency *int64
		ok     bool
	}{
		{nil, nil, false},
		{&User{Role: RoleMerchant, AgencyID: &agency}, nil, false},
		{&User{Role: RoleVerificationBody}, nil, false},
		{&User{Role: RoleOfficer, AgencyID: &agency}, &agency, true},
		{&User{Role: RoleSupervisor, AgencyID: &agency}, &agency, true},
		{&User{Role: RoleSupervisor}, nil, false}, // would otherwise see the whole city
		{&User{Role: RoleCityAdmin, AgencyID: &agency}, nil, true},
	} {
		got, ok := tc.user.Jurisdiction()
		if ok != tc.ok || (got == nil) != (tc.agency == nil) || got != nil && *got != *tc.agency {
			t.Errorf("%+v: Jurisdiction() = %v, %v; want %v, %v", tc.user, got, ok, tc.agency, tc.ok)
		}
	}
}
