package storage

import (
	"context"
	"time"

	"honestmeasure/internal/model"
)

// HoldPhotos keeps photos for the form key, after those already held.
func (s *Store) HoldPhotos(ctx context.Context, key string, photos []model.HeldPhoto) error {
	if len(photos) == 0 {
		return nil
	}
	return s.Tx(ctx, func(tx *Store) error {
		var last int
		if err := tx.q(ctx).Model(&model.HeldPhoto{}).Where("form_key = ?", key).
			Select("COALESCE(MAX(seq), 0)").Scan(&last).Error; err != nil {
			return err
		}
		for i := range photos {
			photos[i].FormKey, photos[i].Seq = key, last+i+1
		}
		return tx.q(ctx).Create(&photos).Error
	})
}

// HeldPhotos lists what is held for key and not expired at now, in order,
// without the image data unless withData.
func (s *Store) HeldPhotos(ctx context.Context, key string, now time.Time, withData bool) ([]model.HeldPhoto, error) {
	q := s.q(ctx).Where("form_key = ? AND expires_at > ?", key, now).Order("seq")
	if !withData {
		q = q.Omit("data")
	}
	var out []model.HeldPhoto
	return out, q.Find(&out).Error
}

// DropHeldPhotos forgets the held photos of key with the given ids.
func (s *Store) DropHeldPhotos(ctx context.Context, key string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.q(ctx).Where("form_key = ? AND id IN ?", key, ids).Delete(&model.HeldPhoto{}).Error
}
