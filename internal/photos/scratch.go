package photos

import (
	"math/bits"
	"sync"
)

// scratch hands out the pixel buffers of one Process call and takes them
// all back at the end. A 3000x2000 photo needs about 10 MB of them; at a few
// dozen photos a second, fresh buffers would be hundreds of megabytes of
// garbage a second, and under the server's soft memory limit the collector
// would take the CPU the photos need.
type scratch struct {
	taken [][]byte
}

// bufPools holds free buffers by size class: class c holds capacities in
// (2^(c-1), 2^c].
var bufPools [64]sync.Pool

// bytes returns a zeroed slice of length n.
func (s *scratch) bytes(n int) []byte {
	if s == nil {
		return make([]byte, n)
	}
	class := bits.Len(uint(n - 1))
	var b []byte
	if p, _ := bufPools[class].Get().(*[]byte); p != nil {
		b = (*p)[:n]
		clear(b)
	} else {
		b = make([]byte, n, 1<<class)
	}
	s.taken = append(s.taken, b)
	return b
}

// maxPooled is the largest buffer kept for reuse: enough for every buffer
// of an ordinary photo (a 3000x2000 JPEG's are 4 MB at most). A pooled
// buffer is outside every photo's budget, so the larger ones a bomb just
// under the limit needs are left to the collector instead (see
// Limiter.Process).
const maxPooled = 4 << 20

// release returns every buffer handed out; none may be used afterwards.
func (s *scratch) release() {
	for _, b := range s.taken {
		if cap(b) > maxPooled {
			continue
		}
		b = b[:cap(b)]
		bufPools[bits.Len(uint(cap(b)-1))].Put(&b)
	}
	s.taken = nil
}
