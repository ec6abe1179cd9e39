// Package draw is the verifiable, reproducible lottery behind "双随机、一公开"
// spot checks: which targets are checked, and by which inspectors.
//
// An agency first publishes an Announcement: the frozen target pool (with
// stratum, risk class and weight), the units left out and why, the
// inspectors and whom each may not check, how many to draw per cell, a
// commitment to a secret and the name of a public random value that does not
// exist yet (a lottery result on a future date). Once that value is public
// the agency reveals the secret, and Run derives every position from the
// secret, the value and the announcement alone: integers only, no clock, no
// other randomness, so anyone re-running it on any platform gets the same
// File byte for byte (Verify; the algorithm is specified in docs/draw.md).
//
// It is pure: no database, no clock, no I/O, no configuration. Storing,
// announcing, voiding and publishing draws belong to the caller; nothing
// here may depend on them, or a published file would stop being checkable
// by a stranger with only this package (or docs/draw.md) at hand.
package draw

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"honestmeasure/internal/fail"
)

// Version is the only Announcement.Version this package draws.
const Version = 1

// Bounds on an announcement, so that a draw (and verifying its file) takes
// bounded time and memory.
const (
	MaxTargets             = 100_000
	MaxExcluded            = 100_000
	MaxInspectors          = 1_000
	MaxRecusals            = 1_000_000 // inspector–target exclusions, over all inspectors
	MaxCells               = 10_000
	MaxDrawn               = 10_000 // Σ cell counts
	MaxWeight              = 1_000_000_000
	MaxInspectorsPerTarget = 10
	MaxFileBytes           = 64 << 20

	maxLabel  = 200 // bytes, for target and inspector labels
	maxCode   = 64  // stratum, class
	maxName   = 200 // id, agency, plan, item
	maxReason = 500 // excluded reasons, randomness source
	maxRandom = 1000
)

// Classes are the risk classes a target may have (SAMR's A low … D high).
var Classes = []string{"A", "B", "C", "D"}

// Errors. Each is a fail.Invalid; details are wrapped around it, so
// errors.Is(err, ErrInvalid) and fail.KindOf(err) both hold.
var (
	ErrInvalid      = fail.New(fail.Invalid, "invalid draw announcement")
	ErrReveal       = fail.New(fail.Invalid, "invalid reveal")
	ErrCommitment   = fail.New(fail.Invalid, "the revealed secret does not match the commitment")
	ErrInspectors   = fail.New(fail.Invalid, "not enough eligible inspectors")
	ErrFile         = fail.New(fail.Invalid, "not a draw file")
	ErrNotReproduce = fail.New(fail.Invalid, "the file does not reproduce")
)

// Target is one unit that may be drawn.
type Target struct {
	Label   string `json:"label"`   // e.g. "unit:123:91320402MA1XYW0008"
	Stratum string `json:"stratum"` // district code
	Class   string `json:"class"`   // risk class A–D
	Weight  int64  `json:"weight"`  // 1 … MaxWeight
}

// Excluded is a unit left out of the pool, and why: published so that
// leaving someone out is as visible as drawing them.
type Excluded struct {
	Label  string `json:"label"`
	Reason string `json:"reason"`
}

// Inspector is one officer who may be assigned.
type Inspector struct {
	Label    string   `json:"label"`    // e.g. "officer:17"
	Excluded []string `json:"excluded"` // target labels this inspector may not check (declared conflicts, last time's inspector)
}

// Cell says how many to draw from one stratum and class.
type Cell struct {
	Stratum string `json:"stratum"`
	Class   string `json:"class"`
	Count   int    `json:"count"`
}

// Announcement is everything fixed before the draw. Its lists are sorted
// (see Validate), so one pool has exactly one announcement.
type Announcement struct {
	Version             int         `json:"version"`
	ID                  string      `json:"id"`
	Agency              string      `json:"agency"`
	Plan                string      `json:"plan"`
	Item                string      `json:"item"`
	AnnouncedAt         string      `json:"announced_at"` // RFC 3339
	Targets             []Target    `json:"targets"`
	Excluded            []Excluded  `json:"excluded"`
	Inspectors          []Inspector `json:"inspectors"`
	Cells               []Cell      `json:"cells"`
	InspectorsPerTarget int         `json:"inspectors_per_target"`
	Commitment          string      `json:"commitment"`        // Commit(secret)
	RandomnessSource    string      `json:"randomness_source"` // the named public value it will use
	Previous            string      `json:"previous"`          // Hash of the agency's previous draw file, "" for its first
}

