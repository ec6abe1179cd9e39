package draw

import (
	"fmt"
	"math/bits"
	"slices"
)

// Reveal is what the agency publishes once the random value is known.
type Reveal struct {
	Secret      string `json:"secret"`       // the secret behind the commitment, 64 lower-case hex digits
	RandomValue string `json:"random_value"` // the public value as published, in NormalizeText form
}

// Selection is one drawn target and its inspectors.
type Selection struct {
	Position   int      `json:"position"` // 1-based: selected first, then reserve, each cell by cell in draw order
	Label      string   `json:"label"`
	Stratum    string   `json:"stratum"`
	Class      string   `json:"class"`
	Inspectors []string `json:"inspectors"` // sorted by label
}

// Result is the outcome of a draw.
type Result struct {
	Selected []Selection `json:"selected"` // Σ cell counts
	// Reserve holds, per cell, the next positions of the same draw (up to
	// the cell's count again, or what is left), inspectors assigned: a
	// substitute for a selected target that turns out to be closed is the
	// first unused reserve of its cell, never a redraw.
	Reserve []Selection `json:"reserve"`
}

// Run draws: it checks the announcement and that the secret matches its
// commitment, then derives every position from the pool hash, the secret
// and the random value (docs/draw.md §4).
func Run(a *Announcement, r Reveal) (*Result, error) {
	p, err := a.index()
	if err != nil {
		return nil, err
	}
	if !isHash(r.Secret) {
		return nil, fmt.Errorf("%w: the secret must be 64 lower-case hex digits", ErrReveal)
	}
	if Commit(r.Secret) != a.Commitment {
		return nil, ErrCommitment
	}
	if err := checkText(r.RandomValue, maxRandom); err != nil {
		return nil, fmt.Errorf("%w: random_value %v", ErrReveal, err)
	}
	sd := seed(a.poolHash(), r.Secret, r.RandomValue)

	res := &Result{Selected: []Selection{}, Reserve: []Selection{}}
	var reserve [][]int
	for i, c := range a.Cells {
		cell := p.cellTargets[i]
		order := drawCell(newStream(sd, "cell", c.Stratum, c.Class), a.Targets, cell, min(2*c.Count, len(cell)))
		for _, t := range order[:c.Count] {
			res.Selected = append(res.Selected, selection(a, t))
		}
		reserve = append(reserve, order[c.Count:])
	}
	for _, ts := range reserve {
		for _, t := range ts {
			res.Reserve = append(res.Reserve, selection(a, t))
		}
	}
	all := len(res.Selected) + len(res.Reserve)
	assign := assigner{a: a, p: p, s: newStream(sd, "inspectors"), load: make([]int, len(a.Inspectors)), barred: make([]bool, len(a.Inspectors))}
	for i := range all {
		sel := &res.Reserve
		j := i - len(res.Selected)
		if i < len(res.Selected) {
			sel, j = &res.Selected, i
		}
		(*sel)[j].Position = i + 1
		(*sel)[j].Inspectors = assign.next(targetIndex(a, (*sel)[j].Label))
	}
	return res, nil
}

func selection(a *Announcement, t int) Selection {
	x := a.Targets[t]
	return Selection{Label: x.Label, Stratum: x.Stratum, Class: x.Class}
}

func targetIndex(a *Announcement, label string) int {
	i, _ := slices.BinarySearchFunc(a.Targets, label, func(t Target, l string) int {
		switch {
		case t.Label < l:
			return -1
		case t.Label > l:
			return 1
		}
		return 0
	})
	return i
}

// drawCell draws n of the cell's targets (indices into targets, in
// announcement order) one after another without replacement, each with
// probability its weight over the weight still in the cell: a uniform r in
// [0, W) picks the first remaining target whose running total of weights
// exceeds r. A Fenwick tree keeps the running totals, O(log m) a draw.
func drawCell(s *stream, targets []Target, cell []int, n int) []int {
	m := len(cell)
	tree := make([]int64, m+1) // 1-based Fenwick tree over the weights
	var total int64
	for i, t := range cell {
		w := targets[t].Weight
		total += w
		tree[i+1] += w
		if up := (i + 1) + (i+1)&-(i+1); up <= m {
			tree[up] += tree[i+1]
		}
	}
	top := 0
	if m > 0 {
		top = 1 << (bits.Len(uint(m)) - 1)
	}
	order := make([]int, 0, n)
	for range n {
		r := int64(s.below(uint64(total)))
		// Descend to the largest prefix whose sum is ≤ r; the next
		// target is the first whose running total exceeds r.
		pos := 0
		for step := top; step > 0; step >>= 1 {
			if next := pos + step; next <= m && tree[next] <= r {
				pos = next
				r -= tree[next]
			}
		}
		w := targets[cell[pos]].Weight
		order = append(order, cell[pos])
		total -= w
		for i := pos + 1; i <= m; i += i & -i {
			tree[i] -= w
		}
	}
	return order
}

// assigner gives each drawn target, in position order, InspectorsPerTarget
// distinct inspectors who may check it: each time the least loaded of those
// left, ties broken by a uniform draw among them in label order.
type assigner struct {
	a      *Announcement
	p      *pool
	s      *stream
	load   []int
	barred []bool
	ties   []int
}

func (g *assigner) next(target int) []string {
	for _, i := range g.p.recused[target] {
		g.barred[i] = true
	}
	chosen := make([]int, 0, g.a.InspectorsPerTarget)
	for range g.a.InspectorsPerTarget {
		g.ties = g.ties[:0]
		least := -1
		for i, l := range g.load {
			switch {
			case g.barred[i]:
			case least < 0 || l < least:
				least = l
				g.ties = append(g.ties[:0], i)
			case l == least:
				g.ties = append(g.ties, i)
			}
		}
		// Validate guaranteed enough eligible inspectors.
		pick := g.ties[g.s.below(uint64(len(g.ties)))]
		chosen = append(chosen, pick)
		g.load[pick]++
		g.barred[pick] = true
	}
	for _, i := range g.p.recused[target] {
		g.barred[i] = false
	}
	slices.Sort(chosen) // inspectors are sorted by label, so by index
	labels := make([]string, len(chosen))
	for k, i := range chosen {
		g.barred[i] = false
		labels[k] = g.a.Inspectors[i].Label
	}
	return labels
}
