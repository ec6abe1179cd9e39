package storage

import (
	"context"
	"time"

	"honestmeasure/internal/model"
)

// RateKeep is how long a rate-limit or delay bucket is kept after it was
// last counted in. Every limit's window (and every delay policy's Forget)
// must be shorter: Purge forgets older buckets, which restarts their count.
const RateKeep = 48 * time.Hour

// Purged counts the rows one Purge deleted.
type Purged struct {
	RateLimits, RateDelays, OneTimeCodes, Sessions, HeldPhotos int64
}

// Purge deletes what has stopped mattering: rate-limit buckets and delay
// buckets untouched for RateKeep, one-time codes a day past their expiry,
// expired sessions, photos held for forms never sent again. Buckets and codes are made per address, per tracking
// number and per login by anyone, so without it these tables would grow
// with every stranger's probe. Each delete is idempotent, so every instance
// may run it.
func (s *Store) Purge(ctx context.Context, now time.Time) (Purged, error) {
	var p Purged
	steps := []struct {
		n   *int64
		run func() (int64, error)
	}{
		{&p.RateLimits, func() (int64, error) {
			res := s.q(ctx).Where("window_start < ?", now.Add(-RateKeep)).Delete(&rateLimit{})
			return res.RowsAffected, res.Error
		}},
		{&p.RateDelays, func() (int64, error) {
			res := s.q(ctx).Where("last_at < ?", now.Add(-RateKeep)).Delete(&rateDelay{})
			return res.RowsAffected, res.Error
		}},
		{&p.OneTimeCodes, func() (int64, error) {
			res := s.q(ctx).Where("expires_at < ?", now.Add(-24*time.Hour)).Delete(&OneTimeCode{})
			return res.RowsAffected, res.Error
		}},
		{&p.Sessions, func() (int64, error) { return s.DeleteExpiredSessions(ctx, now) }},
		{&p.HeldPhotos, func() (int64, error) {
			res := s.q(ctx).Where("expires_at < ?", now).Delete(&model.HeldPhoto{})
			return res.RowsAffected, res.Error
		}},
	}
	for _, st := range steps {
		n, err := st.run()
		if err != nil {
			return p, err
		}
		*st.n = n
	}
	return p, nil
}
