// Package form carries field-level validation results from the domain
// packages to the pages: each error is a message key of internal/locale,
// with optional arguments, so the page shows it beside the field in the
// visitor's language. It knows nothing about HTTP.
package form

import (
	"strconv"
	"strings"
)

// Message is a translatable message: a locale key and its arguments.
type Message struct {
	Key  string
	Args []any
}

// Errors maps a field name to its first problem.
type Errors map[string]Message

// Add records a problem with field unless it already has one.
func (e Errors) Add(field, key string, args ...any) {
	if _, ok := e[field]; !ok {
		e[field] = Message{Key: key, Args: args}
	}
}

// Has reports whether field has a problem.
func (e Errors) Has(field string) bool { _, ok := e[field]; return ok }

// Any reports whether there is any problem.
func (e Errors) Any() bool { return len(e) > 0 }

// Error lets a form.Errors travel as an error.
func (e Errors) Error() string {
	var parts []string
	for f, m := range e {
		parts = append(parts, f+": "+m.Key)
	}
	return "invalid input: " + strings.Join(parts, ", ")
}

// Clean trims a value and collapses inner runs of white space, the way
// people paste names and addresses.
func Clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// TooLong reports whether s has more than n characters (not bytes: Chinese
// text is three bytes a character in UTF-8).
func TooLong(s string, n int) bool { return len([]rune(s)) > n }

// ValidPhone accepts a mainland mobile number or a landline with area code:
// 7 to 15 digits, with spaces, dashes, parentheses and a leading + allowed.
func ValidPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || r == '-' || r == '(' || r == ')':
		case r == '+' && i == 0:
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

// Choice reads text as the ID of one of options (id gives an option's) and
// returns it. Anything else — not a number, or no such option, as a
// hand-made request would send — adds "form.choose" on field and gives 0.
func Choice[T any](errs Errors, field, text string, options []T, id func(T) int64) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err == nil {
		for _, o := range options {
			if id(o) == n {
				return n
			}
		}
	}
	errs.Add(field, "form.choose")
	return 0
}

// MobileNumber reads s as a mainland mobile number and returns its 11
// digits (spaces, dashes, brackets and a +86 prefix removed); ok is false
// for anything else, a fixed line included: only a mobile receives a text.
func MobileNumber(s string) (digits string, ok bool) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '+' || r == '(' || r == ')':
		default:
			return "", false
		}
		if b.Len() > 13 {
			return "", false
		}
	}
	digits = b.String()
	if len(digits) == 13 {
		digits = strings.TrimPrefix(digits, "86")
	}
	if len(digits) != 11 || digits[0] != '1' {
		return "", false
	}
	return digits, true
}
