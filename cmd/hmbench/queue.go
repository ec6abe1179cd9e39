package main

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// Queue targets (issue 6 §2).
const (
	queueP95      = 50 * time.Millisecond
	queueMaxRatio = 2.0
	// dueSoon is the officer queue's "due soon" window (internal/ui/queue.go).
	dueSoon = 48 * time.Hour
)

// queueView is one page an officer opens, and the same filter for storage.
type queueView struct {
	name   string
	query  string
	filter func(f *storage.QueueFilter)
}

var queueViews = []queueView{
	{"first page", "", func(*storage.QueueFilter) {}},
	{"status=verifying&category=short_weight", "status=verifying&category=short_weight", func(f *storage.QueueFilter) {
		f.Statuses, f.Category = []model.CaseStatus{model.CaseVerifying}, model.CategoryShortWeight
	}},
	{"due=overdue", "due=overdue", func(f *storage.QueueFilter) { f.Due = "overdue" }},
}

// queueFigures are the queue's p95 latencies at one database size.
type queueFigures struct {
	reports int64
	p95     map[string]time.Duration
	failed  map[string]int // answers that were not the queue page
}

// measureQueue signs in as an officer of the bench agency and opens each
// queue view one request after another, as an officer clicks.
func measureQueue(ctx context.Context, b *bench, o options, srv *proc, t *table, p *progress) (queueFigures, error) {
	n, err := b.countReports(ctx)
	if err != nil {
		return queueFigures{}, err
	}
	figs := queueFigures{reports: n, p95: map[string]time.Duration{}, failed: map[string]int{}}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return figs, err
	}
	client := newClient(1)
	client.Jar = jar
	login := officerLogin(b.agency.Code)
	resp, err := client.PostForm(srv.base+"/login", url.Values{"login": {login}, "password": {benchPassword}})
	if err != nil {
		return figs, fmt.Errorf("signing in as %s: %w", login, err)
	}
	resp.Body.Close()
	// Signed in means landing on the queue, whatever the queue then answers
	// (its answers are what the phases below measure).
	if resp.Request.URL.Path != "/staff/queue" {
		return figs, fmt.Errorf("signing in as %s: ended on %s with HTTP %d, not on /staff/queue", login, resp.Request.URL.Path, resp.StatusCode)
	}
	size := countLabel(n)
	for _, v := range queueViews {
		target := srv.base + "/staff/queue"
		if v.query != "" {
			target += "?" + v.query
		}
		do := func(ctx context.Context, c *http.Client, _ *mrand.Rand) hit {
			h := getPage(ctx, c, target)
			if h.err == nil && h.note == "" && h.status == http.StatusOK && !strings.HasPrefix(h.path, "/staff/queue") {
				h.note = "redirected to " + h.path
			}
			return h.hit
		}
		runLoad(ctx, client, 1, time.Second, http.StatusOK, do) // warm the page's statements
		p.say("officer queue, %s, %s, %s", v.name, size, o.queueDuration)
		out := runLoad(ctx, client, 1, o.queueDuration, http.StatusOK, do)
		figs.p95[v.name], figs.failed[v.name] = out.pct(95), out.failed
		total, _ := b.queueTotal(ctx, v)
		figure := fmt.Sprintf("%s (p50 %s, %d requests, %s; %s of the agency's cases match)", ms(out.pct(95)), ms(out.pct(50)),
			out.ok+out.failed, out.errorsText(), countLabel(total))
		if out.failed > 0 {
			figure = "errors: " + figure
		}
		t.add(fmt.Sprintf("officer queue p95, %s, %s", v.name, size), figure,
			"≤ "+ms(queueP95), out.pct(95) <= queueP95 && out.failed == 0)
		if out.pct(95) > queueP95 || out.failed > 0 {
			t.note(b.queueBreakdown(ctx, v, size))
		}
	}
	return figs, nil
}

// pageHit is a hit with the path the answer finally came from.
type pageHit struct {
	hit
	path string
}

func getPage(ctx context.Context, c *http.Client, target string) pageHit {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return pageHit{hit: hit{err: err}}
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := c.Do(req)
	if err != nil {
		return pageHit{hit: hit{err: err}}
	}
	defer resp.Body.Close()
	h := pageHit{hit: hit{status: resp.StatusCode}, path: resp.Request.URL.Path}
	h.bytes, h.err = drain(resp)
	return h
}

func (b *bench) queueFilter(v queueView) storage.QueueFilter {
	f := storage.QueueFilter{AgencyID: &b.agency.ID, PerPage: 50, Page: 1, Now: time.Now().UTC(), DueSoon: dueSoon}
	v.filter(&f)
	return f
}

func (b *bench) queueTotal(ctx context.Context, v queueView) (int64, error) {
	f := b.queueFilter(v)
	f.PerPage = 1
	_, total, err := b.st.Queue(ctx, f)
	return total, err
}

// queueBreakdown times the storage calls behind one queue page in this
// process (median of 10), to tell the database's share from the page's.
func (b *bench) queueBreakdown(ctx context.Context, v queueView, size string) string {
	median := func(fn func() error) (time.Duration, error) {
		var ds []time.Duration
		for range 10 {
			t0 := time.Now()
			if err := fn(); err != nil {
				return 0, err
			}
			ds = append(ds, time.Since(t0))
		}
		slices.Sort(ds)
		return ds[len(ds)/2], nil
	}
	f := b.queueFilter(v)
	queue, err1 := median(func() error { _, _, err := b.st.Queue(ctx, f); return err })
	counts, err2 := median(func() error { _, err := b.st.CountQueue(ctx, f.AgencyID, f.Now, dueSoon); return err })
	if err1 != nil || err2 != nil {
		return fmt.Sprintf("queue %s at %s: breakdown failed: %v %v", v.name, size, err1, err2)
	}
	return fmt.Sprintf("queue %s at %s, in-process median: storage.Queue (count + page) %s, storage.CountQueue (4 counts) %s",
		v.name, size, ms(queue), ms(counts))
}

// compareQueues prints the growth of the queue's p95 from the smallest to
// the largest database measured in this run.
func compareQueues(figs []queueFigures, t *table) {
	if len(figs) < 2 {
		return
	}
	small, large := figs[0], figs[len(figs)-1]
	for _, v := range queueViews {
		a, z := small.p95[v.name], large.p95[v.name]
		ratio := z.Seconds() / a.Seconds()
		figure := fmt.Sprintf("%.2f (%s / %s)", ratio, ms(z), ms(a))
		// A ratio of error answers says nothing about the queue.
		failed := small.failed[v.name] > 0 || large.failed[v.name] > 0
		if failed {
			figure += ", timings of error answers"
		}
		t.add(fmt.Sprintf("queue p95 ratio %s / %s, %s", countLabel(large.reports), countLabel(small.reports), v.name),
			figure, fmt.Sprintf("≤ %.0f", queueMaxRatio), ratio <= queueMaxRatio && !failed)
	}
}

// countLabel writes n with thousands separators.
func countLabel(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
