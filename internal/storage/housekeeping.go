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
	RateLimits, RateDelays, OneTimeCodes, Sessions, HeldPhotos, SecretTexts int64
}

// SecretTextEvents are the events of text messages that carry a secret (a
// one-time code, a report's access code). Once delivered and a day old, their
// body is blanked: the outbox row stays as the record that a message was
// sent, the secret does not.
var SecretTextEvents = []string{"account.signup_code", "account.reset_code", "report.received", "report.access_code_again"}

// redactedText replaces the body of a delivered secret text message.
const redactedText = `{"redacted":true}`

// Purge deletes what has stopped mattering: rate-limit buckets and delay
// buckets untouched for RateKeep, one-time codes a day past their expiry,
// expired sessions, photos held for forms never sent again, and the secret
// in delivered text messages a day old (SecretTextEvents). Buckets and codes are made per address, per tracking
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
		{&p.SecretTexts, func() (int64, error) {
			res := s.q(ctx).Model(&model.OutboxMessage{}).Where("channel = ? AND status = ? AND event IN ? AND delivered_at < ? AND body <> ?",
				"sms", OutboxDelivered, SecretTextEvents, outboxTime(now.Add(-24*time.Hour)), redactedText).Update("body", redactedText)
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
