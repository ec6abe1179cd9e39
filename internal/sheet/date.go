package sheet

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// The dates ParseDate accepts lie in these years: a verification date
// outside them is a typing error, and a number outside them is not a date.
const (
	MinDateYear = 1990
	MaxDateYear = 2100
)

var errDateForm = errors.New("not a date in a known form")

// ParseDate reads a date as verification bodies write it:
//
//	2026-03-05   2026/3/5   2026.3.5   2026年3月5日   20260305
//
// optionally followed by a time of day, which is ignored
// ("2026-03-05 00:00:00"), or an Excel serial day number such as 46086
// (what an XLSX date cell stores; a fraction, the time, is ignored), counted
// in the 1904 system when date1904 (Reader.Date1904). Full-width digits and
// punctuation, as a Chinese input method types them, are accepted.
//
// The result is a civil date as internal/model keeps them: midnight UTC of
// that day. Impossible dates (2026-02-30) and dates outside MinDateYear to
// MaxDateYear fail with Kind BadDate. Day-first and month-first forms
// (05/03/2026) are refused: they cannot be told apart.
func ParseDate(s string, date1904 bool) (time.Time, error) {
	s = strings.TrimSpace(narrow(s))
	d, ok := parseDate(s, date1904)
	if !ok {
		return time.Time{}, &Error{Kind: BadDate, Err: errDateForm}
	}
	if d.Year() < MinDateYear || d.Year() > MaxDateYear {
		return time.Time{}, &Error{Kind: BadDate, Err: errors.New("date out of range")}
	}
	return d, nil
}

func parseDate(s string, date1904 bool) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if allDigits(s) && len(s) == 8 {
		y, _ := strconv.Atoi(s[:4])
		m, _ := strconv.Atoi(s[4:6])
		d, _ := strconv.Atoi(s[6:])
		return civil(y, m, d)
	}
	if serial, ok := parseSerial(s); ok {
		return excelSerialDate(serial, date1904)
	}
	if strings.Contains(s, "年") {
		// 2026年3月5日 (or 5号, or no day mark).
		ys, rest, ok1 := strings.Cut(s, "年")
		ms, rest, ok2 := strings.Cut(rest, "月")
		ds := strings.TrimSuffix(strings.TrimSuffix(rest, "日"), "号")
		if !ok1 || !ok2 {
			return time.Time{}, false
		}
		return civilText(strings.TrimSpace(ys), strings.TrimSpace(ms), strings.TrimSpace(ds))
	}
	// Y-M-D with one separator, then perhaps a time.
	date, clock, hasClock := strings.Cut(s, " ")
	if !hasClock {
		date, clock, hasClock = strings.Cut(s, "T")
	}
	if hasClock && !isClock(strings.TrimSpace(clock)) {
		return time.Time{}, false
	}
	for _, sep := range []string{"-", "/", "."} {
		parts := strings.Split(date, sep)
		if len(parts) == 3 {
			return civilText(parts[0], parts[1], parts[2])
		}
	}
	return time.Time{}, false
}

// civilText builds a date from a 4-digit year and 1- or 2-digit month and
// day.
func civilText(ys, ms, ds string) (time.Time, bool) {
	if len(ys) != 4 || !allDigits(ys) || !shortNumber(ms) || !shortNumber(ds) {
		return time.Time{}, false
	}
	y, _ := strconv.Atoi(ys)
	m, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	return civil(y, m, d)
}

// civil builds a date, refusing one time.Date would normalise (February 30
// into March 2).
func civil(y, m, d int) (time.Time, bool) {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// parseSerial reads a whole or decimal number of at most 6 integer digits,
// the time fraction dropped.
func parseSerial(s string) (int, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(whole) > 6 || !allDigits(whole) || (frac != "" && !allDigits(frac)) {
		return 0, false
	}
	n, _ := strconv.Atoi(whole)
	return n, true
}

// excelSerialDate converts an Excel day number. In the 1900 system day 1 is
// 1900-01-01 and day 60 is 1900-02-29, a day that did not exist: Lotus
// 1-2-3 took 1900 for a leap year and Excel kept it, so from day 61 on the
// count is one ahead and day 60 is refused. In the 1904 system day 0 is
// 1904-01-01.
func excelSerialDate(serial int, date1904 bool) (time.Time, bool) {
	switch {
	case date1904:
		return time.Date(1904, 1, 1+serial, 0, 0, 0, 0, time.UTC), true
	case serial >= 61:
		return time.Date(1899, 12, 30+serial, 0, 0, 0, 0, time.UTC), true
	case serial >= 1 && serial < 60:
		return time.Date(1899, 12, 31+serial, 0, 0, 0, 0, time.UTC), true
	}
	return time.Time{}, false
}

// isClock reports whether s is a time of day, H:MM or H:MM:SS with perhaps
// a fraction of a second.
func isClock(s string) bool {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	if len(parts) == 3 {
		sec, frac, _ := strings.Cut(parts[2], ".")
		if frac != "" && !allDigits(frac) {
			return false
		}
		parts[2] = sec
	}
	for i, p := range parts {
		if !shortNumber(p) {
			return false
		}
		n, _ := strconv.Atoi(p)
		if (i == 0 && n > 23) || (i > 0 && n > 59) {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

func shortNumber(s string) bool { return (len(s) == 1 || len(s) == 2) && allDigits(s) }

// narrow maps full-width ASCII (U+FF01 to U+FF5E) to ASCII and the
// ideographic space to a space.
func narrow(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFF01 + '!'
		case r == 0x3000:
			return ' '
		}
		return r
	}, s)
}
