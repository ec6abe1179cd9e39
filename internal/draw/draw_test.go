package draw

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"honestmeasure/internal/fail"
)

// Fixed secrets, so every test is reproducible.
const (
	testSecret  = "6b1f0e4a3c2d59788e7f6a5b4c3d2e1f00112233445566778899aabbccddeeff"
	otherSecret = "00112233445566778899aabbccddeeff6b1f0e4a3c2d59788e7f6a5b4c3d2e1f"
)

type poolSpec struct {
	targets, strata, inspectors int
	perCell                     int     // count drawn in each cell
	recuse                      float64 // chance an inspector may not check a target
}

// testPool builds a valid announcement from rng: targets spread over
// strata × the four classes, weights 1–4000, inspectors with random
// exclusions (kept so that every target has enough eligible inspectors).
func testPool(rng *rand.Rand, s poolSpec) *Announcement {
	a := &Announcement{Version: 1, ID: "CZ-2026-017", Agency: "320402-SCJG", Plan: "2026 计量器具专项", Item: "JL-01 强制检定计量器具",
		AnnouncedAt: "2026-12-01T09:00:00+08:00", InspectorsPerTarget: 2, Commitment: Commit(testSecret),
		RandomnessSource: "中国福利彩票双色球 2026-12-10 开奖号码", Excluded: []Excluded{{Label: "unit:0:91320402MA1XYW0000", Reason: "已注销"}}}
	size := map[[2]string]int{}
	for i := range s.targets {
		t := Target{Label: fmt.Sprintf("unit:%06d:9132040%d", i+1, i%10), Stratum: fmt.Sprintf("3204%02d", rng.IntN(s.strata)+1),
			Class: Classes[rng.IntN(len(Classes))], Weight: rng.Int64N(4000) + 1}
		a.Targets = append(a.Targets, t)
		size[[2]string{t.Stratum, t.Class}]++
	}
	for k, n := range size {
		a.Cells = append(a.Cells, Cell{Stratum: k[0], Class: k[1], Count: min(s.perCell, n/2)})
	}
	slices.SortFunc(a.Cells, cmpCell)
	for i := range s.inspectors {
		in := Inspector{Label: fmt.Sprintf("officer:%04d", i+1), Excluded: []string{}}
		if s.recuse > 0 {
			for _, t := range a.Targets {
				if rng.Float64() < s.recuse {
					in.Excluded = append(in.Excluded, t.Label)
				}
			}
		}
		a.Inspectors = append(a.Inspectors, in)
	}
	// Keep at least InspectorsPerTarget eligible: the last two never recuse.
	for i := max(0, s.inspectors-2); i < s.inspectors; i++ {
		a.Inspectors[i].Excluded = []string{}
	}
	return a
}

func testReveal(value string) Reveal { return Reveal{Secret: testSecret, RandomValue: value} }

