package storage

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type rateDelay struct {
	Bucket   string `gorm:"primaryKey"`
	Failures int
	NextAt   time.Time
	LastAt   time.Time
}

func (rateDelay) TableName() string { return "rate_delays" }

// DelayPolicy says how long a bucket waits after each counted attempt:
// nothing for the first Free, then Base doubling per further attempt up to
// Cap. A bucket untouched for Forget starts again from zero.
type DelayPolicy struct {
	Free   int
	Base   time.Duration
	Cap    time.Duration
	Forget time.Duration
}

// After is the wait that follows the n-th counted attempt (n from 1).
func (p DelayPolicy) After(n int) time.Duration {
	if n < p.Free {
		return 0
	}
	d := p.Base
	for i := p.Free; i < n && d < p.Cap; i++ {
		d *= 2
	}
	return min(d, p.Cap)
}

// DelayStatus is the outcome of DelayTake.
type DelayStatus struct {
	Blocked    bool
	RetryAfter time.Duration // how long until the bucket takes an attempt again
	Failures   int           // attempts counted, this one included
	// Ticket identifies the reservation for DelayRefund.
	Ticket time.Time
}

// DelayTake reserves one attempt in bucket, in one atomic step: when the
// bucket is still waiting out its delay nothing is counted and the status
// is Blocked; otherwise the attempt is counted as a failure in advance and
// the bucket's next delay starts now. A caller that turns out to succeed
// gives the attempt back with DelayRefund or DelayReset.
func (s *Store) DelayTake(ctx context.Context, bucket string, p DelayPolicy, now time.Time) (DelayStatus, error) {
	var st DelayStatus
	err := s.Tx(ctx, func(tx *Store) error {
		// Seed-then-lock, as in rateCount: the upsert takes the row's
		// exclusive lock on both engines whether or not it existed.
		seed := rateDelay{Bucket: bucket, Failures: 0, NextAt: now, LastAt: now}
		if err := tx.q(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "bucket"}},
			DoUpdates: clause.Assignments(map[string]any{"failures": gorm.Expr("failures")})}).Create(&seed).Error; err != nil {
			return err
		}
		var r rateDelay
		if err := tx.q(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("bucket = ?", bucket).Take(&r).Error; err != nil {
			return err
		}
		if now.Sub(r.LastAt) >= p.Forget || now.Before(r.LastAt.Add(-time.Hour)) {
			r.Failures, r.NextAt = 0, now
		}
		if now.Before(r.NextAt) {
			st = DelayStatus{Blocked: true, RetryAfter: r.NextAt.Sub(now), Failures: r.Failures}
			return nil
		}
		r.Failures++
		// The ticket is the new next_at truncated as both engines store it,
		// so DelayRefund can tell whether anyone reserved after us.
		next := now.Add(p.After(r.Failures)).Truncate(time.Millisecond)
		st = DelayStatus{Failures: r.Failures, Ticket: next}
		return tx.q(ctx).Model(&rateDelay{}).Where("bucket = ?", bucket).
			Updates(map[string]any{"failures": r.Failures, "next_at": next, "last_at": now}).Error
	})
	return st, err
}

// DelayRefund gives back the attempt reserved with ticket: the failure is
// uncounted and, unless another attempt was reserved since, the delay it
// started is cancelled (next_at back to now).
func (s *Store) DelayRefund(ctx context.Context, bucket string, ticket, now time.Time) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Model(&rateDelay{}).Where("bucket = ? AND next_at = ?", bucket, ticket).
			Update("next_at", now).Error; err != nil {
			return err
		}
		return tx.q(ctx).Model(&rateDelay{}).Where("bucket = ? AND failures > 0", bucket).
			Update("failures", gorm.Expr("failures - 1")).Error
	})
}

// DelayReset forgets a bucket (its owner proved who they are).
func (s *Store) DelayReset(ctx context.Context, bucket string) error {
	return s.q(ctx).Where("bucket = ?", bucket).Delete(&rateDelay{}).Error
}
