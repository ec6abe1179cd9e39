package storage_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/storage"
)

var testDelays = storage.DelayPolicy{Free: 3, Base: 10 * time.Second, Cap: time.Minute, Forget: time.Hour}

func TestDelayPolicyDoublesUpToItsCap(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 0, 2: 0, 3: 10 * time.Second, 4: 20 * time.Second, 5: 40 * time.Second, 6: time.Minute, 60: time.Minute} {
		if got := testDelays.After(n); got != want {
			t.Errorf("After(%d) = %v, want %v", n, got, want)
		}
	}
}

// Fifty attempts at once: the three free ones get through and the fourth
// waits, however the requests interleave.
func TestDelayTakeHoldsUnderConcurrency(t *testing.T) {
	st := storage.New(dbtest.Open(t))
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	var allowed atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := st.DelayTake(ctx, "test:delay", testDelays, now)
			if err != nil {
				errs <- err
			} else if !s.Blocked {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := allowed.Load(); got != 3 {
		t.Fatalf("%d of 50 concurrent attempts allowed, want exactly 3", got)
	}
}

func TestDelayTakeWaitsRefundsAndForgets(t *testing.T) {
	st := storage.New(dbtest.Open(t))
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	take := func(at time.Time) storage.DelayStatus {
		t.Helper()
		s, err := st.DelayTake(ctx, "test:seq", testDelays, at)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for i := 0; i < 3; i++ {
		if s := take(now); s.Blocked {
			t.Fatalf("free attempt %d refused", i+1)
		}
	}
	if s := take(now.Add(4 * time.Second)); !s.Blocked || s.RetryAfter != 6*time.Second {
		t.Fatalf("fourth attempt: %+v, want blocked 6 s more", s)
	}
	s := take(now.Add(10 * time.Second))
	if s.Blocked || s.Failures != 4 {
		t.Fatalf("after the wait: %+v", s)
	}
	// A refund cancels the 20 s delay that attempt started.
	if err := st.DelayRefund(ctx, "test:seq", s.Ticket, now.Add(11*time.Second)); err != nil {
		t.Fatal(err)
	}
	if s := take(now.Add(11 * time.Second)); s.Blocked || s.Failures != 4 {
		t.Fatalf("after a refund: %+v, want the 4th failure again, unblocked", s)
	}
	// A refund whose delay was overtaken by a newer reservation keeps that one's delay.
	older := take(now.Add(60 * time.Second))
	newer := take(now.Add(200 * time.Second))
	if older.Blocked || newer.Blocked {
		t.Fatalf("%+v %+v", older, newer)
	}
	if err := st.DelayRefund(ctx, "test:seq", older.Ticket, now.Add(201*time.Second)); err != nil {
		t.Fatal(err)
	}
	if s := take(now.Add(202 * time.Second)); !s.Blocked {
		t.Fatal("a stale refund cancelled a newer delay")
	}
	if s := take(now.Add(200*time.Second + time.Hour)); s.Blocked || s.Failures != 1 {
		t.Fatalf("an hour later: %+v, want a fresh bucket", s)
	}
	if err := st.DelayReset(ctx, "test:seq"); err != nil {
		t.Fatal(err)
	}
}

func TestOneTimeCodesAreSpentOnceAndGuessedBoundedly(t *testing.T) {
	st := storage.New(dbtest.Open(t))
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	first := &storage.OneTimeCode{Purpose: "signup", Login: "13800000001", CodeHash: "a", ExpiresAt: now.Add(10 * time.Minute), CreatedAt: now}
	if err := st.IssueOneTimeCode(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := &storage.OneTimeCode{Purpose: "signup", Login: "13800000001", CodeHash: "b", ExpiresAt: now.Add(11 * time.Minute), CreatedAt: now.Add(time.Minute)}
	if err := st.IssueOneTimeCode(ctx, second); err != nil {
		t.Fatal(err)
	}
	live, err := st.LiveOneTimeCode(ctx, "signup", "13800000001", now.Add(2*time.Minute))
	if err != nil || live.ID != second.ID {
		t.Fatalf("live code %+v %v, want the second", live, err)
	}
	if _, err := st.LiveOneTimeCode(ctx, "reset", "13800000001", now); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("another purpose: %v", err)
	}
	if _, err := st.LiveOneTimeCode(ctx, "signup", "13800000001", now.Add(12*time.Minute)); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("expired code still live: %v", err)
	}
	var taken atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := st.TakeCodeAttempt(ctx, second.ID, 5); err != nil {
				t.Error(err)
			} else if ok {
				taken.Add(1)
			}
		}()
	}
	wg.Wait()
	if taken.Load() != 5 {
		t.Fatalf("%d guesses reserved of a code allowing 5", taken.Load())
	}
	var spent atomic.Int32
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := st.SpendOneTimeCode(ctx, second.ID, now); err != nil {
				t.Error(err)
			} else if ok {
				spent.Add(1)
			}
		}()
	}
	wg.Wait()
	if spent.Load() != 1 {
		t.Fatalf("a one-time code was spent %d times", spent.Load())
	}
}
