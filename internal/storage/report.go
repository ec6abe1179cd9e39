package storage

import (
	"context"
	"time"

	"honestmeasure/internal/model"
)

// CreateReport stores a report and its photos in one transaction: a report is
// never stored without the evidence that came with it. A repeated
// idempotency key gives ErrDuplicate.
func (s *Store) CreateReport(ctx context.Context, r *model.Report, photos []model.ReportPhoto) error {
	err := s.Tx(ctx, func(tx *Store) error {
		if r.CreatedAt.IsZero() {
			r.CreatedAt = time.Now().UTC()
		}
		if err := tx.q(ctx).Create(r).Error; err != nil {
			return err
		}
		for i := range photos {
			photos[i].ReportID = r.ID
			photos[i].Seq = i + 1
			photos[i].CreatedAt = r.CreatedAt
		}
		if len(photos) > 0 {
			return tx.q(ctx).Create(&photos).Error
		}
		return nil
	})
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}
