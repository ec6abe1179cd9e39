// Package metrics exposes the instance's Prometheus metrics: HTTP requests by
// route template, the database pool, the scan page cache, reports received,
// the outbox and its deliveries, transaction retries and the build.
//
// It keeps its own registry (never the global default, which any imported
// library could write to) and is served on a listener of its own
// (HM_METRICS_ADDR), never on the public one. Every label takes values from
// a closed list — route templates, known methods, the reference vocabularies
// — so no request can create a series: a path that matches no route is
// "unmatched", an unknown method "other".
//
// A nil *Metrics is valid and records nothing, so the handler, the services
// and their tests run the same with metrics off. The services do not import
// this package (they may not depend on net/http, and Prometheus does): they
// take plain functions (intake.Service.Received, outbox.Worker.Attempted)
// that app and cmd/honestmeasure fill with this package's methods.
package metrics

import (
	"database/sql"
	"math"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/storage"
)

// namespace prefixes every metric of the product's own.
const namespace = "honestmeasure"

// Unmatched is the route label of a request no route matched (a 404): one
// series for every path a scanner or a typo may try.
const Unmatched = "unmatched"

// Other stands for a label value outside the closed list (an unknown
// method, category or channel).
const Other = "other"

// Metrics holds the registry and the instruments the hooks write to.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	inFlight   prometheus.Gauge
	reports    *prometheus.CounterVec
	deliveries *prometheus.CounterVec
}

// New returns metrics with the process, Go runtime, build and
// transaction-retry collectors registered; the database, the scan cache and
// the outbox are added by Watch….
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "http",
		Name: "requests_total", Help: "HTTP requests answered, by route template, method and status code."},
		[]string{"route", "method", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "http",
		Name: "request_duration_seconds", Help: "Time to answer an HTTP request, by route template and method.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}},
		[]string{"route", "method"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "http",
		Name: "requests_in_flight", Help: "HTTP requests being answered now."})
	m.reports = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "reports_received_total",
		Help: "Reports stored, by kind and category."}, []string{"kind", "category"})
	m.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "outbox",
		Name: "delivery_attempts_total", Help: "Outbox delivery tries, by channel and result."}, []string{"channel", "result"})
	txRetries := prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: namespace, Subsystem: "db",
		Name: "tx_retries_total", Help: "Transactions run again after a deadlock, lock wait timeout or (Galera) certification failure."},
		func() float64 { return float64(storage.TxRetries.Load()) })
	txGaveUp := prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: namespace, Subsystem: "db",
		Name: "tx_given_up_total", Help: "Transactions that still conflicted on their last attempt; the caller got the error."},
		func() float64 { return float64(storage.TxGaveUp.Load()) })
	m.reg.MustRegister(m.requests, m.duration, m.inFlight, m.reports, m.deliveries, txRetries, txGaveUp, buildInfo(),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Series that exist from the start read 0 instead of being absent, so
	// a rate or an alert over them works before the first event.
	for _, k := range []model.ReportKind{model.KindComplaint, model.KindTip} {
		for _, c := range model.Categories {
			m.reports.WithLabelValues(string(k), string(c))
		}
	}
	for _, ch := range channels {
		for _, r := range outbox.Results() {
			m.deliveries.WithLabelValues(ch, r)
		}
	}
	return m
}

// buildInfo is honestmeasure_build_info{version, revision, goversion} 1,
// read from the binary's own build information.
func buildInfo() prometheus.Collector {
	version, revision, goVersion := "unknown", "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				revision = s.Value
			}
		}
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "build_info",
		Help:        "The running binary: module version, VCS revision and Go version (always 1).",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "goversion": goVersion}})
	g.Set(1)
	return g
}

// Handler serves the metrics in the Prometheus text (or OpenMetrics)
// format. A collector that fails (the database is down) leaves its metrics
// out and the rest is still served.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError,
		MaxRequestsInFlight: 4, Timeout: 10 * time.Second})
}

// Registry is the metrics' own registry, for tests and other collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// methods are the HTTP methods given a label of their own.
var methods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true}

func methodLabel(method string) string {
	if methods[method] {
		return method
	}
	return Other
}

