package audit_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/storage"
)

// Appends racing on every node of a Galera cluster. Row locks do not hold
// across nodes, so two nodes may both read the same audit head; the one
// certified second fails (1213) and storage.Tx runs it again on the new
// head. Whatever the interleaving, the log stays one chain: every append
// reported as done is in it once, none forks from the same parent, and
// Verify passes on every node. An append that exhausts its retries returns
// an error and is not in the log.
func TestAuditAppendsRaceAcrossClusterNodes(t *testing.T) {
	for _, perNode := range []int{4, 8} {
		t.Run(fmt.Sprintf("%d per node", perNode), func(t *testing.T) {
			appendRace(t, perNode, 20)
		})
	}
}

func appendRace(t *testing.T, perNode, each int) {
	ctx := context.Background()
	dbs := dbtest.OpenGalera(t)
	stores := make([]*storage.Store, len(dbs))
	for i, db := range dbs {
		stores[i] = storage.New(db)
	}
	retries, gaveUp := storage.TxRetries.Load(), storage.TxGaveUp.Load()
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for n, st := range stores {
		for w := 0; w < perNode; w++ {
			wg.Add(1)
			go func(base int) {
				defer wg.Done()
				for i := 0; i < each; i++ {
					if err := testLog.Record(ctx, st, event(base+i)); err != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err)
						continue
					}
					ok.Add(1)
				}
			}((n*perNode + w) * each)
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	// A commit is certified cluster-wide before it returns, but the other
	// nodes apply it a moment later (node 1 too, for the others' appends):
	// wait until every node has the same head.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		heads := map[int64]bool{}
		for _, st := range stores {
			id, _, err := st.AuditHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			heads[id] = true
		}
		if len(heads) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the nodes' audit heads still differ after 10 s: %v", heads)
		}
	}
	t.Logf("%d nodes × %d appenders × %d appends: %d stored, %d failed, %d retries, %d given up, in %v",
		len(stores), perNode, each, ok.Load(), failed.Load(),
		storage.TxRetries.Load()-retries, storage.TxGaveUp.Load()-gaveUp, elapsed.Round(time.Millisecond))
	if e := firstErr.Load(); e != nil {
		t.Logf("first error: %v", e)
	}
	// Every entry is an append reported as done, once: an attempt rolled
	// back (and retried) must have left nothing, even partly.
	es := entries(t, stores[0])
	children, hashes, events := map[string]int{}, map[string]int{}, map[time.Time][]int64{}
	for _, e := range es {
		children[e.PrevHash]++
		hashes[e.Hash]++
		events[e.At.UTC()] = append(events[e.At.UTC()], e.ID)
	}
	if int64(len(es)) != ok.Load() || len(events) != len(es) {
		t.Errorf("%d entries of %d distinct events for %d appends that succeeded", len(es), len(events), ok.Load())
		for at, ids := range events {
			if len(ids) > 1 {
				t.Logf("the event at %v is stored as entries %v", at, ids)
			}
		}
	}
	if len(children) != len(es) || len(hashes) != len(es) {
		t.Errorf("%d entries, %d distinct prev_hash and %d distinct hash values: the chain forked or repeats",
			len(es), len(children), len(hashes))
	}
	for i, st := range stores {
		if r := verify(t, st); !r.OK || r.Entries != ok.Load() {
			t.Errorf("node %d: %+v, want OK with the %d appends that succeeded", i+1, r, ok.Load())
		}
	}
	if ok.Load() == 0 {
		t.Error("no append succeeded")
	}
}
