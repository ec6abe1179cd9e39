package photos

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"honestmeasure/internal/photos/phototest"
)

func bytesOf(b []byte) func() ([]byte, error) { return func() ([]byte, error) { return b, nil } }

// TestLimiterBoundsConcurrentBombs: sixteen goroutines push bombs just
// under the per-photo maximum through a Limiter with room for about one
// and a half of them. All finish (no deadlock between the read
// reservation and the budget), the memory held never exceeds the
// Limiter's, and the Go heap stays within it plus the collector's slack.
func TestLimiterBoundsConcurrentBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes about 1.5 GB of pixels")
	}
	opt := Options{MaxMemory: 40 << 20}
	var bombs [][]byte
	for _, b := range thresholdBombs(opt) {
		bombs = append(bombs, b.Make(b.Side))
	}
	l := NewLimiter(64<<20, 40<<20, 4)
	if l.Slots() != 3 { // 1 + (64-40)/10.5: with two file reservations held, a 40 MB photo still fits
		t.Fatalf("slots = %d, want 3", l.Slots())
	}
	var (
		wg      sync.WaitGroup
		maxHeld atomic.Int64
		stop    = make(chan struct{})
	)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				if n := l.mem.inUse(); n > maxHeld.Load() {
					maxHeld.Store(n)
				}
				time.Sleep(time.Millisecond)
			}
		}
	}()
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := l.Process(context.Background(), bytesOf(bombs[g%len(bombs)]), opt)
			errs <- err
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(3 * time.Minute):
		t.Fatal("deadlock: photos still waiting after 3 minutes")
	}
	close(stop)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("bomb under the limit refused: %v", err)
		}
	}
	if n := maxHeld.Load(); n > l.Memory() {
		t.Errorf("held %d bytes at once, limiter has %d", n, l.Memory())
	}
	if n := l.mem.inUse(); n != 0 {
		t.Errorf("%d bytes still held after every photo finished", n)
	}
	t.Logf("max held %.1f MB of %d MB", float64(maxHeld.Load())/(1<<20), l.Memory()>>20)
}

// TestLimiterReadsOnlyWithASlot: an upload is read only once a slot is
// free, and a waiter whose context ends gives up without reading.
func TestLimiterReadsOnlyWithASlot(t *testing.T) {
	l := NewLimiter(64<<20, 32<<20, 1)
	small := encodeJPEG(t, quadImage(40, 30), 90)
	release := make(chan struct{})
	entered := make(chan struct{})
	go func() {
		_, _ = l.Process(context.Background(), func() ([]byte, error) {
			close(entered)
			<-release
			return small, nil
		}, Options{})
	}()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var read atomic.Bool
	_, err := l.Process(ctx, func() ([]byte, error) { read.Store(true); return small, nil }, Options{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting past the deadline: %v, want context.DeadlineExceeded", err)
	}
	if read.Load() {
		t.Fatal("upload read while no slot was free")
	}
	close(release)
	if _, err := l.Process(context.Background(), bytesOf(small), Options{}); err != nil {
		t.Fatalf("after the slot is free: %v", err)
	}
}

// TestLimiterCapsPerPhoto: a Limiter smaller than the per-photo default
// refuses what could never fit in it, instead of waiting for ever.
func TestLimiterCapsPerPhoto(t *testing.T) {
	l := NewLimiter(32<<20, DefaultMaxMemory, 2)
	bomb := phototest.PNGHeader(phototest.PNGSpec{W: 2000, H: 2000, ColorType: phototest.RGBA, Depth: 16}) // ~50 MB
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := l.Process(ctx, bytesOf(bomb), Options{})
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindTooManyPixels {
		t.Fatalf("got %v, want KindTooManyPixels", err)
	}
}

// TestWeightedFIFO: a large request is served before smaller ones that
// came after it, and a cancelled waiter lets those behind it through.
func TestWeightedFIFO(t *testing.T) {
	s := newWeighted(10)
	ctx := context.Background()
	if err := s.acquire(ctx, 6); err != nil {
		t.Fatal(err)
	}
	bigDone := make(chan struct{})
	go func() { _ = s.acquire(ctx, 8); close(bigDone) }()
	time.Sleep(20 * time.Millisecond)
	smallDone := make(chan struct{})
	go func() { _ = s.acquire(ctx, 2); close(smallDone) }()
	select {
	case <-smallDone:
		t.Fatal("a small request overtook a waiting large one")
	case <-time.After(50 * time.Millisecond):
	}
	s.release(6)
	<-bigDone
	s.release(8)
	<-smallDone
	s.release(2)

	if err := s.acquire(ctx, 10); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	gaveUp := make(chan error)
	go func() { gaveUp <- s.acquire(cctx, 9) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled acquire: %v", err)
	}
	s.release(10)
	if got := s.inUse(); got != 0 {
		t.Fatalf("in use after all released: %d", got)
	}
}
