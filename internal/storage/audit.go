package storage

import (
	"context"
	"errors"
	"fmt"

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