// Validate reports the first thing wrong with a, wrapped around ErrInvalid
// (or ErrInspectors when some target has too few inspectors who may check it).
func (a *Announcement) Validate() error {
	_, err := a.index()
	return err
}

// pool is what Run needs from a valid announcement.
type pool struct {
	cellTargets [][]int // per cell, target indices in announcement order
	recused     [][]int // per target, the inspectors who may not check it, ascending
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func (a *Announcement) index() (*pool, error) {
	if a.Version != Version {
		return nil, invalid("version is %d, this program draws version %d", a.Version, Version)
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"id", a.ID, maxName}, {"agency", a.Agency, maxName}, {"plan", a.Plan, maxName}, {"item", a.Item, maxName},
		{"randomness_source", a.RandomnessSource, maxReason}} {
		if err := checkText(f.v, f.max); err != nil {
			return nil, invalid("%s %v", f.name, err)
		}
	}
	if t, err := time.Parse(time.RFC3339, a.AnnouncedAt); err != nil || t.Format(time.RFC3339) != a.AnnouncedAt {
		return nil, invalid("announced_at %q is not an RFC 3339 time such as 2026-12-01T09:00:00+08:00 (whole seconds)", a.AnnouncedAt)
	}
	if !isHash(a.Commitment) {
		return nil, invalid("commitment must be 64 lower-case hex digits (a SHA-256)")
	}
	if a.Previous != "" && !isHash(a.Previous) {
		return nil, invalid("previous must be empty (the agency's first draw) or 64 lower-case hex digits")
	}
	if n := len(a.Targets); n == 0 || n > MaxTargets {
		return nil, invalid("%d targets: between 1 and %d", n, MaxTargets)
	}
	if n := len(a.Excluded); n > MaxExcluded {
		return nil, invalid("%d excluded units: at most %d", n, MaxExcluded)
	}
	if n := len(a.Inspectors); n == 0 || n > MaxInspectors {
		return nil, invalid("%d inspectors: between 1 and %d", n, MaxInspectors)
	}
	if n := len(a.Cells); n == 0 || n > MaxCells {
		return nil, invalid("%d cells: between 1 and %d", n, MaxCells)
	}
	if a.InspectorsPerTarget < 2 || a.InspectorsPerTarget > MaxInspectorsPerTarget {
		return nil, invalid("inspectors_per_target is %d: between 2 and %d", a.InspectorsPerTarget, MaxInspectorsPerTarget)
	}

	// Cells: sorted by (stratum, class), unique.
	cellOf := make(map[[2]string]int, len(a.Cells))
	drawn := 0
	for i, c := range a.Cells {
		if err := checkText(c.Stratum, maxCode); err != nil {
			return nil, invalid("cell %d stratum %v", i+1, err)
		}
		if !slices.Contains(Classes, c.Class) {
			return nil, invalid("cell %d class %q: must be one of %s", i+1, c.Class, strings.Join(Classes, ", "))
		}
		if i > 0 && cmpCell(a.Cells[i-1], c) >= 0 {
			return nil, invalid("cells must be sorted by stratum then class, each once: cell %d (%s, %s) after (%s, %s)",
				i+1, c.Stratum, c.Class, a.Cells[i-1].Stratum, a.Cells[i-1].Class)
		}
		if c.Count < 0 {
			return nil, invalid("cell (%s, %s) count %d is negative", c.Stratum, c.Class, c.Count)
		}
		drawn += c.Count
		cellOf[[2]string{c.Stratum, c.Class}] = i
	}
	if drawn > MaxDrawn {
		return nil, invalid("%d to draw in all: at most %d", drawn, MaxDrawn)
	}

	p := &pool{cellTargets: make([][]int, len(a.Cells)), recused: make([][]int, len(a.Targets))}
	targetOf := make(map[string]int, len(a.Targets))
	for i, t := range a.Targets {
		if err := checkText(t.Label, maxLabel); err != nil {
			return nil, invalid("target %d label %v", i+1, err)
		}
		if i > 0 && a.Targets[i-1].Label >= t.Label {
			return nil, invalid("targets must be sorted by label, each once: %q after %q", t.Label, a.Targets[i-1].Label)
		}
		if t.Weight < 1 || t.Weight > MaxWeight {
			return nil, invalid("target %s weight %d: between 1 and %d", t.Label, t.Weight, MaxWeight)
		}
		c, ok := cellOf[[2]string{t.Stratum, t.Class}]
		if !ok {
			return nil, invalid("target %s is in stratum %q class %q, which has no cell (give it a cell, with count 0 if none are to be drawn)",
				t.Label, t.Stratum, t.Class)
		}
		p.cellTargets[c] = append(p.cellTargets[c], i)
		targetOf[t.Label] = i
	}
	for i, c := range a.Cells {
		if c.Count > len(p.cellTargets[i]) {
			return nil, invalid("cell (%s, %s) draws %d of %d targets", c.Stratum, c.Class, c.Count, len(p.cellTargets[i]))
		}
	}
	for i, x := range a.Excluded {
		if err := checkText(x.Label, maxLabel); err != nil {
			return nil, invalid("excluded unit %d label %v", i+1, err)
		}
		if err := checkText(x.Reason, maxReason); err != nil {
			return nil, invalid("excluded unit %s reason %v", x.Label, err)
		}
		if i > 0 && a.Excluded[i-1].Label >= x.Label {
			return nil, invalid("excluded units must be sorted by label, each once: %q after %q", x.Label, a.Excluded[i-1].Label)
		}
		if _, ok := targetOf[x.Label]; ok {
			return nil, invalid("%s is both a target and excluded", x.Label)
		}
	}
	recusals := 0
	for i, in := range a.Inspectors {
		if err := checkText(in.Label, maxLabel); err != nil {
			return nil, invalid("inspector %d label %v", i+1, err)
		}
		if i > 0 && a.Inspectors[i-1].Label >= in.Label {
			return nil, invalid("inspectors must be sorted by label, each once: %q after %q", in.Label, a.Inspectors[i-1].Label)
		}
		recusals += len(in.Excluded)
		if recusals > MaxRecusals {
			return nil, invalid("more than %d inspector exclusions in all", MaxRecusals)
		}
		for j, l := range in.Excluded {
			if j > 0 && in.Excluded[j-1] >= l {
				return nil, invalid("inspector %s: excluded labels must be sorted, each once: %q after %q", in.Label, l, in.Excluded[j-1])
			}
			t, ok := targetOf[l]
			if !ok {
				return nil, invalid("inspector %s excludes %q, which is not a target", in.Label, l)
			}
			p.recused[t] = append(p.recused[t], i)
		}
	}
	for t, r := range p.recused {
		if eligible := len(a.Inspectors) - len(r); eligible < a.InspectorsPerTarget {
			return nil, fmt.Errorf("%w: %s may be checked by %d inspector(s), %d are needed", ErrInspectors,
				a.Targets[t].Label, eligible, a.InspectorsPerTarget)
		}
	}
	return p, nil
}