func mustRun(t testing.TB, a *Announcement, r Reveal) *Result {
	t.Helper()
	res, err := Run(a, r)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mustFile(t testing.TB, a *Announcement, r Reveal) []byte {
	t.Helper()
	b, err := (&File{Announcement: *a, Reveal: r, Result: *mustRun(t, a, r)}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyReproducesTheFileByteForByte(t *testing.T) {
	a := testPool(rand.New(rand.NewPCG(1, 2)), poolSpec{targets: 300, strata: 3, inspectors: 12, perCell: 4, recuse: 0.05})
	file := mustFile(t, a, testReveal("03 07 12 19 25 31 + 09"))
	f, err := Verify(file)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.Marshal()
	if err != nil || !bytes.Equal(again, file) {
		t.Fatalf("re-marshalled file differs (%v)", err)
	}
	if len(f.Result.Selected) == 0 || len(f.Result.Reserve) == 0 {
		t.Fatalf("nothing drawn: %+v", f.Result)
	}
	if !bytes.HasSuffix(file, []byte("}\n")) || !bytes.Contains(file, []byte(`"plan": "2026 计量器具专项"`)) {
		t.Fatalf("not indented UTF-8 JSON ending in a line feed:\n%.300s", file)
	}
	if got := Hash(file); got != Hash(slices.Clone(file)) || len(got) != 64 {
		t.Fatalf("Hash = %q", got)
	}
}

// Changing any one input changes the outcome, and a file tampered with the
// same way no longer verifies, saying why.
func TestEveryInputChangesTheDraw(t *testing.T) {
	base := testPool(rand.New(rand.NewPCG(3, 4)), poolSpec{targets: 120, strata: 2, inspectors: 10, perCell: 3})
	reveal := testReveal("05 11 14 22 27 30 + 16")
	want := mustRun(t, base, reveal)
	notSelected := base.Targets[0].Label
	for _, s := range want.Selected {
		if s.Label == notSelected {
			t.Fatal("pick a target that was not selected")
		}
	}
	tests := []struct {
		name   string
		change func(a *Announcement, r *Reveal)
		// what Verify says of a file changed this way but keeping the old result
		wantErr error
		wantMsg string
	}{
		{"one label, of a target not selected", func(a *Announcement, r *Reveal) { a.Targets[0].Label += "X" }, ErrNotReproduce, "the draw gives"},
		{"one weight", func(a *Announcement, r *Reveal) { a.Targets[5].Weight++ }, ErrNotReproduce, "the draw gives"},
		{"the random value", func(a *Announcement, r *Reveal) { r.RandomValue = "05 11 14 22 27 30 + 15" }, ErrNotReproduce, "the draw gives"},
		{"an inspector's exclusions", func(a *Announcement, r *Reveal) {
			a.Inspectors[0].Excluded = []string{a.Targets[7].Label}
		}, ErrNotReproduce, ""},
		{"the secret (and so the commitment)", func(a *Announcement, r *Reveal) {
			r.Secret = otherSecret
			a.Commitment = Commit(otherSecret)
		}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := cloneAnnouncement(base)
			r := reveal
			tt.change(a, &r)
			got := mustRun(t, a, r)
			if slices.EqualFunc(got.Selected, want.Selected, func(x, y Selection) bool { return x.Label == y.Label }) {
				t.Fatalf("same selection after changing %s", tt.name)
			}
			if tt.wantErr == nil {
				return
			}
			tampered, err := (&File{Announcement: *a, Reveal: r, Result: *want}).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			_, err = Verify(tampered)
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) || !fail.Is(err, fail.Invalid) {
				t.Fatalf("Verify of the tampered file: %v; want %v containing %q", err, tt.wantErr, tt.wantMsg)
			}
		})
	}
}

func cloneAnnouncement(a *Announcement) *Announcement {
	c := *a
	c.Targets = slices.Clone(a.Targets)
	c.Excluded = slices.Clone(a.Excluded)
	c.Cells = slices.Clone(a.Cells)
	c.Inspectors = slices.Clone(a.Inspectors)
	for i := range c.Inspectors {
		c.Inspectors[i].Excluded = slices.Clone(a.Inspectors[i].Excluded)
	}
	return &c
}

// Edits to a published file, each caught with a reason.
func TestVerifyRefusesTamperedFiles(t *testing.T) {
	a := testPool(rand.New(rand.NewPCG(5, 6)), poolSpec{targets: 80, strata: 2, inspectors: 8, perCell: 2})
	file := string(mustFile(t, a, testReveal("01 02 03 04 05 06 + 07")))
	f, err := Verify([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	first := f.Result.Selected[0]
	tests := []struct {
		name    string
		edit    func(string) string
		wantErr error
		wantMsg string
	}{
		{"a selected label swapped for another target's", func(s string) string {
			other := a.Targets[len(a.Targets)-1].Label
			i := strings.Index(s, `"result":`)
			return s[:i] + strings.Replace(s[i:], `"label": "`+first.Label+`"`, `"label": "`+other+`"`, 1)
		}, ErrNotReproduce, "selected entry 1: the file has position 1 " + a.Targets[len(a.Targets)-1].Label},
		{"an inspector swapped", func(s string) string {
			i := strings.Index(s, `"result":`)
			return s[:i] + strings.Replace(s[i:], `"`+first.Inspectors[0]+`"`, `"officer:9999"`, 1)
		}, ErrNotReproduce, "inspectors"},
		{"the secret", func(s string) string { return strings.Replace(s, testSecret, otherSecret, 1) }, ErrCommitment, ""},
		{"the random value", func(s string) string { return strings.Replace(s, "+ 07", "+ 08", 1) }, ErrNotReproduce, ""},
		{"the random value not normalised", func(s string) string { return strings.Replace(s, "+ 07", "+  07", 1) }, ErrReveal, "white space"},
		{"re-indented", func(s string) string { return strings.Replace(s, "\n  \"reveal\"", "\n\t\"reveal\"", 1) }, ErrNotReproduce, "canonical form: line"},
		{"a field added", func(s string) string { return strings.Replace(s, `"version": 1,`, `"version": 1, "note": "x",`, 1) }, ErrFile, "unknown field"},
		{"data after the object", func(s string) string { return s + "{}" }, ErrFile, "more data"},
		{"a reserve dropped", func(s string) string {
			i := strings.LastIndex(s, "\n      {")
			j := strings.LastIndex(s, "\n    ]")
			k := strings.LastIndex(s[:i], "}")
			return s[:k+1] + s[j:]
		}, ErrNotReproduce, "reserve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edited := tt.edit(file)
			if edited == file {
				t.Fatal("the edit changed nothing")
			}
			_, err := Verify([]byte(edited))
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("Verify = %v; want %v containing %q", err, tt.wantErr, tt.wantMsg)
			}
		})
	}
}

func TestAWrongSecretFailsTheCommitment(t *testing.T) {
	a := testPool(rand.New(rand.NewPCG(7, 8)), poolSpec{targets: 20, strata: 1, inspectors: 3, perCell: 1})
	if _, err := Run(a, Reveal{Secret: otherSecret, RandomValue: "1"}); !errors.Is(err, ErrCommitment) {
		t.Fatalf("Run with another secret: %v", err)
	}
	if _, err := Run(a, Reveal{Secret: strings.ToUpper(testSecret), RandomValue: "1"}); !errors.Is(err, ErrReveal) {
		t.Fatalf("upper-case secret: %v", err)
	}
	secret, commitment := NewSecret()
	if !isHash(secret) || commitment != Commit(secret) || secret == testSecret {
		t.Fatalf("NewSecret = %q, %q", secret, commitment)
	}
	// The commitment is checkable with sha256sum: printf %s SECRET | sha256sum
	if Commit("abc") != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatal("Commit is not SHA-256 of the secret's text")
	}
}