// Middleware counts and times every request by the template of the route
// that answered it (c.FullPath()), Unmatched when none did. Install it
// before the handlers; with nil metrics it is nil.
func (m *Metrics) Middleware() gin.HandlerFunc {
	if m == nil {
		return nil
	}
	return func(c *gin.Context) {
		start := time.Now()
		m.inFlight.Inc()
		defer func() {
			m.inFlight.Dec()
			route := c.FullPath()
			if route == "" {
				route = Unmatched
			}
			method := methodLabel(c.Request.Method)
			m.requests.WithLabelValues(route, method, strconv.Itoa(c.Writer.Status())).Inc()
			m.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		}()
		c.Next()
	}
}

// ReportReceived counts one stored report. Values outside the vocabularies
// count as Other.
func (m *Metrics) ReportReceived(kind model.ReportKind, category model.Category) {
	if m == nil {
		return
	}
	k := string(kind)
	if kind != model.KindComplaint && kind != model.KindTip {
		k = Other
	}
	c := string(category)
	if !category.Valid() {
		c = Other
	}
	m.reports.WithLabelValues(k, c).Inc()
}

// channels are the outbox channels given a label of their own.
var channels = []string{outbox.ChannelEmail, outbox.ChannelSMS, outbox.ChannelWebhook}

func channelLabel(ch string) string {
	for _, c := range channels {
		if c == ch {
			return ch
		}
	}
	return Other
}

// DeliveryAttempt counts one outbox delivery try (result: an outbox.Result…
// constant).
func (m *Metrics) DeliveryAttempt(channel, result string) {
	if m == nil {
		return
	}
	known := false
	for _, r := range outbox.Results() {
		known = known || r == result
	}
	if !known {
		result = Other
	}
	m.deliveries.WithLabelValues(channelLabel(channel), result).Inc()
}

// WatchDB exports db's pool statistics as go_sql_*{db_name="honestmeasure"}.
func (m *Metrics) WatchDB(db *sql.DB) error {
	if m == nil {
		return nil
	}
	return m.reg.Register(collectors.NewDBStatsCollector(db, namespace))
}

// WatchScanCache exports the scan page cache's hits, misses, pages and bytes.
func (m *Metrics) WatchScanCache(c *scan.PageCache) error {
	if m == nil || c == nil {
		return nil
	}
	opts := func(name, help string) prometheus.CounterOpts {
		return prometheus.CounterOpts{Namespace: namespace, Subsystem: "scan_cache", Name: name, Help: help}
	}
	for _, col := range []prometheus.Collector{
		prometheus.NewCounterFunc(opts("hits_total", "Scan pages served from memory."), func() float64 { return float64(c.Hits()) }),
		prometheus.NewCounterFunc(opts("misses_total", "Scan pages rendered because none valid was in memory."), func() float64 { return float64(c.Misses()) }),
		prometheus.NewCounterFunc(opts("unqueried_hits_total", "Scan pages served from memory without a database query (a fresh watermark showed nothing changed); part of hits_total."),
			func() float64 { return float64(c.UnqueriedHits()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts(opts("pages", "Scan pages held in memory.")), func() float64 { return float64(c.Len()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts(opts("bytes", "Memory the held scan pages take, approximately.")), func() float64 { return float64(c.Size()) }),
	} {
		if err := m.reg.Register(col); err != nil {
			return err
		}
	}
	return nil
}

// WatchScanWatermark exports how old the scan watermark's last successful
// poll is, in seconds (+Inf before the first). Past 1 s every scan queries
// the database again: the watermark is down or lagging.
func (m *Metrics) WatchScanWatermark(w *scan.Watermark) error {
	if m == nil || w == nil {
		return nil
	}
	return m.reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "scan_watermark",
		Name: "poll_age_seconds", Help: "Time since the last successful poll of the public change counters started (+Inf before the first)."},
		func() float64 {
			age, ok := w.PollAge(time.Now())
			if !ok {
				return math.Inf(1)
			}
			return age.Seconds()
		}))
}

// WatchOutbox exports what waits in the outbox, by channel, read from the
// database at every scrape (now: nil means time.Now).
func (m *Metrics) WatchOutbox(st *storage.Store, now func() time.Time) error {
	if m == nil {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	return m.reg.Register(&outboxCollector{st: st, now: now})
}
