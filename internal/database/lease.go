package database

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// The migration lease: one row in schema_migrate_lease says which process
// may migrate, until when. It replaces MySQL's GET_LOCK, which on a Galera
// cluster holds only on the node that granted it: two instances starting
// together against two nodes both got the lock and both migrated. A row is
// seen by every node, and two nodes taking it at once write the same row,
// so the cluster's certification lets exactly one of them commit.
//
// The holder renews the lease while it migrates; one that dies stops
// renewing, and its lease lapses after leaseTTL, so a crash never leaves
// the database locked for good. Expiry is judged by each instance's own
// clock: clocks that disagree by more than a few seconds shorten or
// lengthen the lapse by as much, which leaseTTL (six renewals) absorbs.
//
// SQLite takes the same lease, with the same statements: a single file is
// locked by SQLite itself only for one transaction at a time, not for the
// whole list of migrations, and one code path on both engines is the one the
// SQLite test suite exercises on every run.
//
// The table is created with CREATE TABLE IF NOT EXISTS before anything
// else, not by a numbered migration: it must exist before the list of
// migrations can be read safely, and the list stays the one versioned
// history of the schema.
const leaseTableSQL = `CREATE TABLE IF NOT EXISTS schema_migrate_lease (
  id INTEGER NOT NULL PRIMARY KEY,
  holder VARCHAR(100) NOT NULL,
  expires_at {{TS}} NOT NULL
){{TABLE}}`

// Timings of the lease; variables so that the tests can shorten them.
var (
	leaseTTL   = 30 * time.Second // a holder that stops renewing loses the lease after this
	leaseRenew = 5 * time.Second  // how often the holder renews
	leaseWait  = 2 * time.Minute  // how long another migrator waits for it
	leasePoll  = 250 * time.Millisecond
)

// migrateLease is a lease taken by this process.
type migrateLease struct {
	db     *gorm.DB
	holder string
	lost   atomic.Bool // a renewal found the lease taken by someone else
	stop   chan struct{}
	done   chan struct{}
}

// takeMigrateLease creates the lease table if needed and waits, up to
// leaseWait, for the lease to be free or expired, then takes it and keeps
// it renewed until release. up, when not nil, is asked while waiting
// whether there is still anything to do: a migrator that finds the schema
// up to date stops waiting and gets (nil, nil).
func takeMigrateLease(ctx context.Context, db *gorm.DB, up func() bool) (*migrateLease, error) {
	d := DialectOf(db)
	if err := db.WithContext(ctx).Exec(typeNames[d].Replace(leaseTableSQL)).Error; err != nil {
		return nil, fmt.Errorf("cannot create schema_migrate_lease: %w", err)
	}
	insert := "INSERT IGNORE INTO"
	if d == SQLite {
		insert = "INSERT OR IGNORE INTO"
	}
	// The one row, created free. Two nodes creating it at once conflict
	// (1213): the other's row is as good.
	if err := db.WithContext(ctx).Exec(insert+" schema_migrate_lease (id, holder, expires_at) VALUES (1, '', ?)",
		time.Unix(0, 0).UTC()).Error; err != nil && !IsRetryable(err) {
		return nil, fmt.Errorf("cannot create the migration lease: %w", err)
	}
	l := &migrateLease{db: db, holder: leaseHolder(), stop: make(chan struct{}), done: make(chan struct{})}
	deadline := time.Now().Add(leaseWait)
	for {
		// Each statement commits on its own (no transaction): on a
		// cluster, the UPDATE that loses certification to another node's
		// fails or, retried by the server, changes no row.
		now := time.Now().UTC()
		res := db.WithContext(ctx).Exec("UPDATE schema_migrate_lease SET holder = ?, expires_at = ? WHERE id = 1 AND (holder = '' OR expires_at < ?)",
			l.holder, now.Add(leaseTTL), now)
		if res.Error != nil && !IsRetryable(res.Error) {
			return nil, fmt.Errorf("cannot take the migration lease: %w", res.Error)
		}
		if res.Error == nil && res.RowsAffected == 1 {
			go l.renew()
			return l, nil
		}
		if up != nil && up() {
			return nil, nil
		}
		if time.Now().After(deadline) {
			var cur struct {
				Holder    string
				ExpiresAt time.Time
			}
			db.WithContext(ctx).Raw("SELECT holder, expires_at FROM schema_migrate_lease WHERE id = 1").Scan(&cur)
			return nil, fmt.Errorf("another instance (%s) has held the migration lease for over %v and still renews it (until %s): "+
				"wait for it to finish, or stop it; a holder that died loses the lease %v after its last renewal",
				cur.Holder, leaseWait, cur.ExpiresAt.UTC().Format(time.RFC3339), leaseTTL)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(leasePoll):
		}
	}
}

// renew moves the expiry forward every leaseRenew until release.
func (l *migrateLease) renew() {
	defer close(l.done)
	t := time.NewTicker(leaseRenew)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), leaseRenew)
		res := l.db.WithContext(ctx).Exec("UPDATE schema_migrate_lease SET expires_at = ? WHERE id = 1 AND holder = ?",
			time.Now().UTC().Add(leaseTTL), l.holder)
		cancel()
		if res.Error == nil && res.RowsAffected == 0 {
			l.lost.Store(true) // it lapsed and someone else took it
			return
		}
		// An error (the database briefly unreachable) is tried again at
		// the next tick; the lease outlives several missed renewals.
	}
}

// check reports, between two migrations, whether the lease is still ours.
func (l *migrateLease) check() error {
	if l.lost.Load() {
		return errors.New("the migration lease lapsed and another instance took it: migration stopped; start again to finish")
	}
	return nil
}

// release stops renewing and frees the lease for the next migrator.
func (l *migrateLease) release() {
	close(l.stop)
	<-l.done
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l.db.WithContext(ctx).Exec("UPDATE schema_migrate_lease SET holder = '', expires_at = ? WHERE id = 1 AND holder = ?",
		time.Now().UTC(), l.holder)
}

// leaseHolder names this process in the lease: host and pid, for the
// operator reading the error above, and random bytes, so that no two
// processes share a name.
func leaseHolder() string {
	host, _ := os.Hostname()
	var b [6]byte
	_, _ = rand.Read(b[:])
	h := fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	if len(h) > 100 {
		h = h[len(h)-100:]
	}
	return h
}
