package storage

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"honestmeasure/internal/model"
)

// IssueQRToken issues the next version of the code for (kind, target) and
// revokes every earlier version, in one transaction: a reprinted sticker
// makes the old one say "replaced". Two concurrent reprints cannot both get
// the same version: the unique index on (kind, target_id, version) refuses one.
func (s *Store) IssueQRToken(ctx context.Context, kind model.QRKind, targetID int64, by *int64) (*model.QRToken, error) {
	var tok *model.QRToken
	err := s.Tx(ctx, func(tx *Store) error {
		var prev []model.QRToken
		if err := tx.q(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("kind = ? AND target_id = ?", kind, targetID).Order("version DESC").Find(&prev).Error; err != nil {
			return err
		}
		now := time.Now().UTC()
		next := 1
		if len(prev) > 0 {
			next = prev[0].Version + 1
			if err := tx.q(ctx).Model(&model.QRToken{}).
				Where("kind = ? AND target_id = ? AND revoked_at IS NULL", kind, targetID).
				Update("revoked_at", now).Error; err != nil {
				return err
			}
		}
		tok = &model.QRToken{Kind: kind, TargetID: targetID, Version: next, CreatedBy: by, CreatedAt: now}
		return tx.q(ctx).Create(tok).Error
	})
	if isDuplicate(err) {
		return nil, ErrDuplicate
	}
	return tok, err
}
