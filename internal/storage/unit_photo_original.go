package storage

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"honestmeasure/internal/model"
)

// RedactUnitPhoto makes p, a redaction of a unit's shop-front photo, the
// photo the public sees, provided the unit's public revision is still rev
// (the caller read it before the photo it redacted): if anything the public
// page shows changed meanwhile, the photo included, it returns ErrConflict
// and writes nothing, so two redactions at once never undo each other.
//
// orig, when not nil, is the photo as the merchant sent it: stored first,
// unless the unit already keeps the same content (then that row is named),
// and p.OriginalID is set to it. With orig nil, p names the original of the
// photo it replaces.
func (s *Store) RedactUnitPhoto(ctx context.Context, rev int64, p *model.UnitPhoto, orig *model.UnitPhotoOriginal) error {
	now := time.Now().UTC()
	return s.Tx(ctx, func(tx *Store) error {
		res := tx.q(ctx).Model(&model.Unit{}).Where("id = ? AND public_rev = ?", p.UnitID, rev).
			Updates(map[string]any{"public_rev": bumpPublicRev, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrConflict
		}
		if err := tx.publicChanged(ctx, unitPages(p.UnitID)); err != nil {
			return err
		}
		if orig != nil {
			var kept model.UnitPhotoOriginal
			err := tx.q(ctx).Select("id").Where("unit_id = ? AND sha256 = ?", p.UnitID, orig.SHA256).Take(&kept).Error
			switch {
			case err == nil:
				orig.ID = kept.ID
			case errors.Is(err, gorm.ErrRecordNotFound):
				// A rolled-back attempt of this transaction may have set
				// the id from a row found then.
				orig.ID, orig.UnitID = 0, p.UnitID
				if err := tx.q(ctx).Create(orig).Error; err != nil {
					return err
				}
			default:
				return err
			}
			p.OriginalID = &orig.ID
		}
		if p.OriginalID == nil {
			return errors.New("storage: a redacted photo names no original")
		}
		p.UpdatedAt = now
		return tx.q(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(p).Error
	})
}

// UnitPhotoOriginal is the kept original id of unit unitID's shop-front
// photo, with its image data.
func (s *Store) UnitPhotoOriginal(ctx context.Context, unitID, id int64) (*model.UnitPhotoOriginal, error) {
	var o model.UnitPhotoOriginal
	if err := s.q(ctx).Where("id = ? AND unit_id = ?", id, unitID).Take(&o).Error; err != nil {
		return nil, notFound(err)
	}
	return &o, nil
}

// UnitPhotoInfo is a unit's shop-front photo without its image data.
func (s *Store) UnitPhotoInfo(ctx context.Context, unitID int64) (*model.UnitPhoto, error) {
	var p model.UnitPhoto
	if err := s.q(ctx).Select("unit_id", "content_type", "width", "height", "original_id", "updated_at").
		Where("unit_id = ?", unitID).Take(&p).Error; err != nil {
		return nil, notFound(err)
	}
	return &p, nil
}
