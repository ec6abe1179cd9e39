// Package spotcheck runs "double random, one public" spot checks: the city's
// check items, agencies' yearly plans with a ratio per risk class, draws
// that anyone can verify (announced with a frozen pool and a commitment,
// then derived from the revealed secret and a named public random value by
// internal/draw), the inspections the drawn units become, and their
// published results. Each use case owns its transaction and audit entry.
package spotcheck

import "honestmeasure/internal/model"

// Cell counts: how many units to draw from a stratum (district) and class
// holding n units, under plan p: n × base ratio × the class's multiplier,
// rounded half up, never more than n. Class D is always in the pool and at
// least one of it is drawn where there is one ("D: strict").
func CellCount(p model.SpotCheckPlan, class string, n int) int {
	if n <= 0 {
		return 0
	}
	c := (int64(n)*int64(p.BasePermille)*int64(p.Multiplier(class)) + 500_000) / 1_000_000
	if class == "D" && c < 1 {
		c = 1
	}
	return int(min(c, int64(n)))
}

// DefaultPlan is what a new plan's form starts from: 5% of units a year,
// class A half of it, B the base, C twice, D four times; 15 working days to
// do a check.
var DefaultPlan = model.SpotCheckPlan{BasePermille: 50, ClassAPermille: 500, ClassBPermille: 1000, ClassCPermille: 2000,
	ClassDPermille: 4000, DueWorkingDays: 15}
