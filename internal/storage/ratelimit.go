package storage

import (
	"context"
	"time"

	"gorm.io/gorm"
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
	Hits       int // attempts counted in the current window, this one included
}

// RateCheck reports whether bucket is currently blocked, without counting.
func (s *Store) RateCheck(ctx context.Context, bucket string, now time.Time) (RateStatus, error) {
	var rows []rateLimit
	if err := s.q(ctx).Where("bucket = ?", bucket).Limit(1).Find(&rows).Error; err != nil {
		return RateStatus{}, err
	}
	if len(rows) == 1 && rows[0].BlockedUntil != nil && rows[0].BlockedUntil.After(now) {
		return RateStatus{Blocked: true, RetryAfter: rows[0].BlockedUntil.Sub(now), Hits: rows[0].Hits}, nil
	}
	return RateStatus{}, nil
}

// RateHit counts one event in bucket's fixed window, whether or not the
// bucket is full: it is for counting failures after the fact. When the
// count reaches limit the bucket is blocked until the window ends.
func (s *Store) RateHit(ctx context.Context, bucket string, window time.Duration, limit int, now time.Time) (RateStatus, error) {
	return s.rateCount(ctx, bucket, window, limit, now, true)
}

// RateTake reserves one of limit attempts in bucket's fixed window, in one
// atomic step: when the window is full nothing is counted and the status
// is Blocked. Limits that must hold under concurrency take first and do
// the expensive work after; RateRefund gives the attempt back when it
// turned out not to count (a successful login, say).
func (s *Store) RateTake(ctx context.Context, bucket string, window time.Duration, limit int, now time.Time) (RateStatus, error) {
	return s.rateCount(ctx, bucket, window, limit, now, false)
}

func (s *Store) rateCount(ctx context.Context, bucket string, window time.Duration, limit int, now time.Time, overflow bool) (RateStatus, error) {
	var st RateStatus
	err := s.Tx(ctx, func(tx *Store) error {
		// The upsert locks the row exclusively whether or not it existed
		// (InnoDB takes an X lock on a duplicate key for ON DUPLICATE KEY
		// UPDATE; a plain INSERT IGNORE would take a shared one, and two
		// shared holders both upgrading deadlock). SQLite transactions are
		// BEGIN IMMEDIATE, serialised by the database.
		seed := rateLimit{Bucket: bucket, WindowStart: now, Hits: 0}
		if err := tx.q(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "bucket"}},
			DoUpdates: clause.Assignments(map[string]any{"hits": gorm.Expr("hits")})}).Create(&seed).Error; err != nil {
			return err
		}
		var r rateLimit
		if err := tx.q(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("bucket = ?", bucket).Take(&r).Error; err != nil {
			return err
		}
		// A window starting a little after now is still the current one:
		// requests racing for the row each bring their own clock reading,
		// and MySQL rounds stored timestamps to the column's precision.
		if now.Sub(r.WindowStart) >= window {
			r.WindowStart, r.Hits, r.BlockedUntil = now, 0, nil
		}
		until := r.WindowStart.Add(window)
		if r.Hits >= limit && !overflow {
			st = RateStatus{Blocked: true, RetryAfter: until.Sub(now), Hits: r.Hits}
			return nil
		}
		r.Hits++
		st.Hits = r.Hits
		if r.Hits >= limit {
			r.BlockedUntil = &until
			if overflow || r.Hits > limit {
				st.Blocked, st.RetryAfter = true, until.Sub(now)
			}
		} else {
			r.BlockedUntil = nil
		}
		return tx.q(ctx).Model(&rateLimit{}).Where("bucket = ?", bucket).
			Updates(map[string]any{"window_start": r.WindowStart, "hits": r.Hits, "blocked_until": r.BlockedUntil}).Error
	})
	return st, err
}

// RateRefund gives back one attempt taken with RateTake in the current
// window (a no-op when the window has already ended).
func (s *Store) RateRefund(ctx context.Context, bucket string) error {
	return s.q(ctx).Model(&rateLimit{}).Where("bucket = ? AND hits > 0", bucket).
		Updates(map[string]any{"hits": gorm.Expr("hits - 1"), "blocked_until": nil}).Error
}
