package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/database"
)

// TxRetries counts, process-wide, the transactions run again after the
// database refused them for a conflict with another one: a deadlock, a lock
// wait timeout, or on a Galera cluster a certification failure, which is how
// a write that raced one on another node is refused (database.IsRetryable).
// It moves once per retry, so one transaction tried three times adds two. It
// is exported as honestmeasure_db_tx_retries_total (internal/metrics): a
// steady rate is normal on a cluster under concurrent writes to the same
// rows (the audit head); a rising one means contention is growing.
var TxRetries atomic.Uint64

// TxGaveUp counts the transactions whose last attempt still failed with a
// retryable error — all attempts used, or the caller's context ended while
// waiting to retry — so the caller got that error (a 503 at the edge).
// Exported as honestmeasure_db_tx_given_up_total; anything above 0 is
// worth an alert.
var TxGaveUp atomic.Uint64

// The retry policy: at most txAttempts runs of the transaction, waiting
// between them a back-off that starts at txBackoffMin, doubles and stops
// growing at txBackoffMax, each wait drawn at random between half and all
// of it so that the transactions that collided do not collide again in
// step.
const (
	txAttempts   = 10
	txBackoffMin = 10 * time.Millisecond
	txBackoffMax = 500 * time.Millisecond
)

// Tx runs fn in one transaction: everything fn writes is stored, or nothing.
//
// When the database refuses the transaction because it conflicted with
// another (database.IsRetryable: a deadlock, a lock wait timeout, a Galera
// certification failure, including one reported at COMMIT), Tx rolls back
// and calls fn again in a new transaction, up to txAttempts times in all.
// So fn may run more than once, and must be written for it:
//   - everything it does goes through tx (the outbox rows, the audit
//     entries): a rolled-back attempt then leaves nothing behind;
//   - it sends nothing (no e-mail, SMS or HTTP call): that is the outbox
//     worker's job, after commit;
//   - what it collects into variables declared outside the closure it
//     resets at its start, or the second run appends to the first's.
//
// Rows fn creates with GORM from structs whose primary key the database
// assigns get that key back as zero when the attempt is rolled back
// (trackCreatedKeys), so the next attempt inserts them afresh instead of
// with the id of a row that does not exist.
//
// Only the outermost Tx retries. Called on a Store that is already a
// transaction (the tx given to fn, or a Store on a *gorm.DB in a
// transaction), Tx runs fn in a savepoint and returns its error: a deadlock
// has already rolled back the whole transaction on the server, so only the
// outermost level can run it again.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	if s.inTx() {
		return s.nestedTx(ctx, fn)
	}
	backoff := txBackoffMin
	for attempt := 1; ; attempt++ {
		err := s.attempt(ctx, fn)
		if err == nil || !database.IsRetryable(err) {
			return err
		}
		if attempt == txAttempts {
			TxGaveUp.Add(1)
			return fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		backoff = min(2*backoff, txBackoffMax)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			TxGaveUp.Add(1)
			return fmt.Errorf("%w (not retried: %w)", err, ctx.Err())
		case <-t.C:
		}
		TxRetries.Add(1)
	}
}

// inTx reports whether s runs inside a transaction.
func (s *Store) inTx() bool {
	_, ok := s.db.Statement.ConnPool.(gorm.TxCommitter)
	return ok
}

// attempt runs fn once in a new transaction.
func (s *Store) attempt(ctx context.Context, fn func(tx *Store) error) error {
	created := &createdKeys{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		pool := tx.Statement.ConnPool
		openTxs.Store(pool, created)
		defer openTxs.Delete(pool)
		return fn(&Store{db: tx, scanStmts: s.scanStmts})
	})
	if err != nil {
		created.resetFrom(0)
	}
	return err
}

// nestedTx runs fn in a savepoint of the transaction s already is.
func (s *Store) nestedTx(ctx context.Context, fn func(tx *Store) error) error {
	created, _ := openTxs.Load(s.db.Statement.ConnPool)
	mark := 0
	if c, ok := created.(*createdKeys); ok {
		mark = c.len()
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&Store{db: tx, scanStmts: s.scanStmts})
	})
	if c, ok := created.(*createdKeys); ok && err != nil {
		c.resetFrom(mark) // rolled back to the savepoint: those rows are gone
	}
	return err
}

// openTxs maps each open transaction Tx started (its *sql.Tx, which every
// statement inside it carries as its ConnPool however the *gorm.DB was
// derived) to the keys created in it.
var openTxs sync.Map

// createdKeys remembers the primary key fields that GORM is about to fill in
// with database-assigned values during one transaction, so that they can
// be set back to zero if the transaction rolls back.
type createdKeys struct {
	mu     sync.Mutex
	resets []func()
}

func (c *createdKeys) add(f func()) {
	c.mu.Lock()
	c.resets = append(c.resets, f)
	c.mu.Unlock()
}

func (c *createdKeys) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.resets)
}

func (c *createdKeys) resetFrom(mark int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.resets[mark:] {
		f()
	}
	c.resets = c.resets[:mark]
}

// trackCreatedKeys registers, once per *gorm.DB, the create callback behind
// Tx's promise about primary keys. Without it a retried transaction that
// does tx.Create(&row) finds row.ID set from the rolled-back attempt and
// GORM inserts the row with that explicit id (taking an id the cluster may
// since have given another node's row) or, through Save, updates a row that
// does not exist. Only keys that are zero before the INSERT (so assigned by
// the database) are reset; a key the caller chose is left alone.
func trackCreatedKeys(db *gorm.DB) {
	const name = "hm:track_created_keys"
	if db.Callback().Create().Get(name) != nil {
		return
	}
	_ = db.Callback().Create().Before("gorm:create").Register(name, func(db *gorm.DB) {
		v, ok := openTxs.Load(db.Statement.ConnPool)
		if !ok || db.Statement.Schema == nil {
			return
		}
		pk := db.Statement.Schema.PrioritizedPrimaryField
		if pk == nil || !pk.HasDefaultValue {
			return
		}
		created, ctx := v.(*createdKeys), db.Statement.Context
		track := func(rv reflect.Value) {
			if reflect.Indirect(rv).Kind() != reflect.Struct {
				return
			}
			if _, zero := pk.ValueOf(ctx, rv); zero {
				created.add(func() { _ = pk.Set(ctx, rv, nil) })
			}
		}
		switch rv := db.Statement.ReflectValue; rv.Kind() {
		case reflect.Struct:
			track(rv)
		case reflect.Slice, reflect.Array:
			for i := 0; i < rv.Len(); i++ {
				track(rv.Index(i))
			}
		}
	})
}
