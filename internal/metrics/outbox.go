package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"honestmeasure/internal/storage"
)

// outboxScrapeTimeout bounds the query a scrape runs: a slow database must
// not pile scrapes up behind it.
const outboxScrapeTimeout = 3 * time.Second

var (
	outboxPendingDesc = prometheus.NewDesc(namespace+"_outbox_pending", "Outbox messages waiting for delivery, by channel.",
		[]string{"channel"}, nil)
	outboxOldestDesc = prometheus.NewDesc(namespace+"_outbox_oldest_pending_age_seconds",
		"Age of the oldest message waiting for delivery, by channel (0 when none waits).", []string{"channel"}, nil)
)

// outboxCollector reads the outbox's pending messages at scrape time, so
// every instance reports the same, true numbers whoever enqueued them.
type outboxCollector struct {
	st  *storage.Store
	now func() time.Time
}

func (o *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxPendingDesc
	ch <- outboxOldestDesc
}

func (o *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), outboxScrapeTimeout)
	defer cancel()
	stats, err := o.st.OutboxPending(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxPendingDesc, err)
		return
	}
	now := o.now()
	count := map[string]float64{}
	oldest := map[string]float64{}
	for _, c := range channels {
		count[c], oldest[c] = 0, 0
	}
	for _, s := range stats {
		label := channelLabel(s.Channel)
		count[label] += float64(s.Count)
		if !s.Oldest.IsZero() {
			oldest[label] = max(oldest[label], now.Sub(s.Oldest).Seconds(), 0)
		}
	}
	for label, n := range count {
		ch <- prometheus.MustNewConstMetric(outboxPendingDesc, prometheus.GaugeValue, n, label)
		ch <- prometheus.MustNewConstMetric(outboxOldestDesc, prometheus.GaugeValue, oldest[label], label)
	}
}
