package model

import (
	"testing"
	"time"
)

func TestStateOfInstrumentSeal(t *testing.T) {
	sealed := time.Date(2026, 11, 10, 9, 0, 0, 0, Zone)
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, Zone)
	until := now.AddDate(1, 0, 0)
	rec := func(on time.Time, res VerificationResult, src VerificationSource) *VerificationRecord {
		return &VerificationRecord{VerifiedOn: on, ValidUntil: &until, Result: res, Source: src}
	}
	cases := []struct {
		name     string
		sealedAt *time.Time
		latest   *VerificationRecord
		want     VerificationState
	}{
		{"not sealed", nil, rec(sealed.AddDate(0, -1, 0), ResultPass, SourceConfirmed), StateValid},
		{"sealed, never verified", &sealed, nil, StateSealed},
		{"sealed over an earlier pass", &sealed, rec(sealed.AddDate(0, -1, 0), ResultPass, SourceConfirmed), StateSealed},
		{"a pass on the seal's own day does not lift it", &sealed, rec(sealed, ResultPass, SourceConfirmed), StateSealed},
		{"the merchant's declaration does not lift it", &sealed, rec(sealed.AddDate(0, 0, 5), ResultPass, SourceDeclared), StateSealed},
		{"a later fail keeps it sealed", &sealed, rec(sealed.AddDate(0, 0, 5), ResultFail, SourceConfirmed), StateSealed},
		{"a body's later pass lifts it", &sealed, rec(sealed.AddDate(0, 0, 5), ResultPass, SourceConfirmed), StateValid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := StateOfInstrument(Instrument{SealedAt: c.sealedAt}, c.latest, InstrumentType{CycleMonths: 12}, now); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}