func cmpCell(x, y Cell) int {
	if c := strings.Compare(x.Stratum, y.Stratum); c != 0 {
		return c
	}
	return strings.Compare(x.Class, y.Class)
}

// checkText holds every text field to one form: 1 to max bytes of UTF-8, no
// control characters, and already normalised (NormalizeText), so that the
// JSON encoding of the file and the hashes need no escaping rules beyond
// `"` and `\`.
func checkText(s string, max int) error {
	switch {
	case s == "":
		return errors.New("is empty")
	case len(s) > max:
		return fmt.Errorf("is longer than %d bytes", max)
	case !utf8.ValidString(s):
		return errors.New("is not valid UTF-8")
	case strings.ContainsFunc(s, unicode.IsControl):
		return fmt.Errorf("%q contains a control character", s)
	case !normal(s):
		return fmt.Errorf("%q has leading, trailing, repeated or non-ASCII white space (use NormalizeText)", s)
	}
	return nil
}

// NormalizeText is the normal form of every text in a draw, the revealed
// random value included: white space (Unicode White_Space: tab, line feed,
// vertical tab, form feed, carriage return, space, U+0085, U+00A0, U+1680,
// U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) trimmed from both
// ends and every inner run of it replaced by one U+0020 space. Nothing else
// is changed: not case, not full-width digits, not Unicode composition.
func NormalizeText(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// normal reports whether NormalizeText(s) == s, without allocating.
func normal(s string) bool {
	prevSpace := true // so that leading white space is refused
	for i := 0; i < len(s); {
		r, n := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(s[i:])
		}
		i += n
		space := r == ' ' || r >= 0x09 && r <= 0x0d || r >= 0x85 && unicode.IsSpace(r)
		if space && (r != ' ' || prevSpace) {
			return false
		}
		prevSpace = space
	}
	return !prevSpace
}

func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
