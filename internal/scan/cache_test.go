package scan

import (
	"bytes"
	"testing"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/storage"
)

func TestPageCacheServesOnlyCurrentPages(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, model.Zone)
	key := PageKey{Ref: qr.Ref{Kind: model.QRUnit, ID: 7, Version: 1}, Lang: "zh-CN"}
	stamp := storage.ScanStamp{UnitID: 7, PublicRev: 3}
	tests := []struct {
		name  string
		stamp storage.ScanStamp
		at    time.Time
		want  bool
	}{
		{"same revision, same day", stamp, now, true},
		{"unit changed since", storage.ScanStamp{UnitID: 7, PublicRev: 4}, now, false},
		{"code replaced since", storage.ScanStamp{UnitID: 7, PublicRev: 3, Revoked: true}, now, false},
		{"another unit (ID reused after a restore)", storage.ScanStamp{UnitID: 8, PublicRev: 3}, now, false},
		{"midnight passed", stamp, now.Add(14 * time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewPageCache(1 << 20)
			c.Put(key, &CachedPage{UnitID: 7, Rev: 3, Expires: (&PublicUnit{}).StableUntil(now), Gzip: []byte("page")})
			if got := c.Get(key, tt.stamp, tt.at, nil) != nil; got != tt.want {
				t.Fatalf("served: %v, want %v", got, tt.want)
			}
			if !tt.want && c.Len() != 0 {
				t.Fatal("a stale page was kept")
			}
		})
	}
}

// TestPageCacheUnqueried: a page is sent without a query only on a fresh
// reading in which its unit's counter is where it was when a query last
// found the page current.
func TestPageCacheUnqueried(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, model.Zone)
	wall := time.Now()
	key := PageKey{Ref: qr.Ref{Kind: model.QRUnit, ID: 7, Version: 1}, Lang: "zh-CN"}
	reading := func(age time.Duration, bump ...int64) *Reading {
		r := &Reading{At: wall.Add(-age), window: WatermarkWindow}
		r.revs[storage.PublicSlot(7)] = 5
		for _, unit := range bump {
			r.revs[storage.PublicSlot(unit)]++
		}
		return r
	}
	tests := []struct {
		name   string
		marked *Reading // the reading the page was validated after (nil: none)
		now    *Reading
		at     time.Time
		want   bool
	}{
		{"fresh, nothing changed", reading(0), reading(100 * time.Millisecond), now, true},
		{"cached without a watermark", nil, reading(0), now, false},
		{"no reading yet", reading(0), nil, now, false},
		{"reading older than the window", reading(0), reading(WatermarkWindow), now, false},
		{"the unit's slot moved", reading(0), reading(0, 7), now, false},
		{"a unit of the same slot moved", reading(0), reading(0, 7+storage.PublicSlots), now, false},
		{"another slot moved", reading(0), reading(0, 8), now, true},
		{"midnight passed", reading(0), reading(0), now.Add(14 * time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewPageCache(1 << 20)
			p := &CachedPage{UnitID: 7, Rev: 3, Expires: (&PublicUnit{}).StableUntil(now), Gzip: []byte("page")}
			p.Mark(tt.marked)
			c.Put(key, p)
			if got := c.Unqueried(key, tt.now, wall, tt.at) != nil; got != tt.want {
				t.Fatalf("served without a query: %v, want %v", got, tt.want)
			}
			if got := c.UnqueriedHits(); got != map[bool]uint64{true: 1}[tt.want] {
				t.Fatalf("unqueried hits %d", got)
			}
		})
	}
	// A query that finds the page current after its slot moved (another
	// unit changed) marks it again: the next scans skip the query.
	c := NewPageCache(1 << 20)
	p := &CachedPage{UnitID: 7, Rev: 3, Expires: (&PublicUnit{}).StableUntil(now), Gzip: []byte("page")}
	p.Mark(reading(0))
	c.Put(key, p)
	moved := reading(0, 7+storage.PublicSlots)
	if c.Unqueried(key, moved, wall, now) != nil {
		t.Fatal("served after its slot moved")
	}
	if c.Get(key, storage.ScanStamp{UnitID: 7, PublicRev: 3}, now, moved) == nil {
		t.Fatal("the query found the page current; Get refused it")
	}
	if c.Unqueried(key, moved, wall, now) == nil {
		t.Fatal("not served without a query after the query marked it")
	}
}

func TestPageCacheStaysWithinItsLimit(t *testing.T) {
	page := bytes.Repeat([]byte("x"), 1800)
	c := NewPageCache(100 * 2000)
	for id := int64(1); id <= 1000; id++ {
		c.Put(PageKey{Ref: qr.Ref{Kind: model.QRInstrument, ID: id, Version: 1}, Lang: "zh-CN"}, &CachedPage{UnitID: 1, Expires: time.Unix(1<<40, 0), Gzip: page})
		if c.Size() > 100*2000 {
			t.Fatalf("after %d pages the cache holds %d bytes, limit %d", id, c.Size(), 100*2000)
		}
	}
	if c.Len() < 90 {
		t.Fatalf("only %d pages kept; room for about 100", c.Len())
	}
	// The newest page is always there.
	k := PageKey{Ref: qr.Ref{Kind: model.QRInstrument, ID: 1000, Version: 1}, Lang: "zh-CN"}
	if c.Get(k, storage.ScanStamp{UnitID: 1}, time.Time{}, nil) == nil {
		t.Fatal("the page just stored is gone")
	}
}

func TestStableUntilStopsAtThePledgeEnd(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, model.Zone)
	midnight := time.Date(2026, 11, 26, 0, 0, 0, 0, model.Zone)
	if got := (&PublicUnit{}).StableUntil(now); !got.Equal(midnight) {
		t.Fatalf("no pledge: %v, want %v", got, midnight)
	}
	end := now.Add(3 * time.Hour)
	if got := (&PublicUnit{Pledge: &model.Pledge{ValidUntil: end}}).StableUntil(now); !got.Equal(end) {
		t.Fatalf("pledge ends at 13:00: %v", got)
	}
}
