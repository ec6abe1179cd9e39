package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// table is the one result table hmbench prints: each target with its
// figure and verdict, reference figures marked "info", and notes below.
type table struct {
	machine string
	rows    [][4]string
	notes   []string
}

func newTable(machine string) *table { return &table{machine: machine} }

// add records a target and whether the figure meets it.
func (t *table) add(measure, figure, target string, met bool) {
	verdict := "NOT MET"
	if met {
		verdict = "MET"
	}
	t.rows = append(t.rows, [4]string{measure, figure, target, verdict})
}

// info records a figure that has no target of its own (a reference, a
// detail behind a target).
func (t *table) info(measure, figure string) {
	t.rows = append(t.rows, [4]string{measure, figure, "—", "info"})
}

func (t *table) note(s string) { t.notes = append(t.notes, s) }

func (t *table) print(w io.Writer) {
	head := [4]string{"measure", "figure", "target", "MET/NOT MET"}
	width := [4]int{}
	for _, r := range append([][4]string{head}, t.rows...) {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(r [4]string) {
		cells := make([]string, 4)
		for i, c := range r {
			cells[i] = c + strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
		}
		fmt.Fprintln(w, "| "+strings.Join(cells, " | ")+" |")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, t.machine)
	fmt.Fprintln(w)
	line(head)
	var rule [4]string
	for i := range rule {
		rule[i] = strings.Repeat("-", width[i])
	}
	line(rule)
	for _, r := range t.rows {
		line(r)
	}
	met, notMet := 0, 0
	for _, r := range t.rows {
		switch r[3] {
		case "MET":
			met++
		case "NOT MET":
			notMet++
		}
	}
	fmt.Fprintf(w, "\n%d targets MET, %d NOT MET\n", met, notMet)
	for _, n := range t.notes {
		fmt.Fprintln(w, "note: "+n)
	}
}
