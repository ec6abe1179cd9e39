package outbox

import (
	"math/rand/v2"
	"time"
)

const (
	backoffFirst  = 30 * time.Second
	backoffMax    = time.Hour
	backoffJitter = 0.2
)

// backoff is the wait after the n-th failed try (n ≥ 1): 30 s doubling up
// to 1 h, spread by ±20 % so messages that failed together (a receiver was
// down) do not all come back in the same second.
func backoff(n int) time.Duration {
	d := backoffFirst
	for i := 1; i < n && d < backoffMax; i++ {
		d *= 2
	}
	d = min(d, backoffMax)
	f := 1 + backoffJitter*(2*rand.Float64()-1)
	return time.Duration(float64(d) * f)
}
