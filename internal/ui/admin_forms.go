package ui

import (
	"strconv"
	"strings"
	"time"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
)

// Parsing helpers shared by the admin forms. Each adds a field message to
// errs and returns the zero value when the input does not fit.

// adminRequired cleans a one-line text field and checks it is present and
// at most n characters long.
func adminRequired(errs form.Errors, field, v string, n int) string {
	v = form.Clean(v)
	if v == "" {
		errs.Add(field, "form.required")
	} else if form.TooLong(v, n) {
		errs.Add(field, "form.too_long", n)
	}
	return v
}

// adminOptional cleans a one-line text field and checks its length.
func adminOptional(errs form.Errors, field, v string, n int) string {
	v = form.Clean(v)
	if form.TooLong(v, n) {
		errs.Add(field, "form.too_long", n)
	}
	return v
}

// adminInt parses a whole number from lo to hi.
func adminInt(errs form.Errors, field, v string, lo, hi int) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > hi {
		errs.Add(field, "form.range", lo, hi)
		return 0
	}
	return n
}

// adminDate parses a YYYY-MM-DD calendar date.
func adminDate(errs form.Errors, field, v string) time.Time {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(v))
	if err != nil {
		errs.Add(field, "form.date")
		return time.Time{}
	}
	return model.Date(t.Year(), t.Month(), t.Day())
}

// adminOptionalID parses an optional ID chosen from a list; "" is nil. ok is
// false when a value was given that is not a number.
func adminOptionalID(v string) (id *int64, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return nil, false
	}
	return &n, true
}

func adminIDString(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}
