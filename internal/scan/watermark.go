package scan

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"honestmeasure/internal/storage"
)

// Watermark polls the database's public change counters (storage.PublicRevs,
// one per slot of units) for one instance, so that a scan of a page already
// cached here needs no query at all while nothing it shows has changed.
//
// The bound: a change committed on any instance is shown by every instance
// within Window (1 s). A page is served unqueried only when the reading in
// hand comes from a poll that started less than Window ago and its unit's
// counter still has the value it had when the page was last checked
// against the database (PageCache.Get). A change committed before a poll
// started is in that poll's reading (on Galera through causal reads, see
// storage.PublicChangeReader), so it stops the page at that poll; if no
// such poll completes — the database is down, the poller is stuck — the
// reading ages past Window within Window of the change, and every scan goes
// back to the one-query validation (storage.ScanStamp) of a cache without
// a watermark. Correctness never depends on the poller running; only the
// saving does. Polling every Interval (250 ms) makes the usual delay a
// quarter of a second plus the query.
//
// A page is marked with the reading taken before the query that found it
// current, never one taken after: a change committed between the two would
// be counted in the later reading but might be missing from the page.
//
// It lives here, beside PageCache, because it is only about when a cached
// page may be trusted; the SQL is in storage.
type Watermark struct {
	reader   *storage.PublicChangeReader
	logger   *slog.Logger
	Interval time.Duration
	Window   time.Duration
	latest   atomic.Pointer[Reading]
	failing  atomic.Bool
}

// Default poll interval and freshness window.
const (
	WatermarkInterval = 250 * time.Millisecond
	WatermarkWindow   = time.Second
)

// Reading is one poll's counters and when the poll started (the monotonic
// clock of this process, never the application's clock, which tests move).
type Reading struct {
	revs   storage.PublicRevs
	At     time.Time
	window time.Duration
}

// Rev is the counter of unitID's slot.
func (r *Reading) Rev(unitID int64) int64 { return r.revs[storage.PublicSlot(unitID)] }

// Fresh reports whether the reading may stand for the database at now: its
// poll started less than the window ago. A nil reading is never fresh.
func (r *Reading) Fresh(now time.Time) bool {
	return r != nil && now.Sub(r.At) < r.window
}

// NewWatermark returns a poller of st's counters; Run polls.
func NewWatermark(st *storage.Store, logger *slog.Logger) (*Watermark, error) {
	r, err := st.PublicChangeReader()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Watermark{reader: r, logger: logger, Interval: WatermarkInterval, Window: WatermarkWindow}, nil
}

// Poll reads the counters once and, if that worked, makes them the latest
// reading.
func (w *Watermark) Poll(ctx context.Context) error {
	started := time.Now()
	ctx, cancel := context.WithTimeout(ctx, w.Window)
	defer cancel()
	revs, err := w.reader.Read(ctx)
	if err != nil {
		return err
	}
	w.latest.Store(&Reading{revs: revs, At: started, window: w.Window})
	return nil
}

// Run polls every Interval until ctx ends, then releases its connection.
// A failed poll is logged once until one works again; scans meanwhile fall
// back to querying.
func (w *Watermark) Run(ctx context.Context) error {
	defer w.reader.Close()
	tick := time.NewTicker(w.Interval)
	defer tick.Stop()
	for {
		err := w.Poll(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && !w.failing.Swap(true):
			w.logger.Error("scan watermark: polling public changes failed; scans query the database until it works", "err", err)
		case err == nil && w.failing.Swap(false):
			w.logger.Info("scan watermark: polling public changes works again")
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Latest is the last successful reading, fresh or not; nil before the
// first, and for a nil Watermark (an instance without one).
func (w *Watermark) Latest() *Reading {
	if w == nil {
		return nil
	}
	return w.latest.Load()
}

// PollAge is how long ago the last successful poll started; ok is false
// before the first.
func (w *Watermark) PollAge(now time.Time) (age time.Duration, ok bool) {
	r := w.Latest()
	if r == nil {
		return 0, false
	}
	return now.Sub(r.At), true
}
