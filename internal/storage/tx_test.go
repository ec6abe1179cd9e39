package storage_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/database"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// deadlock is the error MySQL and MariaDB return for a deadlock victim and
// Galera for a certification failure. The tests that cannot provoke one
// (SQLite has none) return it from fn, as the driver would.
var deadlock = &mysqldrv.MySQLError{Number: 1213, SQLState: [5]byte{'4', '0', '0', '0', '1'},
	Message: "Deadlock found when trying to get lock; try restarting transaction"}

var txLog = func() *audit.Log {
	l, err := audit.New([]byte(strings.Repeat("t", audit.MinKeyLength)))
	if err != nil {
		panic(err)
	}
	return l
}()

func holiday(day int) model.Holiday {
	return model.Holiday{Day: time.Date(2031, 1, day, 0, 0, 0, 0, time.UTC), Kind: model.DayOff, NameZh: "测试", NameEn: "test"}
}

func auditEvent(objectID string) audit.Event {
	return audit.Event{Actor: "system", Action: audit.ActionHolidayChange, ObjectType: audit.ObjectHoliday,
		ObjectID: objectID, At: time.Now()}
}

func holidaysOn(t *testing.T, st *storage.Store, h model.Holiday) []model.Holiday {
	t.Helper()
	var out []model.Holiday
	if err := st.DB().Where("day = ?", h.Day).Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

func auditCount(t *testing.T, st *storage.Store) int {
	t.Helper()
	es, err := st.AuditEntries(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func verifyChain(t *testing.T, st *storage.Store, want int64) {
	t.Helper()
	r, err := txLog.Verify(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK || r.Entries != want {
		t.Fatalf("audit chain: %+v, want OK with %d entries", r, want)
	}
}

// A transaction refused as a deadlock victim is run again from the start,
// and what the failed attempt wrote (a row, an audit entry) is not stored
// twice. The row is built outside the closure, as callers do: its id, set
// by the rolled-back INSERT, must be zero again when fn runs the second
// time, or GORM would insert the row with the id of one that does not exist.
func TestTxRetryRunsTheWholeTransactionAgain(t *testing.T) {
	ctx := context.Background()
	st := storage.New(dbtest.Open(t))
	h := holiday(1)
	var firstID int64
	runs, retries := 0, storage.TxRetries.Load()
	err := st.Tx(ctx, func(tx *storage.Store) error {
		runs++
		if h.ID != 0 {
			t.Errorf("attempt %d starts with the id %d of the rolled-back attempt's row", runs, h.ID)
		}
		if err := tx.DB().Create(&h).Error; err != nil {
			return err
		}
		if err := txLog.Record(ctx, tx, auditEvent("1")); err != nil {
			return err
		}
		if runs == 1 {
			firstID = h.ID
			return deadlock
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Errorf("fn ran %d times, want 2", runs)
	}
	if d := storage.TxRetries.Load() - retries; d < 1 {
		t.Errorf("TxRetries moved by %d, want at least 1", d)
	}
	got := holidaysOn(t, st, h)
	if len(got) != 1 || got[0].ID != h.ID || h.ID == 0 {
		t.Fatalf("stored %+v, want one row with id %d", got, h.ID)
	}
	if database.DialectOf(st.DB()) == database.MySQL && h.ID == firstID {
		t.Errorf("the retry reused the rolled-back attempt's id %d", firstID)
	}
	if n := auditCount(t, st); n != 1 {
		t.Errorf("%d audit entries, want 1", n)
	}
	verifyChain(t, st, 1)
}

// Rows created in a slice get their ids reset too, and a key the caller
// chose is left as it was.
func TestTxRetryResetsOnlyDatabaseAssignedKeys(t *testing.T) {
	ctx := context.Background()
	st := storage.New(dbtest.Open(t))
	batch := []model.Holiday{holiday(2), holiday(3)}
	chosen := holiday(4)
	chosen.ID = 900000
	runs := 0
	err := st.Tx(ctx, func(tx *storage.Store) error {
		runs++
		for _, h := range batch {
			if h.ID != 0 {
				t.Errorf("attempt %d: batch row starts with id %d", runs, h.ID)
			}
		}
		if chosen.ID != 900000 {
			t.Errorf("attempt %d: the chosen id became %d", runs, chosen.ID)
		}
		if err := tx.DB().Create(&batch).Error; err != nil {
			return err
		}
		if err := tx.DB().Create(&chosen).Error; err != nil {
			return err
		}
		if runs == 1 {
			return deadlock
		}
		return nil
	})
	if err != nil || runs != 2 {
		t.Fatalf("Tx: %v after %d runs", err, runs)
	}
	for _, h := range append(batch, chosen) {
		if got := holidaysOn(t, st, h); len(got) != 1 || got[0].ID != h.ID {
			t.Errorf("stored %+v, want one row with id %d", got, h.ID)
		}
	}
}

// Other errors are the caller's: no second run.
func TestTxDoesNotRetryOtherErrors(t *testing.T) {
	st := storage.New(dbtest.Open(t))
	runs := 0
	err := st.Tx(context.Background(), func(tx *storage.Store) error {
		runs++
		return storage.ErrConflict
	})
	if !errors.Is(err, storage.ErrConflict) || runs != 1 {
		t.Fatalf("Tx returned %v after %d runs, want ErrConflict after 1", err, runs)
	}
}

// A transaction that keeps conflicting is given up after ten attempts and
// counted; the caller gets the database's error.
func TestTxRetryGivesUp(t *testing.T) {
	st := storage.New(dbtest.Open(t))
	runs, gaveUp := 0, storage.TxGaveUp.Load()
	err := st.Tx(context.Background(), func(tx *storage.Store) error {
		runs++
		return deadlock
	})
	if !database.IsRetryable(err) || runs != 10 {
		t.Fatalf("Tx returned %v after %d runs, want the deadlock after 10", err, runs)
	}
	if d := storage.TxGaveUp.Load() - gaveUp; d < 1 {
		t.Errorf("TxGaveUp moved by %d, want at least 1", d)
	}
}

// A caller that has stopped waiting is not made to wait for retries.
func TestTxRetryStopsWhenTheContextEnds(t *testing.T) {
	st := storage.New(dbtest.Open(t))
	ctx, cancel := context.WithCancel(context.Background())
	runs := 0
	err := st.Tx(ctx, func(tx *storage.Store) error {
		runs++
		cancel()
		return deadlock
	})
	if !errors.Is(err, context.Canceled) || runs != 1 {
		t.Fatalf("Tx returned %v after %d runs, want context.Canceled after 1", err, runs)
	}
}

// Only the outermost Tx retries: a nested one hands the deadlock up (the
// server has already rolled back everything), and the outer fn, nested
// call included, runs again.
func TestTxNestedHandsTheConflictToTheOutermost(t *testing.T) {
	ctx := context.Background()
	st := storage.New(dbtest.Open(t))
	outer, inner := 0, 0
	err := st.Tx(ctx, func(tx *storage.Store) error {
		outer++
		return tx.Tx(ctx, func(tx *storage.Store) error {
			inner++
			if inner == 1 {
				return deadlock
			}
			return nil
		})
	})
	if err != nil || outer != 2 || inner != 2 {
		t.Fatalf("Tx returned %v with outer fn run %d times and inner %d, want nil, 2 and 2", err, outer, inner)
	}
}

// Two transactions lock two rows in opposite orders: InnoDB kills one as a
// deadlock victim, Tx runs it again, and both end up stored once each,
// with their audit entries in one chain.
func TestTxRetryOnARealDeadlock(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	if database.DialectOf(db) != database.MySQL {
		t.Skip("SQLite serialises writers (BEGIN IMMEDIATE): two transactions cannot deadlock")
	}
	st := storage.New(db)
	a, b := holiday(10), holiday(11)
	for _, h := range []*model.Holiday{&a, &b} {
		if err := st.DB().Create(h).Error; err != nil {
			t.Fatal(err)
		}
	}
	retries := storage.TxRetries.Load()
	var locked sync.WaitGroup
	locked.Add(2)
	var runs atomic.Int32
	work := func(first, second model.Holiday, added model.Holiday, once *sync.Once) error {
		return st.Tx(ctx, func(tx *storage.Store) error {
			runs.Add(1)
			if err := tx.DB().Create(&added).Error; err != nil {
				return err
			}
			if err := tx.DB().Model(&model.Holiday{}).Where("id = ?", first.ID).Update("name_en", "x").Error; err != nil {
				return err
			}
			once.Do(func() { locked.Done(); locked.Wait() }) // first attempt only: both hold their first row
			if err := tx.DB().Model(&model.Holiday{}).Where("id = ?", second.ID).Update("name_en", "y").Error; err != nil {
				return err
			}
			return txLog.Record(ctx, tx, auditEvent(added.Day.Format(time.DateOnly)))
		})
	}
	var onceA, onceB sync.Once
	errs := make(chan error, 2)
	go func() { errs <- work(a, b, holiday(12), &onceA) }()
	go func() { errs <- work(b, a, holiday(13), &onceB) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if runs.Load() < 3 {
		t.Errorf("fn ran %d times: no transaction was run again", runs.Load())
	}
	if d := storage.TxRetries.Load() - retries; d < 1 {
		t.Errorf("TxRetries moved by %d, want at least 1", d)
	}
	for _, day := range []int{12, 13} {
		if got := holidaysOn(t, st, holiday(day)); len(got) != 1 {
			t.Errorf("day %d stored %d times, want once", day, len(got))
		}
	}
	verifyChain(t, st, 2)
}

// On a Galera cluster a row lock taken on one node does not stop another
// node: the same row updated and committed on node 2 while node 1's
// transaction holds it makes node 1's transaction fail (1213, during a
// statement or at COMMIT). Tx runs it again; its row and audit entry are
// stored once.
func TestTxRetryOnGaleraWhenAnotherNodeWritesTheSameRow(t *testing.T) {
	ctx := context.Background()
	dbs := dbtest.OpenGalera(t)
	st1, st2 := storage.New(dbs[0]), storage.New(dbs[1])
	target := holiday(20)
	if err := st1.DB().Create(&target).Error; err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(holidaysOn(t, st2, target)) == 1 })
	retries := storage.TxRetries.Load()
	added := holiday(21)
	runs := 0
	err := st1.Tx(ctx, func(tx *storage.Store) error {
		runs++
		if err := tx.DB().Create(&added).Error; err != nil {
			return err
		}
		if err := txLog.Record(ctx, tx, auditEvent("21")); err != nil {
			return err
		}
		if err := tx.DB().Model(&model.Holiday{}).Where("id = ?", target.ID).Update("name_en", "node 1").Error; err != nil {
			return err
		}
		if runs == 1 {
			// Node 2 does not wait for node 1's lock; its commit is
			// certified first.
			if err := st2.DB().Model(&model.Holiday{}).Where("id = ?", target.ID).Update("name_en", "node 2").Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Errorf("fn ran %d times, want 2", runs)
	}
	if d := storage.TxRetries.Load() - retries; d < 1 {
		t.Errorf("TxRetries moved by %d, want at least 1", d)
	}
	if got := holidaysOn(t, st1, target); len(got) != 1 || got[0].NameEn != "node 1" {
		t.Errorf("target row %+v, want node 1's retried write", got)
	}
	if got := holidaysOn(t, st1, added); len(got) != 1 || got[0].ID != added.ID {
		t.Errorf("added row stored as %+v, want once with id %d", got, added.ID)
	}
	verifyChain(t, st1, 1)
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the cluster did not converge within 10 s")
		}
	}
}
