package scan

import (
	"sync"
	"sync/atomic"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/storage"
)

// PageCache keeps rendered, gzipped scan pages in memory, so that a scan
// costs one indexed query (storage.ScanStamp) and a copy instead of ten
// queries, a template and a compression — and, with a fresh Watermark
// reading that shows nothing changed (Unqueried), no query at all.
//
// A page is used only while all three hold:
//   - the unit's public revision is the one it was rendered at (any change
//     the page shows increments it in the same transaction, on whichever
//     instance made it);
//   - the clock has not reached the page's expiry: the next local midnight
//     (verification states are per calendar day) or the end of the pledge,
//     whichever comes first;
//   - the token is still current (replaced codes are never cached).
//
// Without a query (Unqueried), the first and last are vouched for by the
// unit's change counter, which moves with public_rev and with every reprint
// of one of its codes (storage.PublicRevs).
//
// Memory is bounded by limit bytes; when full, arbitrary pages are dropped
// (a popular page comes straight back on its next scan). Keys are canonical
// tokens, so case variants of one URL cannot fill it.
type PageCache struct {
	mu    sync.Mutex
	pages map[PageKey]*CachedPage
	size  int
	limit int
	// hits and misses count Get's and Unqueried's answers since start,
	// for the metrics: a miss is a page rendered afresh (absent, or stale
	// and dropped). unqueried counts the hits that asked no database.
	hits, misses, unqueried atomic.Uint64
}

// PageKey names one cached page: a code in one language.
type PageKey struct {
	Ref  qr.Ref
	Lang string
}

// CachedPage is a rendered page and what it is valid for.
type CachedPage struct {
	UnitID  int64
	Rev     int64
	Expires time.Time
	Gzip    []byte // the whole HTML document, gzipped
	ETag    string
	// slotRev is the unit's watermark counter in a reading taken before
	// the page was last found current by a query (set and read under the
	// cache's lock); marked is false until then.
	slotRev int64
	marked  bool
}

// Mark records that p was found current by a query made after reading r
// (nil: no watermark, nothing recorded). Call it before Put.
func (p *CachedPage) Mark(r *Reading) {
	if r != nil {
		p.slotRev, p.marked = r.Rev(p.UnitID), true
	}
}

// cost approximates the memory a page holds: its bytes plus map entry, key
// and struct overhead.
func (p *CachedPage) cost() int { return len(p.Gzip) + len(p.ETag) + 192 }

// NewPageCache returns a cache holding at most limit bytes of pages.
func NewPageCache(limit int) *PageCache {
	return &PageCache{pages: map[PageKey]*CachedPage{}, limit: limit}
}

// Get returns the cached page for k if it is still valid for stamp at now,
// and nil otherwise (dropping a stale page). r is the watermark reading
// taken before the query that gave stamp (nil: none): a valid page is
// marked with it, so the next scans may skip the query (Unqueried).
func (c *PageCache) Get(k PageKey, stamp storage.ScanStamp, now time.Time, r *Reading) *CachedPage {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pages[k]
	if p == nil {
		c.misses.Add(1)
		return nil
	}
	if stamp.Revoked || p.UnitID != stamp.UnitID || p.Rev != stamp.PublicRev || !now.Before(p.Expires) {
		c.drop(k, p)
		c.misses.Add(1)
		return nil
	}
	// Another unit of the same slot changed, or the page was cached
	// without a reading: the query says this one did not.
	p.Mark(r)
	c.hits.Add(1)
	return p
}

// Unqueried returns the cached page for k without any query when r, the
// latest watermark reading, is fresh at wall (the process clock) and the
// page's unit's counter has not moved since the page was last found current;
// now (the application's clock) must be before the page's expiry. Otherwise
// it returns nil and the caller validates with a query (Get): an unqueried
// miss is not a miss.
func (c *PageCache) Unqueried(k PageKey, r *Reading, wall, now time.Time) *CachedPage {
	if !r.Fresh(wall) {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pages[k]
	if p == nil || !p.marked || p.slotRev != r.Rev(p.UnitID) || !now.Before(p.Expires) {
		return nil
	}
	c.hits.Add(1)
	c.unqueried.Add(1)
	return p
}

// Hits and Misses count Get's answers so far: a page served from memory, a
// page that had to be rendered.
func (c *PageCache) Hits() uint64   { return c.hits.Load() }
func (c *PageCache) Misses() uint64 { return c.misses.Load() }

// UnqueriedHits counts the hits served without a query (Unqueried).
func (c *PageCache) UnqueriedHits() uint64 { return c.unqueried.Load() }

// Put stores p under k, making room if needed. A page larger than the whole
// cache is not stored.
func (c *PageCache) Put(k PageKey, p *CachedPage) {
	cost := p.cost()
	if cost > c.limit {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.pages[k]; old != nil {
		c.drop(k, old)
	}
	// Map iteration starts at a random place: this drops arbitrary pages.
	for key, old := range c.pages {
		if c.size+cost <= c.limit {
			break
		}
		c.drop(key, old)
	}
	c.pages[k] = p
	c.size += cost
}

func (c *PageCache) drop(k PageKey, p *CachedPage) {
	delete(c.pages, k)
	c.size -= p.cost()
}

// Len and Size report the number of pages and the bytes they hold.
func (c *PageCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pages)
}

func (c *PageCache) Size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

// StableUntil is when the page of p, rendered at now, may start to differ
// without any row changing: at the next local midnight verification states
// move on a day, and the pledge may end before that.
func (p *PublicUnit) StableUntil(now time.Time) time.Time {
	y, m, d := now.In(model.Zone).Date()
	until := time.Date(y, m, d+1, 0, 0, 0, 0, model.Zone)
	if p.Pledge != nil && p.Pledge.ValidUntil.After(now) && p.Pledge.ValidUntil.Before(until) {
		until = p.Pledge.ValidUntil
	}
	return until
}
