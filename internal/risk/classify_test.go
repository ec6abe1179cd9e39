package risk_test

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/risk"
)

var now = time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)

func rule() risk.Rule { return reference.DefaultRiskRule() }

func valid(confirmed bool) risk.Instrument {
	return risk.Instrument{Mandatory: true, State: model.StateValid, Confirmed: confirmed}
}

func with(n int, in risk.Instrument) []risk.Instrument {
	out := make([]risk.Instrument, n)
	for i := range out {
		out[i] = in
	}
	return out
}

// TestClassifyEachFact moves one fact at a time from a clean unit (ten
// confirmed valid instruments) and checks the class the default rule gives.
func TestClassifyEachFact(t *testing.T) {
	clean := with(10, valid(true))
	recent := now.AddDate(0, -3, 0)
	old := now.AddDate(-3, 0, 0)
	tests := []struct {
		name  string
		facts risk.Facts
		class model.RiskClass
		score int
		key   string // a reason it must give
	}{
		{"clean", risk.Facts{Instruments: clean}, model.RiskA, 0, "risk.reason.none"},
		{"no instruments at all", risk.Facts{}, model.RiskA, 0, "risk.reason.none"},
		{"non-mandatory expired instrument does not count", risk.Facts{Instruments: append(with(9, valid(true)),
			risk.Instrument{State: model.StateExpired})}, model.RiskA, 0, "risk.reason.none"},
		{"all declared only", risk.Facts{Instruments: with(10, valid(false))}, model.RiskA, 8, "risk.reason.declared"},
		{"one expired of ten", risk.Facts{Instruments: append(with(9, valid(true)), risk.Instrument{Mandatory: true, State: model.StateExpired})},
			model.RiskA, 4 + 5, "risk.reason.expired"},
		{"two expired of ten", risk.Facts{Instruments: append(with(8, valid(true)), with(2, risk.Instrument{Mandatory: true, State: model.StateExpired})...)},
			model.RiskB, 8 + 10, "risk.reason.expired"},
		{"one failed of ten", risk.Facts{Instruments: append(with(9, valid(true)), risk.Instrument{Mandatory: true, State: model.StateFailed})},
			model.RiskB, 4 + 10, "risk.reason.failed"},
		{"sealed counts as failed", risk.Facts{Instruments: append(with(9, valid(true)), risk.Instrument{Mandatory: true, State: model.StateSealed})},
			model.RiskB, 4 + 10, "risk.reason.failed"},
		{"never verified", risk.Facts{Instruments: append(with(9, valid(true)), risk.Instrument{Mandatory: true, State: model.StateNeverChecked})},
			model.RiskA, 4, "risk.reason.not_valid"},
		{"nothing valid at all", risk.Facts{Instruments: with(4, risk.Instrument{Mandatory: true, State: model.StateExpired})},
			model.RiskD, 60, "risk.reason.not_valid"},
		{"expiring still counts as valid", risk.Facts{Instruments: with(10, risk.Instrument{Mandatory: true, State: model.StateExpiring, Confirmed: true})},
			model.RiskA, 0, "risk.reason.none"},
		{"a cheating device makes C", risk.Facts{Instruments: clean, Cases: []risk.Case{{model.CategoryCheatingDevice, recent}}},
			model.RiskC, 45, "risk.reason.case.cheating_device"},
		{"short weight makes B", risk.Facts{Instruments: clean, Cases: []risk.Case{{model.CategoryShortWeight, recent}}},
			model.RiskB, 25, "risk.reason.case.short_weight"},
		{"two cheating devices make D", risk.Facts{Instruments: clean, Cases: []risk.Case{{model.CategoryCheatingDevice, recent}, {model.CategoryCheatingDevice, recent}}},
			model.RiskD, 90, "risk.reason.case.cheating_device"},
		{"a case older than the window does not count", risk.Facts{Instruments: clean, Cases: []risk.Case{{model.CategoryCheatingDevice, old}}},
			model.RiskA, 0, "risk.reason.none"},
		{"a failed spot check makes C", risk.Facts{Instruments: clean, SpotChecks: []risk.SpotCheck{{risk.SpotFail, recent}}},
			model.RiskC, 30, "risk.reason.spot_fail"},
		{"issues found make B", risk.Facts{Instruments: clean, SpotChecks: []risk.SpotCheck{{risk.SpotIssuesFound, recent}}},
			model.RiskB, 10, "risk.reason.spot_issues"},
		{"a pass adds nothing", risk.Facts{Instruments: clean, SpotChecks: []risk.SpotCheck{{risk.SpotPass, recent}}},
			model.RiskA, 0, "risk.reason.none"},
		{"an old failed spot check does not count", risk.Facts{Instruments: clean, SpotChecks: []risk.SpotCheck{{risk.SpotFail, old}}},
			model.RiskA, 0, "risk.reason.none"},
		{"two open conflicts make B", risk.Facts{Instruments: clean, OpenConflicts: 2}, model.RiskB, 10, "risk.reason.conflicts"},
		{"conflicts are capped", risk.Facts{Instruments: clean, OpenConflicts: 50}, model.RiskB, 20, "risk.reason.conflicts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := risk.Classify(rule(), tt.facts, now)
			if res.Class != tt.class || res.Score != tt.score {
				t.Errorf("class %s score %d, want %s %d (reasons %+v)", res.Class, res.Score, tt.class, tt.score, res.Reasons)
			}
			if res.Version != rule().Version {
				t.Errorf("version %q", res.Version)
			}
			found := false
			for _, r := range res.Reasons {
				found = found || r.Key == tt.key
				if r.Advice == "" {
					t.Errorf("reason %s has no advice", r.Key)
				}
			}
			if !found {
				t.Errorf("reasons %+v lack %s", res.Reasons, tt.key)
			}
		})
	}
}