// Over many random pools, no inspector is ever given a target they are
// excluded from, each target has InspectorsPerTarget different ones, and
// every cell gets exactly its count.
func TestRecusedPairsAreNeverAssignedAndCellsAreRespected(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for round := range 200 {
		a := testPool(rng, poolSpec{targets: 20 + rng.IntN(200), strata: 1 + rng.IntN(4), inspectors: 3 + rng.IntN(10),
			perCell: 1 + rng.IntN(4), recuse: rng.Float64() * 0.6})
		a.InspectorsPerTarget = 2 + rng.IntN(2)
		if a.InspectorsPerTarget > 2 {
			// a third never-recusing inspector keeps every target eligible
			a.Inspectors[0].Excluded = []string{}
		}
		res := mustRun(t, a, testReveal(fmt.Sprint(round)))
		excluded := map[[2]string]bool{}
		for _, in := range a.Inspectors {
			for _, l := range in.Excluded {
				excluded[[2]string{in.Label, l}] = true
			}
		}
		drawn := map[string]bool{}
		perCell := map[[2]string]int{}
		reserve := map[[2]string]int{}
		for i, s := range slices.Concat(res.Selected, res.Reserve) {
			if s.Position != i+1 {
				t.Fatalf("round %d: position %d at index %d", round, s.Position, i)
			}
			if drawn[s.Label] {
				t.Fatalf("round %d: %s drawn twice", round, s.Label)
			}
			drawn[s.Label] = true
			if i < len(res.Selected) {
				perCell[[2]string{s.Stratum, s.Class}]++
			} else {
				reserve[[2]string{s.Stratum, s.Class}]++
			}
			tg := a.Targets[targetIndex(a, s.Label)]
			if tg.Label != s.Label || tg.Stratum != s.Stratum || tg.Class != s.Class {
				t.Fatalf("round %d: selection %+v does not match its target %+v", round, s, tg)
			}
			if len(s.Inspectors) != a.InspectorsPerTarget || !slices.IsSorted(s.Inspectors) || len(slices.Compact(slices.Clone(s.Inspectors))) != len(s.Inspectors) {
				t.Fatalf("round %d: %s has inspectors %v", round, s.Label, s.Inspectors)
			}
			for _, in := range s.Inspectors {
				if excluded[[2]string{in, s.Label}] {
					t.Fatalf("round %d: %s assigned to %s, which they are excluded from", round, in, s.Label)
				}
			}
		}
		size := map[[2]string]int{}
		for _, tg := range a.Targets {
			size[[2]string{tg.Stratum, tg.Class}]++
		}
		for _, c := range a.Cells {
			k := [2]string{c.Stratum, c.Class}
			if perCell[k] != c.Count || reserve[k] != min(c.Count, size[k]-c.Count) {
				t.Fatalf("round %d: cell %v drew %d (+%d reserve) of %d, want %d", round, k, perCell[k], reserve[k], size[k], c.Count)
			}
		}
	}
}

