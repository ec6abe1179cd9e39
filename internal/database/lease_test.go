package database

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
)

// These tests shorten the lease timings, so they live inside the package
// and open SQLite themselves (dbtest imports this package); the lease's
// statements are the same on MySQL, where the cluster test in
// migrate_test.go exercises them.

func openLeaseDB(t *testing.T) *gorm.DB {
	t.Helper()
	db, err := Open(context.Background(), Options{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "lease.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	return db
}

func shortLease(t *testing.T) {
	ttl, renew, wait, poll := leaseTTL, leaseRenew, leaseWait, leasePoll
	leaseTTL, leaseRenew, leaseWait, leasePoll = 600*time.Millisecond, 100*time.Millisecond, 1500*time.Millisecond, 20*time.Millisecond
	t.Cleanup(func() { leaseTTL, leaseRenew, leaseWait, leasePoll = ttl, renew, wait, poll })
}

// A migrator that finds the lease held, and renewed, by another waits for
// it, then gives up with an error naming the holder; it migrated nothing.
func TestMigrateWaitsForALiveLeaseThenRefuses(t *testing.T) {
	shortLease(t)
	ctx := context.Background()
	db := openLeaseDB(t)
	other, err := takeMigrateLease(ctx, db, nil)
	if err != nil || other == nil {
		t.Fatalf("take: %v", err)
	}
	defer other.release()
	applied, err := Migrate(ctx, db)
	if err == nil || !strings.Contains(err.Error(), other.holder) {
		t.Fatalf("Migrate under another's lease: %d applied, %v; want an error naming %s", applied, err, other.holder)
	}
	if v, _ := Version(ctx, db); v != 0 || applied != 0 {
		t.Errorf("schema version %d, %d applied, want nothing", v, applied)
	}
}

// A holder that died stops renewing: its lease lapses and the next
// migrator takes it.
func TestMigrateTakesALapsedLease(t *testing.T) {
	shortLease(t)
	ctx := context.Background()
	db := openLeaseDB(t)
	dead, err := takeMigrateLease(ctx, db, nil)
	if err != nil || dead == nil {
		t.Fatalf("take: %v", err)
	}
	close(dead.stop) // the process died: no renewal, no release
	<-dead.done
	applied, err := Migrate(ctx, db)
	if err != nil || applied != LatestVersion() {
		t.Fatalf("Migrate after the lease lapsed: %d applied, %v", applied, err)
	}
}

// The holder keeps its lease past the TTL by renewing it, and releasing
// it lets the next one in at once.
func TestMigrateLeaseIsRenewedAndReleased(t *testing.T) {
	shortLease(t)
	ctx := context.Background()
	db := openLeaseDB(t)
	first, err := takeMigrateLease(ctx, db, nil)
	if err != nil || first == nil {
		t.Fatalf("take: %v", err)
	}
	time.Sleep(2 * leaseTTL)
	if err := first.check(); err != nil {
		t.Fatal(err)
	}
	res := db.Exec("UPDATE schema_migrate_lease SET holder = 'x' WHERE id = 1 AND (holder = '' OR expires_at < ?)", time.Now().UTC())
	if res.Error != nil || res.RowsAffected != 0 {
		t.Fatalf("a renewed lease was free to take: %v, %d rows", res.Error, res.RowsAffected)
	}
	first.release()
	second, err := takeMigrateLease(ctx, db, nil)
	if err != nil || second == nil {
		t.Fatalf("take after release: %v", err)
	}
	second.release()
}

// A holder whose lease lapsed and was taken notices at its next renewal
// and stops before the next migration.
func TestMigrateLeaseLostIsNoticed(t *testing.T) {
	shortLease(t)
	ctx := context.Background()
	db := openLeaseDB(t)
	l, err := takeMigrateLease(ctx, db, nil)
	if err != nil || l == nil {
		t.Fatalf("take: %v", err)
	}
	defer l.release()
	if err := db.Exec("UPDATE schema_migrate_lease SET holder = 'someone else' WHERE id = 1").Error; err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * leaseRenew); l.check() == nil; time.Sleep(leaseRenew / 4) {
		if time.Now().After(deadline) {
			t.Fatal("the lost lease went unnoticed")
		}
	}
}
