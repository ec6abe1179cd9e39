package ui

import (
	"time"

	"honestmeasure/internal/model"
)

// trendMonths is how many months the monthly trend shows, and how far back
// the default period reaches.
const trendMonths = 12

// period is the dashboard's span of calendar days, both included, in the
// deployment's zone.
type period struct {
	From, To time.Time // midnight in model.Zone
}

// Start and End are the instants that bound the period: [Start, End).
func (p period) Start() time.Time { return p.From.UTC() }
func (p period) End() time.Time   { return p.To.AddDate(0, 0, 1).UTC() }

func localDay(t time.Time) time.Time {
	y, m, d := t.In(model.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, model.Zone)
}

func monthOf(t time.Time) time.Time {
	y, m, _ := t.In(model.Zone).Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, model.Zone)
}

// defaultPeriod is the last twelve months, this one included: the same
// months the trend shows.
func defaultPeriod(now time.Time) period {
	return period{From: monthOf(now).AddDate(0, 1-trendMonths, 0), To: localDay(now)}
}

// parsePeriod reads ?from= and ?to= (YYYY-MM-DD). A missing end takes the
// default's; a date that does not parse, or a from after to, gives the
// default period and false, so the page can say so.
func parsePeriod(from, to string, now time.Time) (period, bool) {
	p := defaultPeriod(now)
	for _, x := range []struct {
		s   string
		dst *time.Time
	}{{from, &p.From}, {to, &p.To}} {
		if x.s == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, x.s, model.Zone)
		if err != nil {
			return defaultPeriod(now), false
		}
		*x.dst = t
	}
	if p.From.After(p.To) {
		return defaultPeriod(now), false
	}
	return p, true
}

// trendBounds are the starts of the twelve months up to the one holding
// day, and the start of the month after: thirteen instants.
func trendBounds(day time.Time) []time.Time {
	first := monthOf(day).AddDate(0, 1-trendMonths, 0)
	out := make([]time.Time, trendMonths+1)
	for i := range out {
		out[i] = first.AddDate(0, i, 0)
	}
	return out
}
