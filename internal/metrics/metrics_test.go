package metrics_test

import (
	"context"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	dto "github.com/prometheus/client_model/go"

	"honestmeasure/internal/app"
	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/metrics"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
)

func newApp(t *testing.T) (*apptest.App, *metrics.Metrics) {
	t.Helper()
	m := metrics.New()
	a := apptest.NewWith(t, func(o *app.Options) { o.Metrics = m })
	return a, m
}

func family(t *testing.T, m *metrics.Metrics, name string) *dto.MetricFamily {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return f
		}
	}
	return nil
}

func label(mt *dto.Metric, name string) string {
	for _, l := range mt.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// TestRandomPathsKeepSeriesBounded: a scanner trying a thousand paths, with
// made-up methods too, adds no series beyond one per route template.
func TestRandomPathsKeepSeriesBounded(t *testing.T) {
	a, m := newApp(t)
	engine := a.Handler.(*gin.Engine)
	templates := map[string]bool{metrics.Unmatched: true}
	for _, r := range engine.Routes() {
		templates[r.Path] = true
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789-_.%"
	methods := []string{"GET", "GET", "GET", "POST", "HEAD", "PROPFIND", "X-" + strings.Repeat("Z", 30)}
	for i := range 1000 {
		var p strings.Builder
		for range 1 + rng.IntN(4) {
			p.WriteByte('/')
			for range 1 + rng.IntN(12) {
				p.WriteByte(letters[rng.IntN(len(letters))])
			}
		}
		path := p.String()
		if i%10 == 0 {
			path = "/static/" + path // a real route with a wildcard
		}
		req := httptest.NewRequest(methods[rng.IntN(len(methods))], "http://x"+strings.ReplaceAll(path, "%", "%25"), nil)
		engine.ServeHTTP(httptest.NewRecorder(), req)
	}
	f := family(t, m, "honestmeasure_http_requests_total")
	if f == nil {
		t.Fatal("no honestmeasure_http_requests_total after 1,000 requests")
	}
	var total float64
	for _, s := range f.GetMetric() {
		total += s.GetCounter().GetValue()
		if route := label(s, "route"); !templates[route] {
			t.Errorf("series with route %q, which is no route template", route)
		}
		if method := label(s, "method"); method != "GET" && method != "POST" && method != "HEAD" && method != metrics.Other {
			t.Errorf("series with method %q", method)
		}
	}
	if total != 1000 {
		t.Errorf("requests counted: %v, want 1000", total)
	}
	// Unmatched and static, each in a few methods and codes.
	if n := len(f.GetMetric()); n > 20 {
		t.Errorf("1,000 random paths made %d series; want at most 20", n)
	}
	if d := family(t, m, "honestmeasure_http_request_duration_seconds"); d == nil || len(d.GetMetric()) > 10 {
		t.Errorf("duration series: %v", d)
	}
}

// TestEndpointExposesFamilies scrapes the handler as Prometheus would.
func TestEndpointExposesFamilies(t *testing.T) {
	a, m := newApp(t)
	b := a.Browser()
	b.Get("/")
	b.Get("/no/such/page")
	m.ReportReceived(model.KindTip, model.CategoryShortWeight)
	m.DeliveryAttempt(outbox.ChannelSMS, outbox.ResultRetry)

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d %s", resp.StatusCode, body)
	}
	text := string(body)
	for _, want := range []string{
		`honestmeasure_http_requests_total{code="200",method="GET",route="/"} 1`,
		`honestmeasure_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		"honestmeasure_http_request_duration_seconds_bucket",
		"honestmeasure_http_requests_in_flight 0",
		`go_sql_max_open_connections{db_name="honestmeasure"}`,
		"go_sql_wait_count_total",
		"honestmeasure_scan_cache_hits_total 0",
		"honestmeasure_scan_cache_misses_total 0",
		`honestmeasure_reports_received_total{category="short_weight",kind="tip"} 1`,
		`honestmeasure_reports_received_total{category="other",kind="complaint"} 0`,
		`honestmeasure_outbox_pending{channel="email"} 0`,
		`honestmeasure_outbox_oldest_pending_age_seconds{channel="sms"} 0`,
		`honestmeasure_outbox_delivery_attempts_total{channel="sms",result="retry"} 1`,
		`honestmeasure_outbox_delivery_attempts_total{channel="webhook",result="delivered"} 0`,
		"honestmeasure_db_tx_retries_total 0",
		"honestmeasure_db_tx_given_up_total 0",
		"honestmeasure_build_info{",
		"go_goroutines",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
}

// TestOutboxPendingByChannel: what waits, and since when, comes from the
// database at scrape time.
func TestOutboxPendingByChannel(t *testing.T) {
	a, m := newApp(t)
	ctx := context.Background()
	old := outbox.Email("a@example.cn", "s", "b", nil, "e")
	old.CreatedAt = a.Now().Add(-20 * time.Minute)
	if err := a.Store.Enqueue(ctx, old, outbox.Email("b@example.cn", "s", "b", nil, "e")); err != nil {
		t.Fatal(err)
	}
	got := map[string][2]float64{}
	for _, name := range []string{"honestmeasure_outbox_pending", "honestmeasure_outbox_oldest_pending_age_seconds"} {
		f := family(t, m, name)
		if f == nil {
			t.Fatalf("no %s", name)
		}
		for _, s := range f.GetMetric() {
			v := got[label(s, "channel")]
			if strings.HasSuffix(name, "pending") {
				v[0] = s.GetGauge().GetValue()
			} else {
				v[1] = s.GetGauge().GetValue()
			}
			got[label(s, "channel")] = v
		}
	}
	if e := got[outbox.ChannelEmail]; e[0] != 2 || e[1] < 20*60 || e[1] > 21*60 {
		t.Errorf("email: pending %v, oldest age %v s; want 2 and about 1200 s", e[0], e[1])
	}
	if s := got[outbox.ChannelSMS]; s != [2]float64{0, 0} {
		t.Errorf("sms: %v, want nothing waiting", s)
	}
}

// TestLabelsStayInVocabulary: values from outside the closed lists count
// under "other", never as a series of their own.
func TestLabelsStayInVocabulary(t *testing.T) {
	m := metrics.New()
	m.ReportReceived("rumour", "aliens")
	m.ReportReceived(model.KindComplaint, "x' OR 1=1")
	m.DeliveryAttempt("pigeon", "lost")
	f := family(t, m, "honestmeasure_reports_received_total")
	for _, s := range f.GetMetric() {
		if s.GetCounter().GetValue() == 0 {
			continue
		}
		k, c := label(s, "kind"), label(s, "category")
		switch {
		case k == metrics.Other && c == metrics.Other, k == "complaint" && c == metrics.Other:
		default:
			t.Errorf("report counted as kind %q, category %q", k, c)
		}
	}
	if n := len(f.GetMetric()); n != 2*len(model.Categories)+1 {
		t.Errorf("report series: %d, want the %d known pairs and one other/other", n, 2*len(model.Categories))
	}
	for _, s := range family(t, m, "honestmeasure_outbox_delivery_attempts_total").GetMetric() {
		if s.GetCounter().GetValue() > 0 && (label(s, "channel") != metrics.Other || label(s, "result") != metrics.Other) {
			t.Errorf("delivery counted as %q/%q", label(s, "channel"), label(s, "result"))
		}
	}
}

// TestNilMetricsDoNothing: handlers and services run with metrics off.
func TestNilMetricsDoNothing(t *testing.T) {
	var m *metrics.Metrics
	m.ReportReceived(model.KindTip, model.CategoryOther)
	m.DeliveryAttempt(outbox.ChannelEmail, outbox.ResultDelivered)
	if m.Middleware() != nil {
		t.Error("nil metrics give a middleware")
	}
	if err := m.WatchDB(nil); err != nil {
		t.Error(err)
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("nil metrics served %d", rec.Code)
	}
}

// TestScanWatermarkSeries: with a watermark, the poll's age is exported
// and scans of a cached page served without a query are counted as such.
func TestScanWatermarkSeries(t *testing.T) {
	m := metrics.New()
	db := dbtest.Open(t)
	a := apptest.NewOn(t, db, func(o *app.Options) {
		o.Metrics = m
		apptest.WithScanWatermark(t, db)(o)
	})
	_, unitID, _ := a.ApprovedUnit("钟楼菜场 8号摊位")
	path := a.ScanPath(model.QRUnit, unitID)
	v := a.Browser()
	value := func(name string) float64 {
		f := family(t, m, name)
		if f == nil || len(f.GetMetric()) != 1 {
			t.Fatalf("no series %s", name)
		}
		mt := f.GetMetric()[0]
		if c := mt.GetCounter(); c != nil {
			return c.GetValue()
		}
		return mt.GetGauge().GetValue()
	}
	for deadline := time.Now().Add(10 * time.Second); value("honestmeasure_scan_cache_unqueried_hits_total") == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no scan was counted as served without a query within 10 s")
		}
		v.Get(path)
		v.Expect(http.StatusOK)
		time.Sleep(50 * time.Millisecond)
	}
	if age := value("honestmeasure_scan_watermark_poll_age_seconds"); math.IsInf(age, 0) || age < 0 {
		t.Fatalf("poll age %v after polls", age)
	}
	if hits, unqueried := value("honestmeasure_scan_cache_hits_total"), value("honestmeasure_scan_cache_unqueried_hits_total"); unqueried > hits {
		t.Fatalf("unqueried hits %v exceed hits %v", unqueried, hits)
	}
}
