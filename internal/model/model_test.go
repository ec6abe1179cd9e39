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
	tests := []struct {
		name string
		rec  *VerificationRecord
		want VerificationState
	}{
		{"never verified", nil, StateNeverChecked},
		{"failed", rec(nil, ResultFail), StateFailed},
		{"failed even with a date", rec(day(100), ResultFail), StateFailed},
		{"valid for long", rec(day(200), ResultPass), StateValid},
		{"31 days left", rec(day(31), ResultPass), StateValid},
		{"30 days left is expiring", rec(day(30), ResultPass), StateExpiring},
		{"last valid day is expiring, not expired", rec(day(0), ResultPass), StateExpiring},
		{"day after valid-until is expired", rec(day(-1), ResultPass), StateExpired},
		{"verified once, no expiry", rec(nil, ResultPass), StateValid},
	}
	for _, tt := range tests {
		if got := StateOf(tt.rec, now); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestLateEveningUsesLocalDate(t *testing.T) {
	// 23:30 local on the valid-until day is 15:30 UTC: still valid that day.
	until := Date(2026, 11, 25)
	rec := &VerificationRecord{ValidUntil: &until, Result: ResultPass}
	if got := StateOf(rec, time.Date(2026, 11, 25, 23, 30, 0, 0, Zone)); got != StateExpiring {
		t.Fatalf("on the last day: %s", got)
	}
	// 00:30 local the next day is still the 25th in UTC, but expired locally.
	if got := StateOf(rec, time.Date(2026, 11, 26, 0, 30, 0, 0, Zone)); got != StateExpired {
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
