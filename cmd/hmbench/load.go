package main

import (
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// newClient is the load generator's HTTP client: one kept-alive connection
// per concurrent worker, bodies left as the server sent them (gzip
// included), nothing but 127.0.0.1.
func newClient(conns int) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         dialer.DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
	}
}

// hit is the outcome of one request.
type hit struct {
	status int
	bytes  int64
	err    error
	note   string // what was wrong with an unexpected answer
}

// request makes one request with the worker's own random source.
type request func(ctx context.Context, c *http.Client, rng *mrand.Rand) hit

// outcome is what a load phase measured.
type outcome struct {
	conns    int
	ok       int // answers with the wanted status
	failed   int // transport errors and any other status
	statuses map[int]int
	bytes    int64 // body bytes of the successful answers
	elapsed  time.Duration
	lat      []time.Duration // every request's latency, sorted
	firstErr string
	// serverCPU is the CPU time the server process used during the phase
	// (0 when not measured): with the load generator on the same cores,
	// CPU per request compares two pages better than requests per second.
	serverCPU time.Duration
	// proxyCPU is the CPU time of the balancer in front, when there was one.
	proxyCPU time.Duration
}

func (o outcome) cpuPerRequest() time.Duration {
	if o.ok+o.failed == 0 {
		return 0
	}
	return o.serverCPU / time.Duration(o.ok+o.failed)
}

func (o outcome) rate() float64 { return float64(o.ok) / o.elapsed.Seconds() }

// pct is the p-th percentile latency (nearest rank).
func (o outcome) pct(p float64) time.Duration {
	if len(o.lat) == 0 {
		return 0
	}
	i := int(p/100*float64(len(o.lat))+0.5) - 1
	return o.lat[min(max(i, 0), len(o.lat)-1)]
}

func (o outcome) meanBytes() float64 {
	if o.ok == 0 {
		return 0
	}
	return float64(o.bytes) / float64(o.ok)
}

func (o outcome) errorsText() string {
	if o.failed == 0 {
		return "0 errors"
	}
	return fmt.Sprintf("%d errors (first: %s)", o.failed, o.firstErr)
}

// runLoad runs do on conns workers for d: each worker issues requests one
// after another until the time is up; requests in flight then finish (they
// count, and so does the time they take).
func runLoad(ctx context.Context, client *http.Client, conns int, d time.Duration, want int, do request) outcome {
	deadline := time.Now().Add(d)
	return runWorkers(ctx, client, conns, d+2*time.Minute, want, do, func() bool { return time.Now().Before(deadline) })
}

// runCount runs do exactly n times on conns workers.
func runCount(ctx context.Context, client *http.Client, conns, n int, want int, do request) outcome {
	var claimed atomic.Int64
	return runWorkers(ctx, client, conns, 10*time.Minute, want, do, func() bool { return claimed.Add(1) <= int64(n) })
}

// runWorkers has each of conns workers issue requests one after another
// while more says so; limit bounds the whole phase, so a hung server cannot
// hang the bench.
func runWorkers(ctx context.Context, client *http.Client, conns int, limit time.Duration, want int, do request, more func() bool) outcome {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	type partial struct {
		ok, failed int
		statuses   map[int]int
		bytes      int64
		lat        []time.Duration
		firstErr   string
	}
	parts := make([]partial, conns)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &parts[w]
			p.statuses = map[int]int{}
			rng := mrand.New(mrand.NewPCG(uint64(w)+1, uint64(start.UnixNano())))
			for ctx.Err() == nil && more() {
				t0 := time.Now()
				h := do(ctx, client, rng)
				p.lat = append(p.lat, time.Since(t0))
				p.statuses[h.status]++
				if h.err == nil && h.status == want && h.note == "" {
					p.ok++
					p.bytes += h.bytes
					continue
				}
				p.failed++
				if p.firstErr == "" {
					switch {
					case h.err != nil:
						p.firstErr = h.err.Error()
					case h.note != "":
						p.firstErr = fmt.Sprintf("HTTP %d: %s", h.status, h.note)
					default:
						p.firstErr = fmt.Sprintf("HTTP %d", h.status)
					}
				}
			}
		}()
	}
	wg.Wait()
	out := outcome{conns: conns, statuses: map[int]int{}, elapsed: time.Since(start)}
	for _, p := range parts {
		out.ok += p.ok
		out.failed += p.failed
		out.bytes += p.bytes
		out.lat = append(out.lat, p.lat...)
		for s, n := range p.statuses {
			out.statuses[s] += n
		}
		if out.firstErr == "" {
			out.firstErr = p.firstErr
		}
	}
	slices.Sort(out.lat)
	return out
}

// get issues a GET as a phone's browser would and reads the whole answer.
func get(ctx context.Context, c *http.Client, url string) hit {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return hit{err: err}
	}
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9")
	req.Header.Set("User-Agent", "Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0 hmbench")
	resp, err := c.Do(req)
	if err != nil {
		return hit{err: err}
	}
	defer resp.Body.Close()
	n, err := drain(resp)
	return hit{status: resp.StatusCode, bytes: n, err: err}
}

// drain reads the rest of a body, so the connection is reused.
func drain(resp *http.Response) (int64, error) { return io.Copy(io.Discard, resp.Body) }

// ms writes a duration in milliseconds, with two decimals below 10 ms.
func ms(d time.Duration) string {
	v := float64(d.Microseconds()) / 1000
	if v < 10 {
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}