// randomFacts draws a unit's facts: up to 30 instruments in any state, up
// to 4 cases and spot checks inside or outside the window, up to 6 conflicts.
func randomFacts(rng *rand.Rand) risk.Facts {
	states := []model.VerificationState{model.StateValid, model.StateExpiring, model.StateExpired, model.StateFailed,
		model.StateNeverChecked, model.StateSealed}
	var f risk.Facts
	for range rng.IntN(31) {
		f.Instruments = append(f.Instruments, risk.Instrument{Mandatory: rng.IntN(5) > 0, State: states[rng.IntN(len(states))], Confirmed: rng.IntN(2) == 0})
	}
	for range rng.IntN(5) {
		f.Cases = append(f.Cases, risk.Case{Category: model.Categories[rng.IntN(len(model.Categories))], ConcludedAt: now.AddDate(0, -rng.IntN(36), 0)})
	}
	results := []string{risk.SpotPass, risk.SpotFail, risk.SpotIssuesFound}
	for range rng.IntN(5) {
		f.SpotChecks = append(f.SpotChecks, risk.SpotCheck{Result: results[rng.IntN(3)], CheckedOn: now.AddDate(0, -rng.IntN(36), 0)})
	}
	f.OpenConflicts = rng.IntN(7)
	return f
}

var badness = map[model.VerificationState]int{model.StateValid: 0, model.StateExpiring: 0, model.StateNeverChecked: 1,
	model.StateExpired: 2, model.StateFailed: 3, model.StateSealed: 3}

// worsen applies one random bad fact to f: a substantiated case, an
// expired or failed instrument added, an instrument losing its valid
// verification, a failed spot check, a new conflict.
func worsen(rng *rand.Rand, f risk.Facts) (risk.Facts, string) {
	g := risk.Facts{Instruments: append([]risk.Instrument(nil), f.Instruments...), Cases: append([]risk.Case(nil), f.Cases...),
		SpotChecks: append([]risk.SpotCheck(nil), f.SpotChecks...), OpenConflicts: f.OpenConflicts}
	switch rng.IntN(7) {
	case 0:
		g.Cases = append(g.Cases, risk.Case{Category: model.Categories[rng.IntN(len(model.Categories))], ConcludedAt: now.AddDate(0, 0, -rng.IntN(700))})
		return g, "substantiated case"
	case 1:
		g.Instruments = append(g.Instruments, risk.Instrument{Mandatory: rng.IntN(2) == 0, State: model.StateExpired, Confirmed: rng.IntN(2) == 0})
		return g, "expired instrument added"
	case 2:
		g.Instruments = append(g.Instruments, risk.Instrument{Mandatory: true, State: model.StateFailed, Confirmed: true})
		return g, "failed instrument added"
	case 3:
		// Only ever to a worse state: valid → never verified → expired → failed or sealed.
		if len(g.Instruments) > 0 {
			i := rng.IntN(len(g.Instruments))
			var worse []model.VerificationState
			for _, s := range []model.VerificationState{model.StateNeverChecked, model.StateExpired, model.StateFailed, model.StateSealed} {
				if badness[s] > badness[g.Instruments[i].State] {
					worse = append(worse, s)
				}
			}
			if len(worse) > 0 {
				g.Instruments[i].State = worse[rng.IntN(len(worse))]
			}
		}
		return g, "instrument's verification got worse"
	case 4:
		g.SpotChecks = append(g.SpotChecks, risk.SpotCheck{Result: []string{risk.SpotFail, risk.SpotIssuesFound}[rng.IntN(2)], CheckedOn: now.AddDate(0, 0, -rng.IntN(700))})
		return g, "failed spot check"
	case 5:
		for i := range g.Instruments {
			if g.Instruments[i].Confirmed && (g.Instruments[i].State == model.StateValid || g.Instruments[i].State == model.StateExpiring) {
				g.Instruments[i].Confirmed = false
				break
			}
		}
		return g, "a confirmed certificate became declared only"
	default:
		g.OpenConflicts++
		return g, "conflict opened"
	}
}

