package spotcheck_test

import (
	"testing"

	"honestmeasure/internal/spotcheck"
)

func TestCellCount(t *testing.T) {
	p := spotcheck.DefaultPlan
	for _, tt := range []struct {
		class string
		n     int
		want  int
	}{
		{"A", 100, 3},  // 100 × 5% × 0.5 = 2.5 → 3
		{"B", 100, 5},  // the base ratio
		{"C", 100, 10}, // twice
		{"D", 100, 20}, // four times
		{"D", 3, 1},    // 0.6 → 1
		{"D", 1, 1},    // D is always drawn where there is one
		{"A", 9, 0},    // 0.225 → 0
		{"B", 0, 0},
		{"D", 0, 0},
		{"X", 100, 0}, // an unknown class has no multiplier
	} {
		if got := spotcheck.CellCount(p, tt.class, tt.n); got != tt.want {
			t.Errorf("class %s of %d: %d, want %d", tt.class, tt.n, got, tt.want)
		}
	}
	all := p
	all.BasePermille, all.ClassDPermille = 1000, 4000
	if got := spotcheck.CellCount(all, "D", 7); got != 7 {
		t.Errorf("never more than the cell holds: %d", got)
	}
}
