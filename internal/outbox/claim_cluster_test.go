package outbox_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/storage"
)

// TestClaimsOnThreeNodesNeverShareARow: nine claimers, three on each node
// of a Galera cluster, claim the same due messages at once. Row locks do
// not hold across nodes, so two nodes may both lock a row; certification
// then fails one commit (error 1213), and only the winner's claim counts.
// Each message must be claimed exactly once. Lost races are logged: once
// storage.Tx retries a failed certification itself, they no longer reach
// the caller. On MariaDB Galera 10.11.14 this fails in some runs: one of
// two claims of the same batch is rolled back by its node without an error
// to the client (docs/scale-out.md, "Known issue").
func TestClaimsOnThreeNodesNeverShareARow(t *testing.T) {
	const rows, perNode, limit = 90, 3, 5
	dbs := dbtest.OpenGalera(t)
	stores := make([]*storage.Store, len(dbs))
	for i, db := range dbs {
		stores[i] = storage.New(db)
	}
	base := time.Now().UTC().Truncate(time.Millisecond)
	var msgs []model.OutboxMessage
	for range rows {
		msgs = append(msgs, at(base, outbox.Email("a@example.cn", "s", "b", nil, "e")))
	}
	ctx := context.Background()
	if err := stores[0].Tx(ctx, func(tx *storage.Store) error { return tx.Enqueue(ctx, msgs...) }); err != nil {
		t.Fatal(err)
	}
	// Every node has applied the messages before the race starts.
	for i, db := range dbs {
		deadline := time.Now().Add(10 * time.Second)
		for {
			var n int64
			if err := db.Model(&model.OutboxMessage{}).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n == rows {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d sees %d of %d messages after 10 s", i+1, n, rows)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	var (
		mu     sync.Mutex
		seen   = map[int64][]int{} // message → claimers that got it
		lost   = make([]int, len(dbs))
		others []error
		wg     sync.WaitGroup
	)
	start := make(chan struct{})
	retriesBefore := storage.TxRetries.Load()
	deadline := time.Now().Add(30 * time.Second)
	for c := range perNode * len(dbs) {
		node := c % len(dbs)
		wg.Go(func() {
			<-start
			for time.Now().Before(deadline) {
				got, err := stores[node].ClaimDue(ctx, base, time.Hour, limit)
				var my *mysqldrv.MySQLError
				switch {
				case errors.As(err, &my) && (my.Number == 1213 || my.Number == 1205):
					mu.Lock()
					lost[node]++
					mu.Unlock()
					continue
				case err != nil:
					mu.Lock()
					others = append(others, err)
					mu.Unlock()
					return
				}
				mu.Lock()
				for _, m := range got {
					seen[m.ID] = append(seen[m.ID], c)
				}
				done := len(seen) == rows
				mu.Unlock()
				if done {
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	for _, err := range others {
		t.Errorf("claim failed: %v", err)
	}
	if len(seen) != rows {
		t.Errorf("%d of %d messages claimed within 30 s", len(seen), rows)
	}
	twice := 0
	for id, by := range seen {
		if len(by) != 1 {
			twice++
			nodes := make([]int, len(by))
			for i, c := range by {
				nodes[i] = c%len(dbs) + 1
			}
			t.Errorf("message %d claimed by %d claimers %v, on nodes %v: both claims committed", id, len(by), by, nodes)
		}
	}
	if twice > 0 {
		t.Errorf("%d messages claimed twice: their workers would both deliver them", twice)
	}
	t.Logf("%d messages claimed once each by %d claimers on %d nodes; claims run again by storage.Tx: %d; lost certification races that reached the caller, per node: %v",
		len(seen), perNode*len(dbs), len(dbs), storage.TxRetries.Load()-retriesBefore, lost)
}
