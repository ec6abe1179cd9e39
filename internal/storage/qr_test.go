package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// A code is replaced at most up to model.MaxQRVersion; the refusal issues
// and revokes nothing, so the last version keeps working.
func TestQRVersionIsCapped(t *testing.T) {
	ctx := context.Background()
	st, _ := seeded(t)
	// Versions 1..MaxQRVersion-1 as earlier reprints left them.
	for v := 1; v < model.MaxQRVersion; v++ {
		tok := &model.QRToken{Kind: model.QRInstrument, TargetID: 7, Version: v, CreatedAt: nowUTC()}
		if v < model.MaxQRVersion-1 {
			at := nowUTC()
			tok.RevokedAt = &at
		}
		if err := st.DB().Create(tok).Error; err != nil {
			t.Fatal(err)
		}
	}
	last, err := st.IssueQRToken(ctx, model.QRInstrument, 7, nil)
	if err != nil || last.Version != model.MaxQRVersion {
		t.Fatalf("last version: %+v %v", last, err)
	}
	if tok, err := st.IssueQRToken(ctx, model.QRInstrument, 7, nil); !errors.Is(err, storage.ErrQRVersionLimit) || tok != nil {
		t.Fatalf("past the last version: %+v %v, want ErrQRVersionLimit", tok, err)
	}
	live, err := st.LiveQRToken(ctx, model.QRInstrument, 7)
	if err != nil || live.Version != model.MaxQRVersion {
		t.Fatalf("the refused reprint changed the live code: %+v %v", live, err)
	}
	if n := count(t, st, "qr_tokens"); n != int64(model.MaxQRVersion) {
		t.Fatalf("%d token rows, want %d", n, model.MaxQRVersion)
	}
}

func nowUTC() time.Time { return time.Now().UTC() }
