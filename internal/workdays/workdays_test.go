package workdays_test

import (
	"testing"
	"time"

	"honestmeasure/configs"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/workdays"
)

func calendar2026(t *testing.T) *workdays.Calendar {
	t.Helper()
	ref, err := reference.Load(configs.Changzhou())
	if err != nil {
		t.Fatal(err)
	}
	var days []model.Holiday
	for _, h := range ref.Holidays {
		days = append(days, model.Holiday{Day: h.Day, Kind: h.Kind})
	}
	return workdays.New(days)
}

func d(m time.Month, day int) time.Time { return model.Date(2026, m, day) }

func TestIsWorkingDay2026(t *testing.T) {
	cal := calendar2026(t)
	tests := []struct {
		day  time.Time
		want bool
		why  string
	}{
		{d(time.September, 18), true, "ordinary Friday"},
		{d(time.September, 19), false, "ordinary Saturday"},
		{d(time.September, 20), true, "Sunday made a working day for National Day"},
		{d(time.September, 25), false, "Mid-Autumn Friday off"},
		{d(time.October, 1), false, "National Day"},
		{d(time.October, 7), false, "last day of National Day holiday"},
		{d(time.October, 8), true, "first working day after National Day"},
		{d(time.October, 10), true, "Saturday made a working day"},
		{d(time.October, 11), false, "ordinary Sunday"},
		{d(time.February, 14), true, "Saturday made a working day before Spring Festival"},
		{d(time.February, 16), false, "Spring Festival Monday"},
		{d(time.February, 23), false, "last day of Spring Festival"},
		{d(time.February, 24), true, "first working day after Spring Festival"},
		{d(time.February, 28), true, "Saturday made a working day after Spring Festival"},
		{d(time.January, 4), true, "Sunday made a working day after New Year"},
	}
	for _, tt := range tests {
		if got := cal.IsWorkingDay(tt.day); got != tt.want {
			t.Errorf("%s (%s): working = %v, want %v", tt.day.Format("2006-01-02 Mon"), tt.why, got, tt.want)
		}
	}
}

func TestAddWorkingDays2026(t *testing.T) {
	cal := calendar2026(t)
	tests := []struct {
		name     string
		received time.Time
		n        int
		want     time.Time
	}{
		// Received Fri 25 Sep (a day off): 26 Sat, 27 Sun off; 28, 29, 30 Sep work (3);
		// 1–7 Oct off; 8, 9 (5), 10 Sat work (6), 12 Mon (7).
		{"complaint acceptance across National Day", d(time.September, 25), 7, d(time.October, 12)},
		// Received Wed 30 Sep: 8 Oct (1), 9 (2), 10 (3), 12 (4) … 16 (8), 19 (9) … 21 (11), 22 (12), 23 (13), 26 (14), 27 (15).
		{"tip decision across National Day", d(time.September, 30), 15, d(time.October, 27)},
		// Received Fri 18 Sep: 20 Sun work (1), 21–24 (5), 28–30 (8), 8 Oct (9), 9 (10), 10 Sat (11), 12 (12), 13 (13), 14 (14), 15 (15).
		{"tip decision over Mid-Autumn and National Day", d(time.September, 18), 15, d(time.October, 15)},
		// Received Fri 13 Feb: 14 Sat work (1), 15–23 off, 24 (2), 25 (3), 26 (4), 27 (5), 28 Sat (6), 2 Mar (7).
		{"complaint acceptance across Spring Festival", d(time.February, 13), 7, d(time.March, 2)},
		// Received Sat 14 Feb (a working day): 24 (1) … 27 (4), 28 (5), 2 Mar (6), 3 Mar (7).
		{"received on an adjusted working Saturday", d(time.February, 14), 7, d(time.March, 3)},
		{"ordinary week", d(time.November, 23), 7, d(time.December, 2)},
		{"zero days is the day itself", d(time.November, 23), 0, d(time.November, 23)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.AddWorkingDays(tt.received, tt.n); !got.Equal(tt.want) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, want %s", tt.received.Format("2006-01-02"), tt.n, got.Format("2006-01-02 Mon"), tt.want.Format("2006-01-02 Mon"))
			}
		})
	}
}

func TestReceiptLateInTheEveningCountsInLocalTime(t *testing.T) {
	cal := calendar2026(t)
	// 23:30 on Wed 30 Sep in Changzhou is 15:30 UTC the same day.
	received := time.Date(2026, 9, 30, 23, 30, 0, 0, model.Zone)
	if got := cal.AddWorkingDays(received, 1); !got.Equal(d(time.October, 8)) {
		t.Fatalf("got %s", got.Format("2006-01-02"))
	}
	// 00:30 on Thu 1 Oct local is still 30 Sep in UTC; the local day must win.
	received = time.Date(2026, 10, 1, 0, 30, 0, 0, model.Zone)
	if got := cal.AddWorkingDays(received, 1); !got.Equal(d(time.October, 8)) {
		t.Fatalf("got %s", got.Format("2006-01-02"))
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	cal := calendar2026(t)
	if n := cal.WorkingDaysBetween(d(time.September, 30), d(time.October, 12)); n != 4 {
		t.Fatalf("30 Sep → 12 Oct: %d working days, want 4 (8, 9, 10, 12 Oct)", n)
	}
	if n := cal.WorkingDaysBetween(d(time.October, 12), d(time.September, 30)); n != 0 {
		t.Fatalf("backwards: %d", n)
	}
	end := workdays.EndOfDay(d(time.October, 12))
	if end.In(model.Zone).Format("2006-01-02 15:04:05") != "2026-10-12 23:59:59" {
		t.Fatalf("EndOfDay = %s", end.In(model.Zone))
	}
}
