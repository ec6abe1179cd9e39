package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"honestmeasure/internal/model"
)

// auditHead is the single row (id = 1) of audit_head: where the chain ends.
type auditHead struct {
	LastID   int64
	LastHash string
}

// AppendAudit adds e to the end of the hash chain: it sets e.PrevHash to the
// hash of the newest entry, lets seal fill in e.Hash (and e.MAC) from it,
// inserts e and moves audit_head to it. Hashing and keying are the caller's
// (the audit package owns the canonical form and the key); storage only
// guarantees that appends are serialised. When s is already a transaction the append joins it (as a
// savepoint), so the entry commits or rolls back with the change it records.
// The head row stays locked until that outer transaction ends, so callers
// should append as the last write of their transaction.
func (s *Store) AppendAudit(ctx context.Context, e *model.AuditEntry, seal func(e *model.AuditEntry)) error {
	return s.Tx(ctx, func(tx *Store) error {
		// Take the write lock on the head row before reading it. An UPDATE
		// is the one statement that locks on both engines: SQLite has no
		// SELECT … FOR UPDATE (the UPDATE makes a deferred transaction take
		// the database write lock now, not after a stale read), and in InnoDB
		// it takes the row's exclusive lock, so a second appender waits here
		// until the first commits instead of reading the same last_hash and
		// forking the chain.
		if err := tx.q(ctx).Exec("UPDATE audit_head SET last_id = last_id WHERE id = 1").Error; err != nil {
			return fmt.Errorf("lock audit_head: %w", err)
		}
		// Read the head with a locking read (FOR UPDATE on MySQL, nothing on
		// SQLite). Under REPEATABLE READ a plain SELECT returns the caller's
		// transaction snapshot, which may predate the append that committed
		// while we waited for the lock; the no-op UPDATE above creates no row
		// version of our own that would make the new value visible.
		var head auditHead
		err := tx.q(ctx).Table("audit_head").Select("last_id", "last_hash").Where("id = ?", 1).
			Clauses(clause.Locking{Strength: "UPDATE"}).Take(&head).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return errors.New("audit_head has no row 1: the audit log cannot be appended to")
		}
		if err != nil {
			return err
		}
		e.ID = 0
		e.PrevHash = head.LastHash
		seal(e)
		if err := tx.q(ctx).Create(e).Error; err != nil {
			return err
		}
		return tx.q(ctx).Exec("UPDATE audit_head SET last_id = ?, last_hash = ? WHERE id = 1", e.ID, e.Hash).Error
	})
}

// AuditEntries returns up to limit entries with id > afterID, oldest first,
// so the whole log can be walked in batches.
func (s *Store) AuditEntries(ctx context.Context, afterID int64, limit int) ([]model.AuditEntry, error) {
	var out []model.AuditEntry
	err := s.q(ctx).Where("id > ?", afterID).Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// AuditHead returns the id and hash of the newest entry as recorded in
// audit_head (0 and 64 zeros for an empty log).
func (s *Store) AuditHead(ctx context.Context) (lastID int64, lastHash string, err error) {
	var head auditHead
	if err := s.q(ctx).Table("audit_head").Select("last_id", "last_hash").Where("id = ?", 1).Take(&head).Error; err != nil {
		return 0, "", notFound(err)
	}
	return head.LastID, head.LastHash, nil
}

// AuditForObject returns the newest entries about one object (a case, a
// unit…), newest first.
func (s *Store) AuditForObject(ctx context.Context, objectType, objectID string, limit int) ([]model.AuditEntry, error) {
	var out []model.AuditEntry
	err := s.q(ctx).Where("object_type = ? AND object_id = ?", objectType, objectID).
		Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// AuditSearchMax is how far back one filter reaches in the admin's viewer:
// AuditSearch counts at most this many matches (plus one, to tell "more")
// and pages no deeper, so neither the count nor the offset ever walks the
// whole log. Older entries are found by narrowing the filter (a date range,
// an object).
const AuditSearchMax = 10000

// AuditFilter narrows the audit log. Every field matches exactly; zero
// values match everything. ObjectType (alone or with ObjectID), Action,
// ActorID and the time range are served by indexes (idx_audit_log_object,
// _action, _actor, _at); ObjectID without ObjectType and Actor have none, so
// on their own they scan the log.
type AuditFilter struct {
	ObjectType string
	ObjectID   string
	Action     string
	ActorID    int64     // the signed-in user who acted
	Actor      string    // the actor as recorded, for entries without a user (a citizen, the system, an unknown login)
	From       time.Time // at >= From
	Until      time.Time // at < Until
	Page       int       // 1-based, at most AuditSearchMax/PerPage
	PerPage    int
}

// AuditSearch returns one page of the entries matching f, newest first, and
// how many match — counted up to AuditSearchMax+1, so a total above
// AuditSearchMax means "more than that".
func (s *Store) AuditSearch(ctx context.Context, f AuditFilter) ([]model.AuditEntry, int64, error) {
	if f.PerPage <= 0 {
		return nil, 0, errors.New("audit search: PerPage must be positive")
	}
	where := func() *gorm.DB {
		q := s.q(ctx).Model(&model.AuditEntry{})
		if f.ObjectType != "" {
			q = q.Where("object_type = ?", f.ObjectType)
		}
		if f.ObjectID != "" {
			q = q.Where("object_id = ?", f.ObjectID)
		}
		if f.Action != "" {
			q = q.Where("action = ?", f.Action)
		}
		if f.ActorID != 0 {
			q = q.Where("actor_user_id = ?", f.ActorID)
		}
		if f.Actor != "" {
			q = q.Where("actor = ?", f.Actor)
		}
		if !f.From.IsZero() {
			q = q.Where("at >= ?", f.From.UTC())
		}
		if !f.Until.IsZero() {
			q = q.Where("at < ?", f.Until.UTC())
		}
		return q
	}
	var total int64
	capped := where().Select("id").Limit(AuditSearchMax + 1)
	if err := s.q(ctx).Table("(?) AS matching", capped).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	page := min(max(f.Page, 1), max(AuditSearchMax/f.PerPage, 1))
	var out []model.AuditEntry
	err := where().Order("id DESC").Offset((page - 1) * f.PerPage).Limit(f.PerPage).Find(&out).Error
	return out, total, err
}

// AuditEntryByID finds one audit entry.
func (s *Store) AuditEntryByID(ctx context.Context, id int64) (*model.AuditEntry, error) {
	var e model.AuditEntry
	if err := s.q(ctx).Take(&e, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &e, nil
}
