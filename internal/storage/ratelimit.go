package storage

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
)

type rateLimit struct {
	Bucket       string `gorm:"primaryKey"`
	WindowStart  time.Time
	Hits         int
	BlockedUntil *time.Time
}

func (rateLimit) TableName() string { return "rate_limits" }

// RateStatus says whether a bucket is over its limit and until when.
type RateStatus struct {
	Blocked    bool
	RetryAfter time.Duration
}

// RateCheck reports whether bucket is currently blocked, without counting.
func (s *Store) RateCheck(ctx context.Context, bucket string, now time.Time) (RateStatus, error) {
	var rows []rateLimit
	if err := s.q(ctx).Where("bucket = ?", bucket).Limit(1).Find(&rows).Error; err != nil {
		return RateStatus{}, err
	}
	if len(rows) == 1 && rows[0].BlockedUntil != nil && rows[0].BlockedUntil.After(now) {
		return RateStatus{Blocked: true, RetryAfter: rows[0].BlockedUntil.Sub(now)}, nil
	}
	return RateStatus{}, nil
}

// RateHit counts one event in bucket's fixed window. When the count reaches
// limit the bucket is blocked until the window ends. The read and the write
// happen under a row lock so instances behind a load balancer count together.
func (s *Store) RateHit(ctx context.Context, bucket string, window time.Duration, limit int, now time.Time) (RateStatus, error) {
	var st RateStatus
	err := s.Tx(ctx, func(tx *Store) error {
		var rows []rateLimit
		if err := tx.q(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("bucket = ?", bucket).Limit(1).Find(&rows).Error; err != nil {
			return err
		}
		r := rateLimit{Bucket: bucket, WindowStart: now, Hits: 0}
		if len(rows) == 1 && now.Sub(rows[0].WindowStart) < window {
			r = rows[0]
		}
		r.Hits++
		if r.Hits >= limit {
			until := r.WindowStart.Add(window)
			r.BlockedUntil = &until
			st = RateStatus{Blocked: true, RetryAfter: until.Sub(now)}
		} else {
			r.BlockedUntil = nil
		}
		return tx.q(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&r).Error
	})
	return st, err
}

// RateReset forgets a bucket (after a successful login).
func (s *Store) RateReset(ctx context.Context, bucket string) error {
	return s.q(ctx).Where("bucket = ?", bucket).Delete(&rateLimit{}).Error
}
