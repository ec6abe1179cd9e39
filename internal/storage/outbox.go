package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"honestmeasure/internal/model"
)

// Outbox message statuses. A message is pending until it is delivered or
// the sender gives up on it (failed); both end states are final.
const (
	OutboxPending   = "pending"
	OutboxDelivered = "delivered"
	OutboxFailed    = "failed"
)

// Column widths of the outbox tables, in characters. They are checked here
// so SQLite refuses what MySQL's strict mode would refuse.
const (
	outboxChannelMax   = 10
	outboxRecipientMax = 500
	outboxSubjectMax   = 300
	outboxEventMax     = 50
	outboxErrorMax     = 1000
)

// outboxTime brings a timestamp to the form both engines store: UTC (SQLite
// compares the text, which only orders correctly in one zone) and whole
// milliseconds (MySQL's DATETIME(3)), so a value read back equals the one
// written and comparisons agree on both engines.
func outboxTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// Enqueue stores msgs as pending, due at once. Call it on the Store of the
// transaction that makes the change the messages announce (Store.Tx), so a
// message exists exactly when that change was committed.
func (s *Store) Enqueue(ctx context.Context, msgs ...model.OutboxMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	now := outboxTime(time.Now())
	rows := make([]model.OutboxMessage, len(msgs))
	for i, m := range msgs {
		if err := checkOutboxMessage(m); err != nil {
			return err
		}
		if m.CreatedAt.IsZero() {
			m.CreatedAt = now
		}
		m.ID = 0
		m.CreatedAt = outboxTime(m.CreatedAt)
		m.NextAttemptAt = m.CreatedAt
		m.Status = OutboxPending
		m.Attempts = 0
		m.LockedUntil = nil
		m.LastError = ""
		m.DeliveredAt = nil
		rows[i] = m
	}
	return s.q(ctx).Create(&rows).Error
}

func checkOutboxMessage(m model.OutboxMessage) error {
	fields := []struct {
		name, value string
		max         int
	}{
		{"channel", m.Channel, outboxChannelMax},
		{"recipient", m.Recipient, outboxRecipientMax},
		{"subject", m.Subject, outboxSubjectMax},
		{"event", m.Event, outboxEventMax},
	}
	for _, f := range fields {
		if f.name != "subject" && f.value == "" {
			return fmt.Errorf("outbox message without %s", f.name)
		}
		if n := utf8.RuneCountInString(f.value); n > f.max {
			return fmt.Errorf("outbox message %s is %d characters long, at most %d fit", f.name, n, f.max)
		}
	}
	return nil
}

// ClaimDue leases up to limit due pending messages to the caller until
// now+lease and returns them; while the lease runs no other caller gets
// them, and when it ends unrecorded (the claimer died) they are due again.
//
// The claim is optimistic: candidates are read without locks, then each is
// taken with an UPDATE that re-checks every condition, and only the rows
// that UPDATE changed belong to this caller. When two instances race for a
// row, the database serialises the two UPDATEs and the second finds the row
// already leased, changes nothing and moves on. SELECT … FOR UPDATE SKIP
// LOCKED would do the same in one statement, but SQLite has no row locks at
// all and MariaDB 10.11 supports SKIP LOCKED only partially, so this form
// runs, and is tested, identically on both engines. Rows are updated in id
// order so concurrent claimers take row locks in the same order and cannot
// deadlock each other.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]model.OutboxMessage, error) {
	if limit <= 0 {
		return nil, nil
	}
	now = outboxTime(now)
	until := outboxTime(now.Add(lease))
	var claimed []model.OutboxMessage
	err := s.Tx(ctx, func(tx *Store) error {
		// Tx may run this again (on a cluster another instance's claim of
		// the same rows wins certification, and this commit fails after
		// the Find below filled claimed): the rows of a rolled-back
		// attempt are not ours and must not be delivered.
		claimed = nil
		var ids []int64
		err := tx.q(ctx).Model(&model.OutboxMessage{}).
			Where("status = ? AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)", OutboxPending, now, now).
			Order("next_attempt_at, id").Limit(limit).Pluck("id", &ids).Error
		if err != nil {
			return err
		}
		slices.Sort(ids)
		won := make([]int64, 0, len(ids))
		for _, id := range ids {
			res := tx.q(ctx).Exec(`UPDATE outbox SET locked_until = ?
WHERE id = ? AND status = ? AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)`,
				until, id, OutboxPending, now, now)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 1 {
				won = append(won, id)
			}
		}
		if len(won) == 0 {
			return nil
		}
		return tx.q(ctx).Where("id IN ?", won).Order("next_attempt_at, id").Find(&claimed).Error
	})
	if err != nil {
		return nil, err
	}
	return claimed, nil
}

