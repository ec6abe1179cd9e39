package photos

import (
	"bytes"
	"container/list"
	"context"
	"runtime"
	"sync"
)

// DefaultMemory is the memory a server's Limiter has for photos unless the
// configuration says otherwise (HM_PHOTO_MEMORY_MB).
const DefaultMemory = 192 << 20

// A Limiter bounds the memory and the CPUs all photos being processed take
// together. Each photo first takes a slot (at most one per CPU: more at
// once would only queue for the CPU, holding their memory) and the memory
// for the largest file it may read; once the file is read and its header
// known, it takes its whole budget (see decodeBudget), or gives back what
// it does not need. The sum of the budgets of the photos being processed
// never exceeds the Limiter's memory.
//
// Waiting is first come, first served, and a photo's two steps cannot
// deadlock: the slots are limited so that, with every other slot holding
// one file's reservation, the largest photo still fits.
type Limiter struct {
	mem      *weighted
	slots    chan struct{}
	perPhoto int64
}

// NewLimiter returns a Limiter of memory bytes for photos of at most
// perPhoto bytes each (clamped to memory), processing at most cpus at once
// (fewer if memory is too small for that many files at once).
func NewLimiter(memory, perPhoto int64, cpus int) *Limiter {
	r := readReserve
	memory = max(memory, r)
	perPhoto = min(max(perPhoto, 1), memory)
	n := min(max(cpus, 1), 1+int((memory-max(perPhoto, r))/r))
	return &Limiter{mem: newWeighted(memory), slots: make(chan struct{}, n), perPhoto: perPhoto}
}

// Slots is how many photos the Limiter processes at once.
func (l *Limiter) Slots() int { return cap(l.slots) }

// Memory is the Limiter's memory in bytes.
func (l *Limiter) Memory() int64 { return l.mem.size }

// PerPhoto is the largest budget the Limiter admits.
func (l *Limiter) PerPhoto() int64 { return l.perPhoto }

// NewServerLimiter is the Limiter a server hands to every path that takes
// photos: memory bytes (0: DefaultMemory) for photos of up to
// DefaultMaxMemory each, a slot per CPU the Go scheduler may use
// (GOMAXPROCS, which follows a container's CPU quota, not the machine's
// core count).
func NewServerLimiter(memory int64) *Limiter {
	if memory <= 0 {
		memory = DefaultMemory
	}
	return NewLimiter(memory, DefaultMaxMemory, runtime.GOMAXPROCS(0))
}

// readReserve is the memory held while a file is read: ReadUpload's
// buffer for the largest file. (A caller allowing larger files has its
// photo's budget, which counts the file, taken in the second step.)
const readReserve = int64(DefaultMaxBytes) + 1 + bytes.MinRead

// Process validates, decodes, orients, resizes and re-encodes the photo
// read gives, once l has a slot and the memory for it. read is called only
// then, so that uploads waiting their turn stay where they are (in a
// multipart form's temporary files) rather than in memory. An error of
// read is returned as it is; ctx.Err() if ctx ends while waiting; every
// other error is an *Error.
func (l *Limiter) Process(ctx context.Context, read func() ([]byte, error), opt Options) (*Photo, error) {
	opt = opt.withDefaults()
	opt.MaxMemory = min(opt.MaxMemory, l.perPhoto)
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-l.slots }()
	held := readReserve
	if err := l.mem.acquire(ctx, held); err != nil {
		return nil, err
	}
	defer func() { l.mem.release(held) }()

	data, err := read()
	if err != nil {
		return nil, err
	}
	var h *header
	if _, err := guard(func() (p *Photo, err error) {
		h, err = inspect(data, opt)
		return nil, err
	}); err != nil {
		return nil, err
	}
	if h.budget > opt.MaxMemory {
		return nil, tooMuchMemory(h, opt.MaxMemory)
	}
	if h.budget > held {
		if err := l.mem.acquire(ctx, h.budget-held); err != nil {
			return nil, err
		}
	} else {
		l.mem.release(held - h.budget)
	}
	held = h.budget
	p, err := guard(func() (*Photo, error) { return decode(data, h, opt) })
	if h.budget >= collectAfter {
		// Its buffers are garbage now, but the collector would only see
		// them after the heap had grown by GOGC percent, and meanwhile the
		// next photos would take the budget again: collect before giving
		// it back. The pixels hold no pointers, so marking costs little
		// beside the decode (a few ms against hundreds).
		data, h = nil, nil
		runtime.GC()
	}
	return p, err
}

// collectAfter is the budget from which a photo's memory is collected
// before its budget is given back: large enough that ordinary photos (a
// 12-megapixel baseline JPEG needs about 20 MB) never pay for it.
const collectAfter = 32 << 20

// weighted is a weighted semaphore whose waiters are served in order, so
// that a large request is not starved by a stream of small ones.
type weighted struct {
	size    int64
	mu      sync.Mutex
	cur     int64
	waiters list.List // of *waiter
}

type waiter struct {
	n     int64
	ready chan struct{}
}

func newWeighted(n int64) *weighted { return &weighted{size: n} }

func (s *weighted) acquire(ctx context.Context, n int64) error {
	s.mu.Lock()
	if s.size-s.cur >= n && s.waiters.Len() == 0 {
		s.cur += n
		s.mu.Unlock()
		return nil
	}
	w := &waiter{n: n, ready: make(chan struct{})}
	e := s.waiters.PushBack(w)
	s.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		select {
		case <-w.ready:
			// Granted just now: give it back.
			s.cur -= n
			s.notify()
		default:
			front := s.waiters.Front() == e
			s.waiters.Remove(e)
			if front {
				// Those behind may fit now.
				s.notify()
			}
		}
		s.mu.Unlock()
		return ctx.Err()
	}
}

func (s *weighted) release(n int64) {
	s.mu.Lock()
	s.cur -= n
	if s.cur < 0 {
		s.mu.Unlock()
		panic("photos: semaphore released more than held")
	}
	s.notify()
	s.mu.Unlock()
}

// notify grants waiters in order while they fit; s.mu is held.
func (s *weighted) notify() {
	for {
		e := s.waiters.Front()
		if e == nil {
			return
		}
		w := e.Value.(*waiter)
		if s.size-s.cur < w.n {
			return
		}
		s.cur += w.n
		s.waiters.Remove(e)
		close(w.ready)
	}
}

// inUse is the memory currently held, for tests.
func (s *weighted) inUse() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Redact is the package's Redact once l has a slot and the memory the
// photo's full-size decoding takes (a photo over l's per-photo budget is
// refused by Redact, as by Process).
func (l *Limiter) Redact(ctx context.Context, data []byte, rects []Rect, opt Options) (*Photo, error) {
	opt = opt.withDefaults()
	opt.MaxDimension = maxSide
	opt.MaxMemory = min(opt.MaxMemory, l.perPhoto)
	n, err := Budget(data, opt)
	if err != nil {
		return nil, err
	}
	n = min(n, l.perPhoto)
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-l.slots }()
	if err := l.mem.acquire(ctx, n); err != nil {
		return nil, err
	}
	defer l.mem.release(n)
	return Redact(data, rects, opt)
}