// TestClassifyMonotonic: over 20,000 random fact sets, no bad fact ever
// lowers the score or gives a better class, and the same facts always give
// the same result.
func TestClassifyMonotonic(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 2026))
	r := rule()
	for i := range 20000 {
		f := randomFacts(rng)
		before := risk.Classify(r, f, now)
		if again := risk.Classify(r, f, now); !reflect.DeepEqual(before, again) {
			t.Fatalf("case %d: not deterministic: %+v then %+v", i, before, again)
		}
		g, what := worsen(rng, f)
		after := risk.Classify(r, g, now)
		if after.Score < before.Score || after.Class.Rank() < before.Class.Rank() {
			t.Fatalf("case %d: %s improved %s/%d to %s/%d\nbefore %+v\nafter %+v", i, what, before.Class, before.Score,
				after.Class, after.Score, f, g)
		}
	}
}

// TestClassifyMonotonicEveryRule: the same over random valid rules, so the
// property holds for any risk.yaml that passes validation, not only ours.
func TestClassifyMonotonicEveryRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2026))
	for i := range 2000 {
		r := rule()
		r.Instruments.NotValid = rng.IntN(101)
		r.Instruments.DeclaredOnly = rng.IntN(r.Instruments.NotValid + 1)
		r.Instruments.ExpiredEach, r.Instruments.Cap = rng.IntN(101), rng.IntN(1001)
		r.Instruments.FailedEach = r.Instruments.ExpiredEach + rng.IntN(101-r.Instruments.ExpiredEach)
		r.SpotChecks.Fail = rng.IntN(101)
		r.SpotChecks.IssuesFound = rng.IntN(r.SpotChecks.Fail + 1)
		r.Conflicts.Each, r.Conflicts.Cap = rng.IntN(101), rng.IntN(1001)
		if err := r.Validate(); err != nil {
			t.Fatalf("rule %d: %v", i, err)
		}
		for range 10 {
			f := randomFacts(rng)
			g, what := worsen(rng, f)
			if b, a := risk.Classify(r, f, now), risk.Classify(r, g, now); a.Score < b.Score {
				t.Fatalf("rule %+v: %s lowered the score %d → %d", r, what, b.Score, a.Score)
			}
		}
	}
}

func TestRuleValidation(t *testing.T) {
	bad := map[string]func(*risk.Rule){
		"no version":            func(r *risk.Rule) { r.Version = "" },
		"thresholds not rising": func(r *risk.Rule) { r.Thresholds.C = r.Thresholds.B },
		"weight too big":        func(r *risk.Rule) { r.Conflicts.Each = 101 },
		"negative weight":       func(r *risk.Rule) { r.SpotChecks.IssuesFound = -1 },
		"declared above not valid": func(r *risk.Rule) {
			r.Instruments.DeclaredOnly = r.Instruments.NotValid + 1
		},
		"failed below expired": func(r *risk.Rule) { r.Instruments.FailedEach = r.Instruments.ExpiredEach - 1 },
		"category missing":     func(r *risk.Rule) { delete(r.Cases.Categories, model.CategoryOther) },
		"cheating device not gravest": func(r *risk.Rule) {
			r.Cases.Categories[model.CategoryShortWeight] = r.Cases.Categories[model.CategoryCheatingDevice] + 1
		},
		"window too long": func(r *risk.Rule) { r.WindowMonths = 121 },
	}
	for name, spoil := range bad {
		r := rule()
		spoil(&r)
		if r.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := rule().Validate(); err != nil {
		t.Fatal(err)
	}
}
