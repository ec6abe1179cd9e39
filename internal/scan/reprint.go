package scan

import (
	"context"
	"errors"
	"strconv"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// Reprint limits. A reprint revokes the code on the shop's sticker, so a
// real merchant reprints when a sticker was torn or copied: a few at a time.
// Twenty an hour per unit (its poster and all its instrument labels
// together) covers a market replacing a row of damaged labels, and holds a
// hijacked or scripted account to 480 writes a day per unit instead of a
// loop that burns through the version limit in a second.
const (
	ReprintsPerUnit = 20
	ReprintWindow   = time.Hour
)

// Reasons a reprint is refused; nothing was issued or revoked.
var (
	// ErrReprintLimit: the code reached model.MaxQRVersion and is never
	// replaced again; its current version still prints.
	ErrReprintLimit = storage.ErrQRVersionLimit
	// ErrReprintTooSoon: the unit used up this hour's reprints.
	ErrReprintTooSoon = errors.New("too many reprints for this unit; try again later")
)

// ReprintRefused carries when reprinting is possible again.
type ReprintRefused struct{ RetryAfter time.Duration }

func (e *ReprintRefused) Error() string { return ErrReprintTooSoon.Error() }
func (e *ReprintRefused) Unwrap() error { return ErrReprintTooSoon }

// Reprint issues the next version of a code of unitID (its own code, or one
// of its instruments') and revokes the old one. It is refused with
// ErrReprintLimit at the last version and with a *ReprintRefused
// (ErrReprintTooSoon) once the unit spent its hourly reprints; the attempt
// is reserved before any write, so concurrent requests cannot exceed it.
func Reprint(ctx context.Context, st *storage.Store, kind model.QRKind, targetID, unitID int64, by *int64, now time.Time) (*model.QRToken, error) {
	if live, err := st.LiveQRToken(ctx, kind, targetID); err == nil && live.Version >= model.MaxQRVersion {
		return nil, ErrReprintLimit // refused without spending one of the hour's reprints
	} else if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	bucket := "reprint:unit:" + strconv.FormatInt(unitID, 10)
	rs, err := st.RateTake(ctx, bucket, ReprintWindow, ReprintsPerUnit, now)
	if err != nil {
		return nil, err
	}
	if rs.Blocked {
		return nil, &ReprintRefused{RetryAfter: rs.RetryAfter}
	}
	tok, err := st.IssueQRToken(ctx, kind, targetID, by)
	if err != nil {
		// Nothing was issued: the attempt does not count.
		_ = st.RateRefund(ctx, bucket)
		return nil, err
	}
	return tok, nil
}
