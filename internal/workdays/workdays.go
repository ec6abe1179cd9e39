// Package workdays answers working-day questions for legal deadlines: a
// working day is a Monday–Friday that is not a day off, or a weekend day
// made a working day (调休). The calendar is data from the holidays table;
// this package only does the arithmetic.
package workdays

import (
	"time"

	"honestmeasure/internal/model"
)

// Calendar knows the exceptions to the Monday–Friday rule.
type Calendar struct {
	off  map[time.Time]bool
	work map[time.Time]bool
}

// New builds a calendar from holiday rows (days as model.DateOf dates).
func New(days []model.Holiday) *Calendar {
	c := &Calendar{off: map[time.Time]bool{}, work: map[time.Time]bool{}}
	for _, d := range days {
		day := model.DateOf(d.Day)
		switch d.Kind {
		case model.DayOff:
			c.off[day] = true
		case model.WorkingDay:
			c.work[day] = true
		}
	}
	return c
}

// IsWorkingDay reports whether the calendar day of t (in model.Zone) is a
// working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	day := model.DateOf(t)
	if c.work[day] {
		return true
	}
	if c.off[day] {
		return false
	}
	wd := day.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays returns the calendar day on which a period of n working days
// that starts with receipt at t ends. The day of receipt does not count (the
// period starts the next day, as deadlines in administrative law do); the
// deadline is the end of the n-th working day after it.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	day := model.DateOf(t)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkingDay(day) {
			n--
		}
	}
	return day
}

// EndOfDay turns a calendar day into the last instant of that day in
// model.Zone, in UTC: the moment a deadline on that day passes.
func EndOfDay(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, 23, 59, 59, 0, model.Zone).UTC()
}

// WorkingDaysBetween counts working days after from's day up to and
// including to's day (0 when to is not after from): "days left" on a case.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	a, b := model.DateOf(from), model.DateOf(to)
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}
