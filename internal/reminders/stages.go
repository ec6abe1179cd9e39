// Package reminders tells merchants, before and after it happens, that an
// instrument's verification runs out, and lists for officers the expired
// instruments still in use in their districts.
//
// A daily run (Service.Run, started hourly by every instance) sends each
// unit at most one digest a day, listing every instrument that reached a
// stage it was not yet reminded of. What makes several instances send each
// reminder exactly once is the database, not a lock or a leader: a digest is
// unique per (unit, day) and a reminder per (instrument, valid-until,
// stage), and both are inserted in the transaction that enqueues the
// messages, so an instance that loses the race rolls back and sends nothing.
package reminders

import (
	"math"
	"slices"
	"strconv"
	"time"
)

// DefaultOffsets are the days before the valid-until date on which a merchant
// is reminded (HM_EXPIRY_REMINDER_DAYS).
var DefaultOffsets = []int{30, 15, 7, 1}

// Stages after the valid-until date: the day after it, and a week after it.
const (
	StageExpired  = "expired"
	StageExpired7 = "expired7"
)

// CatchUpDays is how late the last stage ("expired 7 days ago") may still be
// sent when the job did not run on its day (every instance down, say).
// Later than that the reminder would be news to nobody; officers see the
// instrument on their list of expired instruments in use.
const CatchUpDays = 7

// Stage is one reminder of a certificate: its name (stored in
// expiry_reminders.stage) and the day, relative to the valid-until date,
// from which it is due (-30: thirty days before; 1: the day after).
type Stage struct {
	Name string
	Day  int
}

// Stages are the reminders of a certificate in the order they fall due: one
// per offset (d30, d15, …, most days first; duplicates and negative offsets
// are ignored), then expired and expired7.
func Stages(offsets []int) []Stage {
	days := slices.Clone(offsets)
	slices.Sort(days)
	days = slices.Compact(days)
	slices.Reverse(days)
	out := make([]Stage, 0, len(days)+2)
	for _, d := range days {
		if d >= 0 {
			out = append(out, Stage{Name: "d" + strconv.Itoa(d), Day: -d})
		}
	}
	return append(out, Stage{Name: StageExpired, Day: 1}, Stage{Name: StageExpired7, Day: 7})
}

// DaysBetween counts calendar days from date a to date b (both as
// model.DateOf gives them); negative when b is before a.
func DaysBetween(a, b time.Time) int {
	return int(math.Round(b.Sub(a).Hours() / 24))
}

// StageOn is the most urgent stage a certificate valid until validUntil has
// reached on day: the last stage whose day has come. Earlier stages are
// never sent after it (no 30-day reminder once the 15-day one is due), so a
// run that was missed catches up with the one that matters now. ok is false
// before the first stage, and more than CatchUpDays after the last.
func StageOn(stages []Stage, validUntil, day time.Time) (Stage, bool) {
	d := DaysBetween(validUntil, day)
	for i := len(stages) - 1; i >= 0; i-- {
		if stages[i].Day > d {
			continue
		}
		if i == len(stages)-1 && d > stages[i].Day+CatchUpDays {
			return Stage{}, false
		}
		return stages[i], true
	}
	return Stage{}, false
}

// Lead is how many days before the valid-until date the first reminder
// falls: the merchant's dashboard lists certificates from then on.
func Lead(stages []Stage) int {
	if len(stages) == 0 || stages[0].Day >= 0 {
		return 0
	}
	return -stages[0].Day
}
