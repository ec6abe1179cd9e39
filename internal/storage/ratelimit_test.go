package storage_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/storage"
)

// Fifty attempts at once against a limit of five: exactly five get through,
// on every database. Checking first and counting later let nine through.
func TestRateTakeHoldsUnderConcurrency(t *testing.T) {
	st := storage.New(dbtest.Open(t))
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	const attempts, limit = 50, 5
	var allowed atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, attempts)
	for range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := st.RateTake(ctx, "test:concurrent", time.Hour, limit, now)
			if err != nil {
				errs <- err
				return
			}
			if !s.Blocked {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := allowed.Load(); got != limit {
		t.Fatalf("%d of %d concurrent attempts allowed, want exactly %d", got, attempts, limit)
	}
}

func TestRateTakeWindowAndRefund(t *testing.T) {
	st := storage.New(dbtest.Open(t))
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	take := func(at time.Time) storage.RateStatus {
		t.Helper()
		s, err := st.RateTake(ctx, "test:seq", time.Hour, 3, at)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for i := 1; i <= 3; i++ {
		if s := take(now); s.Blocked {
			t.Fatalf("attempt %d of 3 refused", i)
		}
	}
	s := take(now.Add(10 * time.Minute))
	if !s.Blocked || s.RetryAfter != 50*time.Minute {
		t.Fatalf("fourth attempt: %+v, want blocked for 50 minutes", s)
	}
	if c, _ := st.RateCheck(ctx, "test:seq", now); !c.Blocked {
		t.Fatal("RateCheck does not see the full bucket")
	}
	if err := st.RateRefund(ctx, "test:seq"); err != nil {
		t.Fatal(err)
	}
	if s := take(now.Add(11 * time.Minute)); s.Blocked {
		t.Fatal("a refunded attempt was not given back")
	}
	if s := take(now.Add(12 * time.Minute)); !s.Blocked {
		t.Fatal("the refund gave back more than one attempt")
	}
	if s := take(now.Add(time.Hour)); s.Blocked || s.Hits != 1 {
		t.Fatalf("a new window: %+v, want allowed as its first attempt", s)
	}
}

func TestPurgeForgetsOldBuckets(t *testing.T) {
	st := storage.New(dbtest.Open(t))
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for _, b := range []string{"old:1", "old:2"} {
		if _, err := st.RateTake(ctx, b, time.Hour, 5, now.Add(-storage.RateKeep-time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.RateTake(ctx, "recent", time.Hour, 5, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	policy := storage.DelayPolicy{Free: 1, Base: time.Second, Cap: time.Minute, Forget: time.Hour}
	if _, err := st.DelayTake(ctx, "old-delay", policy, now.Add(-storage.RateKeep-time.Minute)); err != nil {
		t.Fatal(err)
	}
	n, err := st.Purge(ctx, now)
	if err != nil || n.RateLimits != 2 || n.RateDelays != 1 {
		t.Fatalf("purged %+v (%v), want the 2 old buckets and the old delay", n, err)
	}
	if s, _ := st.RateTake(ctx, "recent", 2*time.Hour, 2, now); s.Hits != 2 {
		t.Fatalf("the recent bucket was purged too: %+v", s)
	}
}