// Without exclusions the least-loaded rule spreads the work evenly.
func TestInspectorLoadIsSpread(t *testing.T) {
	a := testPool(rand.New(rand.NewPCG(11, 12)), poolSpec{targets: 2000, strata: 3, inspectors: 7, perCell: 9})
	res := mustRun(t, a, testReveal("x"))
	load := map[string]int{}
	for _, s := range slices.Concat(res.Selected, res.Reserve) {
		for _, in := range s.Inspectors {
			load[in]++
		}
	}
	lo, hi := math.MaxInt, 0
	for _, in := range a.Inspectors {
		lo, hi = min(lo, load[in.Label]), max(hi, load[in.Label])
	}
	if hi-lo > 1 {
		t.Fatalf("loads from %d to %d: %v", lo, hi, load)
	}
}

// The reserve continues each cell's draw order: drawing one more in a cell
// gives its first reserve at position count+1.
func TestReserveContinuesTheOrder(t *testing.T) {
	a := testPool(rand.New(rand.NewPCG(13, 14)), poolSpec{targets: 400, strata: 2, inspectors: 5, perCell: 5})
	r := testReveal("42")
	res := mustRun(t, a, r)
	p, err := a.index()
	if err != nil {
		t.Fatal(err)
	}
	sd := seed(a.poolHash(), r.Secret, r.RandomValue)
	sel, rsv := res.Selected, res.Reserve
	for i, c := range a.Cells {
		order := drawCell(newStream(sd, "cell", c.Stratum, c.Class), a.Targets, p.cellTargets[i], len(p.cellTargets[i]))
		longer := drawCell(newStream(sd, "cell", c.Stratum, c.Class), a.Targets, p.cellTargets[i], c.Count+1)
		if a.Targets[longer[c.Count]].Label != rsv[0].Label || a.Targets[order[c.Count]].Label != rsv[0].Label {
			t.Fatalf("cell %v: position count+1 is %s, first reserve %s", c, a.Targets[longer[c.Count]].Label, rsv[0].Label)
		}
		n := min(c.Count, len(order)-c.Count)
		for k := range c.Count {
			if sel[k].Label != a.Targets[order[k]].Label {
				t.Fatalf("cell %v selected %d", c, k)
			}
		}
		for k := range n {
			if rsv[k].Label != a.Targets[order[c.Count+k]].Label {
				t.Fatalf("cell %v reserve %d", c, k)
			}
		}
		sel, rsv = sel[c.Count:], rsv[n:]
	}
}