// RecordAttempt stores the outcome of one delivery try of message msgID and
// releases its lease, all in one transaction. On success the message is
// delivered (an earlier delivered_at is kept). On failure it stays pending
// and is due again at *next (nil keeps the current time), or becomes failed
// when giveUp; a failure never overrides a delivered or failed message, so a
// claimer whose lease ran out cannot undo another's result. errText is
// stored in at most 1000 characters.
func (s *Store) RecordAttempt(ctx context.Context, msgID int64, at time.Time, ok bool, errText string, dur time.Duration, next *time.Time, giveUp bool) error {
	at = outboxTime(at)
	errText = clipOutboxText(errText, outboxErrorMax)
	if ok {
		errText = ""
	}
	return s.Tx(ctx, func(tx *Store) error {
		// The message row is written before the attempt row: the attempt's
		// foreign-key check then needs no lock beyond the one already held.
		var res = tx.q(ctx)
		if ok {
			res = res.Exec(`UPDATE outbox SET status = ?, delivered_at = COALESCE(delivered_at, ?),
attempts = attempts + 1, locked_until = NULL WHERE id = ?`, OutboxDelivered, at, msgID)
		} else {
			status := OutboxPending
			if giveUp {
				status = OutboxFailed
			}
			set := "status = ?, attempts = attempts + 1, last_error = ?, locked_until = NULL"
			args := []any{status, errText}
			if next != nil {
				set += ", next_attempt_at = ?"
				args = append(args, outboxTime(*next))
			}
			args = append(args, msgID, OutboxPending)
			res = res.Exec("UPDATE outbox SET "+set+" WHERE id = ? AND status = ?", args...)
			if res.Error == nil && res.RowsAffected == 0 {
				// Already settled by another claimer: count the try only.
				res = tx.q(ctx).Exec("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", msgID)
			}
		}
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return tx.q(ctx).Create(&model.OutboxAttempt{
			OutboxID:   msgID,
			At:         at,
			OK:         ok,
			Error:      errText,
			DurationMS: int(dur.Milliseconds()),
		}).Error
	})
}

// clipOutboxText makes s valid UTF-8 (MySQL refuses anything else) and cuts it to
// at most max characters.
func clipOutboxText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i]
		}
		n++
	}
	return s
}

// OutboxByID finds one message.
func (s *Store) OutboxByID(ctx context.Context, id int64) (*model.OutboxMessage, error) {
	var m model.OutboxMessage
	if err := s.q(ctx).Take(&m, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &m, nil
}

// OutboxAttempts lists a message's delivery tries, oldest first.
func (s *Store) OutboxAttempts(ctx context.Context, msgID int64) ([]model.OutboxAttempt, error) {
	var out []model.OutboxAttempt
	err := s.q(ctx).Where("outbox_id = ?", msgID).Order("at, id").Find(&out).Error
	return out, err
}

// OutboxCounts counts messages by status; the three statuses are always
// present, zero when no message has them.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Status string
		N      int64
	}
	err := s.q(ctx).Model(&model.OutboxMessage{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := map[string]int64{OutboxPending: 0, OutboxDelivered: 0, OutboxFailed: 0}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// CountCaseMessages counts the messages about case caseID of event
// enqueued since a moment (sent or not): how often something was sent.
func (s *Store) CountCaseMessages(ctx context.Context, caseID int64, event string, since time.Time) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&model.OutboxMessage{}).Where("case_id = ? AND event = ? AND created_at >= ?", caseID, event, outboxTime(since)).Count(&n).Error
	return n, err
}

// OutboxPendingStat is what waits in one channel: how many messages and
// since when the oldest of them.
type OutboxPendingStat struct {
	Channel string
	Count   int64
	Oldest  time.Time
}

// OutboxPending sums up the pending messages by channel, for the metrics
// scraped every few seconds: one grouped count, then the oldest message of
// each channel found (a handful of channels, each one indexed lookup over
// the pending rows of idx_outbox_pending).
func (s *Store) OutboxPending(ctx context.Context) ([]OutboxPendingStat, error) {
	var rows []struct {
		Channel string
		N       int64
	}
	err := s.q(ctx).Model(&model.OutboxMessage{}).Select("channel, COUNT(*) AS n").
		Where("status = ?", OutboxPending).Group("channel").Order("channel").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]OutboxPendingStat, 0, len(rows))
	for _, r := range rows {
		var oldest []time.Time
		err := s.q(ctx).Model(&model.OutboxMessage{}).Where("status = ? AND channel = ?", OutboxPending, r.Channel).
			Order("created_at, id").Limit(1).Pluck("created_at", &oldest).Error
		if err != nil {
			return nil, err
		}
		st := OutboxPendingStat{Channel: r.Channel, Count: r.N}
		if len(oldest) == 1 {
			st.Oldest = oldest[0]
		}
		out = append(out, st)
	}
	return out, nil
}

// OutboxFilter picks messages for the operator's list: of one status
// (pending or failed) and, when set, one channel; newest first, a page at
// a time.
type OutboxFilter struct {
	Status  string
	Channel string
	Page    int // from 1
	PerPage int
}

// OutboxList returns the page of messages f picks and how many match in
// all. The bodies are left out: the list never shows them.
func (s *Store) OutboxList(ctx context.Context, f OutboxFilter) ([]model.OutboxMessage, int64, error) {
	picked := func() *gorm.DB {
		q := s.q(ctx).Model(&model.OutboxMessage{}).Where("status = ?", f.Status)
		if f.Channel != "" {
			q = q.Where("channel = ?", f.Channel)
		}
		return q
	}
	var total int64
	if err := picked().Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var out []model.OutboxMessage
	err := picked().Omit("body").Order("id DESC").Offset((max(f.Page, 1) - 1) * f.PerPage).Limit(f.PerPage).Find(&out).Error
	return out, total, err
}

// RetryOutbox makes message id due at now again with a fresh count of
// attempts (its tries stay in outbox_attempts): a failed message becomes
// pending, a pending one waiting out its back-off is due at once. It
// reports false, changing nothing, when the message is delivered or is
// being delivered right now (leased): resetting it then could send it twice.
func (s *Store) RetryOutbox(ctx context.Context, id int64, now time.Time) (bool, error) {
	now = outboxTime(now)
	res := s.q(ctx).Exec(`UPDATE outbox SET status = ?, attempts = 0, next_attempt_at = ?, locked_until = NULL
WHERE id = ? AND status IN (?, ?) AND (locked_until IS NULL OR locked_until < ?)`,
		OutboxPending, now, id, OutboxPending, OutboxFailed, now)
	return res.RowsAffected == 1, res.Error
}
