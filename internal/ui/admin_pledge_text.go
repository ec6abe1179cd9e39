package ui

import (
	"regexp"
	"strings"

	"honestmeasure/internal/form"
)

// Pledge texts.

// adminClauseNumber is a number someone typed before a clause ("1. ",
// "2、"); reference.Body numbers the clauses itself. "1.5 kg" is no number.
var adminClauseNumber = regexp.MustCompile(`^\d{1,3}(?:[.．]\s+|[、)）]\s*)`)

// adminLines splits a text area into its non-blank lines, without any
// leading clause numbers.
func adminLines(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		line = form.Clean(adminClauseNumber.ReplaceAllString(strings.TrimSpace(line), ""))
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// adminRequiredLines is adminLines for a required text area: at least one
// line, each at most n characters long.
func adminRequiredLines(errs form.Errors, field, v string, n int) []string {
	lines := adminLines(v)
	if len(lines) == 0 {
		errs.Add(field, "form.required")
	}
	for _, l := range lines {
		if form.TooLong(l, n) {
			errs.Add(field, "form.too_long", n)
		}
	}
	return lines
}
