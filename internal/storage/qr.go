package storage

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm/clause"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
)

// ErrQRVersionLimit: the code already reached model.MaxQRVersion; nothing
// was issued or revoked.
var ErrQRVersionLimit = fail.New(fail.Conflict, "code version limit reached")

// IssueQRToken issues the next version of the code for (kind, target) and
// revokes every earlier version, in one transaction: a reprinted sticker
// makes the old one say "replaced". Two concurrent reprints cannot both get
// the same version: the unique index on (kind, target_id, version) refuses one.
// Only the latest version is read, so a reprint costs the same the 90th time
// as the first. Past model.MaxQRVersion it gives ErrQRVersionLimit.
func (s *Store) IssueQRToken(ctx context.Context, kind model.QRKind, targetID int64, by *int64) (*model.QRToken, error) {
	var tok *model.QRToken
	err := s.Tx(ctx, func(tx *Store) error {
		var prev []model.QRToken
		if err := tx.q(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("kind = ? AND target_id = ?", kind, targetID).Order("version DESC").Limit(1).Find(&prev).Error; err != nil {
			return err
		}
		now := time.Now().UTC()
		next := 1
		if len(prev) > 0 {
			if prev[0].Version >= model.MaxQRVersion {
				return ErrQRVersionLimit
			}
			next = prev[0].Version + 1
			if err := tx.q(ctx).Model(&model.QRToken{}).
				Where("kind = ? AND target_id = ? AND revoked_at IS NULL", kind, targetID).
				Update("revoked_at", now).Error; err != nil {
				return err
			}
		}
		tok = &model.QRToken{Kind: kind, TargetID: targetID, Version: next, CreatedBy: by, CreatedAt: now}
		if err := tx.q(ctx).Create(tok).Error; err != nil {
			return err
		}
		// A cached page of the old code must now say "replaced", and the
		// unit's pages link to its current code: they all changed.
		if kind == model.QRInstrument {
			return tx.touchUnitOfInstrument(ctx, targetID)
		}
		return tx.touchUnit(ctx, targetID)
	})
	if isDuplicate(err) {
		return nil, ErrDuplicate
	}
	return tok, err
}

// CurrentQRToken returns the live (not revoked) code of a target, issuing
// version 1 when none was ever issued.
func (s *Store) CurrentQRToken(ctx context.Context, kind model.QRKind, targetID int64, by *int64) (*model.QRToken, error) {
	tok, err := s.LiveQRToken(ctx, kind, targetID)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return tok, err
	}
	t, err := s.IssueQRToken(ctx, kind, targetID, by)
	if errors.Is(err, ErrDuplicate) {
		// Issued concurrently by another request: use that one.
		return s.CurrentQRToken(ctx, kind, targetID, by)
	}
	return t, err
}

// QRTokenFor finds an issued version of a code, revoked or not.
func (s *Store) QRTokenFor(ctx context.Context, kind model.QRKind, targetID int64, version int) (*model.QRToken, error) {
	var tok model.QRToken
	if err := s.q(ctx).Where("kind = ? AND target_id = ? AND version = ?", kind, targetID, version).Take(&tok).Error; err != nil {
		return nil, notFound(err)
	}
	return &tok, nil
}

// LiveQRToken returns the current (not revoked) code of a target, without
// issuing one.
func (s *Store) LiveQRToken(ctx context.Context, kind model.QRKind, targetID int64) (*model.QRToken, error) {
	var tok model.QRToken
	if err := s.q(ctx).Where("kind = ? AND target_id = ? AND revoked_at IS NULL", kind, targetID).
		Order("version DESC").Take(&tok).Error; err != nil {
		return nil, notFound(err)
	}
	return &tok, nil
}
