package model

import "time"

// Zone is the local time of the deployment. Calendar questions (is this
// certificate still valid today, is today a working day) are answered in it.
// China has one zone without daylight saving; another deployment may set it
// from configuration at start-up.
var Zone = time.FixedZone("CST", 8*60*60)

// DateOf returns the calendar day of t in Zone, as midnight UTC: the form
// DATE columns are written and compared in on both database engines. A date
// is its own DateOf: midnight UTC is 08:00 the same day in China (and in any
// zone east of UTC up to +23:59).
func DateOf(t time.Time) time.Time {
	y, m, d := t.In(Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Date builds a calendar date.
func Date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