// inclusion returns each target's exact probability of being among k drawn
// one by one without replacement with probability proportional to weight,
// by recursion over the set still in the pool.
func inclusion(w []int64, k int) []float64 {
	n := len(w)
	memo := map[[2]int][]float64{}
	var rec func(mask, k int) []float64
	rec = func(mask, k int) []float64 {
		p := make([]float64, n)
		if k == 0 {
			return p
		}
		if m, ok := memo[[2]int{mask, k}]; ok {
			return m
		}
		var total int64
		for i := range n {
			if mask&(1<<i) != 0 {
				total += w[i]
			}
		}
		for j := range n {
			if mask&(1<<j) == 0 {
				continue
			}
			pj := float64(w[j]) / float64(total)
			rest := rec(mask&^(1<<j), k-1)
			p[j] += pj
			for i := range n {
				p[i] += pj * rest[i]
			}
		}
		memo[[2]int{mask, k}] = p
		return p
	}
	return rec(1<<n-1, k)
}

// Over 10,000 draws, each with a different random value, every target is
// selected within ±3σ of its exact inclusion probability.
func TestSelectionFrequencyMatchesInclusionProbability(t *testing.T) {
	weights := []int64{1, 2, 3, 5, 8, 13, 40}
	const draws, k = 10_000, 3
	a := &Announcement{Version: 1, ID: "sim", Agency: "sim", Plan: "sim", Item: "sim", AnnouncedAt: "2026-01-01T00:00:00Z",
		InspectorsPerTarget: 2, Commitment: Commit(testSecret), RandomnessSource: "simulation",
		Inspectors: []Inspector{{Label: "i1"}, {Label: "i2"}}, Cells: []Cell{{Stratum: "S", Class: "B", Count: k}}}
	for i, w := range weights {
		a.Targets = append(a.Targets, Target{Label: fmt.Sprintf("t%d", i), Stratum: "S", Class: "B", Weight: w})
	}
	count := make([]int, len(weights))
	for d := range draws {
		for _, s := range mustRun(t, a, testReveal(fmt.Sprintf("simulated value %d", d))).Selected {
			count[targetIndex(a, s.Label)]++
		}
	}
	for i, pi := range inclusion(weights, k) {
		mean, sigma := draws*pi, math.Sqrt(draws*pi*(1-pi))
		if math.Abs(float64(count[i])-mean) > 3*sigma {
			t.Errorf("target %d (weight %d): selected %d times, expected %.1f ± %.1f (3σ)", i, weights[i], count[i], mean, 3*sigma)
		}
	}
}

