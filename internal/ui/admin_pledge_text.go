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
