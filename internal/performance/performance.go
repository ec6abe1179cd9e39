// Package performance computes how an agency and its officers handle cases:
// the dashboard's on-time rate, average handling time in working days,
// overdue cases and reporters' satisfaction. One definition of each, used
// by the page, its CSV and the tests.
package performance

import (
	"context"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/workdays"
)

// OnTime reports whether concluded case c met its deadlines: a complaint's
// acceptance decision by its decision deadline, and the conclusion by the
// conclusion deadline when the case has one (an extension already moved
// it). A case not concluded is not on time yet; it counts among the open
// or overdue.
func OnTime(c storage.CaseTimes) bool {
	if c.ConcludedAt == nil {
		return false
	}
	if c.Kind == model.KindComplaint && c.DecidedAt != nil && c.DecidedAt.After(c.DecisionDueAt) {
		return false
	}
	return c.ConclusionDueAt == nil || !c.ConcludedAt.After(*c.ConclusionDueAt)
}

// Figures are one agency's, one officer's or the whole scope's numbers.
type Figures struct {
	Received    int   // cases received in the period
	Concluded   int   // of those, concluded
	OnTime      int   // of those, concluded on time (OnTime)
	WorkingDays int   // working days from receipt to conclusion, summed over the concluded
	Open        int64 // open now, whenever received (the queue's count)
	Overdue     int64 // open now and past their deadline (the queue's count)
	Ratings     int64 // ratings given in the period
	Satisfied   int64 // of those, satisfied (storage.SatisfiedScore or better)
}

// OnTimeRate is the share of concluded cases concluded on time, in percent;
// ok is false when nothing was concluded.
func (f Figures) OnTimeRate() (pct float64, ok bool) {
	return percent(int64(f.OnTime), int64(f.Concluded))
}

// AverageWorkingDays is the mean handling time of the concluded cases; ok
// is false when nothing was concluded.
func (f Figures) AverageWorkingDays() (days float64, ok bool) {
	if f.Concluded == 0 {
		return 0, false
	}
	return float64(f.WorkingDays) / float64(f.Concluded), true
}

// SatisfactionRate is the share of ratings that were satisfied, in
// percent; ok is false without ratings.
func (f Figures) SatisfactionRate() (pct float64, ok bool) { return percent(f.Satisfied, f.Ratings) }

func percent(n, of int64) (float64, bool) {
	if of == 0 {
		return 0, false
	}
	return 100 * float64(n) / float64(of), true
}

// Tally adds cases up, in total and per key (an agency's or an officer's
// id; key returns 0 for "nobody"), counting handling time in cal's working
// days. Open, Overdue, Ratings and Satisfied come from AddQueue and
// AddRatings.
func Tally(cases []storage.CaseTimes, cal *workdays.Calendar, key func(storage.CaseTimes) int64) (total Figures, by map[int64]*Figures) {
	by = map[int64]*Figures{}
	for _, c := range cases {
		k := key(c)
		f := by[k]
		if f == nil {
			f = &Figures{}
			by[k] = f
		}
		for _, x := range []*Figures{&total, f} {
			x.Received++
			if c.ConcludedAt != nil {
				x.Concluded++
				x.WorkingDays += cal.WorkingDaysBetween(c.ReceivedAt, *c.ConcludedAt)
				if OnTime(c) {
					x.OnTime++
				}
			}
		}
	}
	return total, by
}

// ByAgency and ByAssignee are Tally's usual keys.
func ByAgency(c storage.CaseTimes) int64 { return c.AgencyID }

// ByAssignee keys a case by its officer, 0 when unassigned.
func ByAssignee(c storage.CaseTimes) int64 {
	if c.AssigneeID == nil {
		return 0
	}
	return *c.AssigneeID
}

// AddQueue puts the open and overdue counts (storage.CountQueueBy) into
// the figures, making rows for keys with open cases and nothing received.
func AddQueue(total *Figures, by map[int64]*Figures, queue map[int64]storage.QueueCounts) {
	for k, q := range queue {
		f := row(by, k)
		f.Open, f.Overdue = q.Open, q.Overdue
		total.Open += q.Open
		total.Overdue += q.Overdue
	}
}

// AddRatings puts the ratings (storage.SatisfactionBy) into the figures.
func AddRatings(total *Figures, by map[int64]*Figures, ratings map[int64]storage.Satisfaction) {
	for k, r := range ratings {
		f := row(by, k)
		f.Ratings, f.Satisfied = r.Ratings, r.Satisfied
		total.Ratings += r.Ratings
		total.Satisfied += r.Satisfied
	}
}

func row(by map[int64]*Figures, k int64) *Figures {
	if by[k] == nil {
		by[k] = &Figures{}
	}
	return by[k]
}

// Report is the scope's figures in total and per agency or officer.
type Report struct {
	Total Figures
	By    map[int64]*Figures
}

// Compute gathers the figures of scope sc — cases received in its period,
// ratings given in it, and the open cases now — per agency or, with
// byAssignee, per officer. dueSoon is the queue's "due soon" window, so
// its counts and these agree.
func Compute(ctx context.Context, st *storage.Store, sc storage.StatsScope, byAssignee bool, cal *workdays.Calendar, now time.Time, dueSoon time.Duration) (Report, error) {
	cases, err := st.CaseTimesIn(ctx, sc)
	if err != nil {
		return Report{}, err
	}
	key := ByAgency
	if byAssignee {
		key = ByAssignee
	}
	var r Report
	r.Total, r.By = Tally(cases, cal, key)
	queue, err := st.CountQueueBy(ctx, sc.AgencyID, byAssignee, now, dueSoon)
	if err != nil {
		return Report{}, err
	}
	AddQueue(&r.Total, r.By, queue)
	ratings, err := st.SatisfactionBy(ctx, sc, byAssignee)
	if err != nil {
		return Report{}, err
	}
	AddRatings(&r.Total, r.By, ratings)
	return r, nil
}