func TestValidateRefusesBadAnnouncements(t *testing.T) {
	good := testPool(rand.New(rand.NewPCG(15, 16)), poolSpec{targets: 30, strata: 1, inspectors: 3, perCell: 2})
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(a *Announcement)
		want   string
	}{
		{"version", func(a *Announcement) { a.Version = 2 }, "version is 2"},
		{"unsorted targets", func(a *Announcement) { a.Targets[1], a.Targets[2] = a.Targets[2], a.Targets[1] }, "targets must be sorted"},
		{"duplicate target", func(a *Announcement) { a.Targets[2] = a.Targets[1] }, "targets must be sorted"},
		{"zero weight", func(a *Announcement) { a.Targets[0].Weight = 0 }, "weight 0"},
		{"huge weight", func(a *Announcement) { a.Targets[0].Weight = MaxWeight + 1 }, "weight"},
		{"count over cell size", func(a *Announcement) { a.Cells[0].Count = 1000 }, "draws 1000 of"},
		{"target without cell", func(a *Announcement) { a.Targets[0].Stratum = "999999" }, "has no cell"},
		{"unknown class", func(a *Announcement) { a.Cells[0].Class = "E" }, "must be one of A, B, C, D"},
		{"one inspector per target", func(a *Announcement) { a.InspectorsPerTarget = 1 }, "between 2 and"},
		{"label with a tab", func(a *Announcement) { a.Targets[0].Label = "unit:\t1" }, "control character"},
		{"label with a trailing space", func(a *Announcement) { a.Targets[0].Label += " " }, "white space"},
		{"excluded unit also a target", func(a *Announcement) { a.Excluded[0].Label = a.Targets[3].Label }, "both a target and excluded"},
		{"exclusion of a non-target", func(a *Announcement) { a.Inspectors[0].Excluded = []string{"unit:nobody"} }, "not a target"},
		{"bad time", func(a *Announcement) { a.AnnouncedAt = "2026-12-01 09:00" }, "RFC 3339"},
		{"bad commitment", func(a *Announcement) { a.Commitment = "abc" }, "commitment"},
		{"bad previous", func(a *Announcement) { a.Previous = strings.Repeat("A", 64) }, "previous"},
		{"too many targets", func(a *Announcement) { a.Targets = make([]Target, MaxTargets+1) }, "targets: between 1 and"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := cloneAnnouncement(good)
			tt.change(a)
			if err := a.Validate(); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want it to say %q", err, tt.want)
			}
		})
	}
	t.Run("too few eligible inspectors", func(t *testing.T) {
		a := cloneAnnouncement(good)
		a.Inspectors[0].Excluded = []string{a.Targets[4].Label}
		a.Inspectors[1].Excluded = []string{a.Targets[4].Label}
		if _, err := Run(a, testReveal("1")); !errors.Is(err, ErrInspectors) || !strings.Contains(err.Error(), a.Targets[4].Label+" may be checked by 1 inspector(s), 2 are needed") {
			t.Fatalf("Run = %v", err)
		}
	})
}

func BenchmarkDraw200Of20000(b *testing.B) {
	rng := rand.New(rand.NewPCG(17, 18))
	a := testPool(rng, poolSpec{targets: 20_000, strata: 7, inspectors: 50, recuse: 0.001})
	// 200 drawn over the 28 cells, in proportion to their size.
	sizes := map[[2]string]int{}
	for _, t := range a.Targets {
		sizes[[2]string{t.Stratum, t.Class}]++
	}
	left := 200
	for i := range a.Cells {
		a.Cells[i].Count = sizes[[2]string{a.Cells[i].Stratum, a.Cells[i].Class}] * 200 / len(a.Targets)
		left -= a.Cells[i].Count
	}
	for i := 0; left > 0; i, left = i+1, left-1 {
		a.Cells[i].Count++
	}
	r := testReveal("03 07 12 19 25 31 + 09")
	b.ReportAllocs()
	for b.Loop() {
		res, err := Run(a, r)
		if err != nil || len(res.Selected) != 200 {
			b.Fatal(err, len(res.Selected))
		}
	}
}

func TestNormalAgreesWithNormalizeText(t *testing.T) {
	for _, s := range []string{"a", "a b", " a", "a ", "a  b", "a\tb", "a\u3000b", "a\u00a0b", "\u2028", "中 文", "x\u0085", "é", "a\x01b", "ab c d"} {
		if got, want := normal(s), NormalizeText(s) == s; got != want {
			t.Errorf("normal(%q) = %v, NormalizeText says %v", s, got, want)
		}
	}
}
