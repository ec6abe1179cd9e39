package performance_test

import (
	"testing"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/performance"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/workdays"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, model.Zone)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func ptr(t time.Time) *time.Time { return &t }

func TestOnTime(t *testing.T) {
	received := at("2026-03-02 09:00")
	decisionDue := at("2026-03-09 23:59")
	conclusionDue := at("2026-04-30 23:59")
	tests := []struct {
		name string
		c    storage.CaseTimes
		want bool
	}{
		{"open", storage.CaseTimes{Kind: model.KindComplaint, ReceivedAt: received, DecisionDueAt: decisionDue}, false},
		{"both in time", storage.CaseTimes{Kind: model.KindComplaint, DecisionDueAt: decisionDue, DecidedAt: ptr(at("2026-03-09 17:00")),
			ConclusionDueAt: &conclusionDue, ConcludedAt: ptr(at("2026-04-30 16:00"))}, true},
		{"decided late, concluded in time", storage.CaseTimes{Kind: model.KindComplaint, DecisionDueAt: decisionDue, DecidedAt: ptr(at("2026-03-10 09:00")),
			ConclusionDueAt: &conclusionDue, ConcludedAt: ptr(at("2026-03-20 16:00"))}, false},
		{"concluded late", storage.CaseTimes{Kind: model.KindComplaint, DecisionDueAt: decisionDue, DecidedAt: ptr(at("2026-03-03 09:00")),
			ConclusionDueAt: &conclusionDue, ConcludedAt: ptr(at("2026-05-01 08:00"))}, false},
		{"a tip has no decision deadline", storage.CaseTimes{Kind: model.KindTip, DecisionDueAt: decisionDue, DecidedAt: ptr(at("2026-03-20 09:00")),
			ConcludedAt: ptr(at("2026-03-25 16:00"))}, true},
		{"no conclusion deadline", storage.CaseTimes{Kind: model.KindComplaint, DecisionDueAt: decisionDue, DecidedAt: ptr(at("2026-03-03 09:00")),
			ConcludedAt: ptr(at("2026-12-25 16:00"))}, true},
	}
	for _, tt := range tests {
		if got := performance.OnTime(tt.c); got != tt.want {
			t.Errorf("%s: on time %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Handling time counts working days on the city's calendar; the rates are
// over what they measure, and nothing measured is "no figure", not 0%.
func TestTally(t *testing.T) {
	// Qingming: 4–6 April 2026 off (Saturday to Monday).
	cal := workdays.New([]model.Holiday{{Day: time.Date(2026, 4, 6, 0, 0, 0, 0, time.UTC), Kind: model.DayOff}})
	officer := int64(7)
	cases := []storage.CaseTimes{
		// Thursday 2 April to Wednesday 8 April: 3, 7 and 8 April are
		// working days, 6 April is the holiday.
		{AgencyID: 1, AssigneeID: &officer, Kind: model.KindTip, ReceivedAt: at("2026-04-02 10:00"), ConcludedAt: ptr(at("2026-04-08 10:00"))},
		// Late: one working day (Friday) after a Thursday.
		{AgencyID: 1, AssigneeID: &officer, Kind: model.KindTip, ReceivedAt: at("2026-04-09 10:00"), ConclusionDueAt: ptr(at("2026-04-09 23:59")),
			ConcludedAt: ptr(at("2026-04-10 10:00"))},
		{AgencyID: 1, Kind: model.KindComplaint, ReceivedAt: at("2026-04-09 10:00")},
	}
	total, by := performance.Tally(cases, cal, performance.ByAssignee)
	if total.Received != 3 || total.Concluded != 2 || total.OnTime != 1 || total.WorkingDays != 4 {
		t.Fatalf("total %+v", total)
	}
	if r, ok := total.OnTimeRate(); !ok || r != 50 {
		t.Errorf("on-time rate %v %v, want 50%%", r, ok)
	}
	if d, ok := total.AverageWorkingDays(); !ok || d != 2 {
		t.Errorf("average %v %v, want 2 working days", d, ok)
	}
	if by[officer].Concluded != 2 || by[0].Received != 1 || by[0].Concluded != 0 {
		t.Errorf("by officer %+v, unassigned %+v", by[officer], by[0])
	}
	if _, ok := by[0].OnTimeRate(); ok {
		t.Error("an on-time rate over nothing concluded")
	}
	performance.AddQueue(&total, by, map[int64]storage.QueueCounts{0: {Open: 1}, 9: {Open: 2, Overdue: 1}})
	performance.AddRatings(&total, by, map[int64]storage.Satisfaction{officer: {Ratings: 4, Satisfied: 3}})
	if total.Open != 3 || total.Overdue != 1 || by[9].Overdue != 1 || by[9].Received != 0 {
		t.Errorf("queue: total %+v, officer 9 %+v", total, by[9])
	}
	if s, ok := by[officer].SatisfactionRate(); !ok || s != 75 {
		t.Errorf("satisfaction %v %v, want 75%%", s, ok)
	}
}
