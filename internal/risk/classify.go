// Package risk computes units' risk classes, A (low) … D (high), from their
// facts by the city's rule (reference.RiskRule, risk.yaml), and keeps each
// unit's current class with an audit entry per change (Service). Classify is
// pure and deterministic, and monotonic: no worse fact gives a better class.
//
// The class is for regulators (who is checked how often). This package does
// not decide who may see it: the merchant sees its own, staff with
// jurisdiction see it, the public only where the city turns it on.
package risk

import (
	"cmp"
	"slices"
	"time"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
)

// Rule is the city's rule (risk.yaml).
type Rule = reference.RiskRule

// Facts are what a unit's class is computed from.
type Facts struct {
	Instruments   []Instrument // the unit's instruments in use
	Cases         []Case       // its cases concluded as substantiated
	SpotChecks    []SpotCheck
	OpenConflicts int // open verification conflicts about it
}

// Instrument is one instrument in use: whether its type must be verified,
// its verification state, and whether the verification body confirmed the
// record that state comes from.
type Instrument struct {
	Mandatory bool
	State     model.VerificationState
	Confirmed bool
}

// Case is a substantiated case: its report's category and when it was concluded.
type Case struct {
	Category    model.Category
	ConcludedAt time.Time
}

// SpotCheck is a spot check's result (pass, fail, issues_found) and day.
type SpotCheck struct {
	Result    string
	CheckedOn time.Time
}

// Spot-check results (model.SpotCheck.Result).
const (
	SpotPass        = "pass"
	SpotFail        = "fail"
	SpotIssuesFound = "issues_found"
)

// Inputs are the facts as the rule counted them: stored with the class and
// in the audit of a change. Only counts, so the same facts always give the
// same JSON (encoding/json sorts the map's keys).
type Inputs struct {
	Mandatory      int                    `json:"mandatory"`
	ConfirmedValid int                    `json:"confirmed_valid"`
	DeclaredValid  int                    `json:"declared_valid"`
	NotValid       int                    `json:"not_valid"`
	Expired        int                    `json:"expired"`
	Failed         int                    `json:"failed"` // failed or sealed
	Cases          map[model.Category]int `json:"cases,omitempty"`
	SpotFail       int                    `json:"spot_fail"`
	SpotIssues     int                    `json:"spot_issues"`
	SpotPass       int                    `json:"spot_pass"`
	OpenConflicts  int                    `json:"open_conflicts"`
}

// Reason is one fact that raised the score: a catalog key (catalog pair
// risk) with its numbers, the points it adds (before the group's cap) and
// the key of the advice on how to improve.
type Reason struct {
	Key    string `json:"key"`
	Args   []int  `json:"args,omitempty"`
	Points int    `json:"points"`
	Advice string `json:"advice"`
}

// Text is the reason as a message to render in the reader's language.
func (r Reason) Text() form.Message { return form.Message{Key: r.Key, Args: anys(r.Args)} }

// AdviceText is the advice as a message.
func (r Reason) AdviceText() form.Message { return form.Message{Key: r.Advice} }

func anys(xs []int) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// Result is a unit's class, its score and why.
type Result struct {
	Class   model.RiskClass `json:"class"`
	Score   int             `json:"score"`
	Version string          `json:"rule_version"`
	Inputs  Inputs          `json:"inputs"`
	Reasons []Reason        `json:"reasons"`
}

// NoReason is the one reason of a unit that scores nothing.
var NoReason = Reason{Key: "risk.reason.none", Advice: "risk.advice.keep"}

// Classify computes the class of a unit with facts f by rule on the day of
// now (cases and spot checks count within rule.WindowMonths before it).
func Classify(rule Rule, f Facts, now time.Time) Result {
	in := count(rule, f, now)
	var reasons []Reason
	add := func(points int, key, advice string, args ...int) {
		if points > 0 {
			reasons = append(reasons, Reason{Key: key, Args: args, Points: points, Advice: advice})
		}
	}

	// Instruments: the average penalty over the mandatory ones, plus each
	// expired and failed one still in use. A worse state never costs less
	// (declared_only ≤ not_valid), and an added instrument in the worst state
	// never lowers the average (it is at least the average).
	share := 0
	if in.Mandatory > 0 {
		share = (in.DeclaredValid*rule.Instruments.DeclaredOnly + in.NotValid*rule.Instruments.NotValid) / in.Mandatory
	}
	notValidPart, declaredPart := 0, 0
	if in.Mandatory > 0 {
		notValidPart = in.NotValid * rule.Instruments.NotValid / in.Mandatory
		declaredPart = in.DeclaredValid * rule.Instruments.DeclaredOnly / in.Mandatory
	}
	add(max(notValidPart, boolPoints(in.NotValid > 0)), "risk.reason.not_valid", "risk.advice.not_valid", in.NotValid, in.Mandatory)
	add(max(declaredPart, boolPoints(in.DeclaredValid > 0 && rule.Instruments.DeclaredOnly > 0)), "risk.reason.declared", "risk.advice.declared", in.DeclaredValid, in.Mandatory)
	add(in.Expired*rule.Instruments.ExpiredEach, "risk.reason.expired", "risk.advice.expired", in.Expired)
	add(in.Failed*rule.Instruments.FailedEach, "risk.reason.failed", "risk.advice.failed", in.Failed)
	instruments := min(rule.Instruments.Cap, share+in.Expired*rule.Instruments.ExpiredEach+in.Failed*rule.Instruments.FailedEach)

	cases := 0
	for _, c := range model.Categories {
		n := in.Cases[c]
		p := n * rule.Cases.Categories[c]
		cases += p
		add(p, "risk.reason.case."+string(c), "risk.advice.case", n, rule.WindowMonths)
	}
	cases = min(rule.Cases.Cap, cases)

	spotFail, spotIssues := in.SpotFail*rule.SpotChecks.Fail, in.SpotIssues*rule.SpotChecks.IssuesFound
	add(spotFail, "risk.reason.spot_fail", "risk.advice.spot", in.SpotFail, rule.WindowMonths)
	add(spotIssues, "risk.reason.spot_issues", "risk.advice.spot", in.SpotIssues, rule.WindowMonths)
	spots := min(rule.SpotChecks.Cap, spotFail+spotIssues)

	conflicts := in.OpenConflicts * rule.Conflicts.Each
	add(conflicts, "risk.reason.conflicts", "risk.advice.conflicts", in.OpenConflicts)
	conflicts = min(rule.Conflicts.Cap, conflicts)

	score := instruments + cases + spots + conflicts
	slices.SortStableFunc(reasons, func(a, b Reason) int { return cmp.Compare(b.Points, a.Points) })
	if len(reasons) == 0 {
		reasons = []Reason{NoReason}
	}
	return Result{Class: ClassOf(rule, score), Score: score, Version: rule.Version, Inputs: in, Reasons: reasons}
}

// boolPoints is 1 point for a fact present: a reason whose share rounds down
// to nothing is still named.
func boolPoints(present bool) int {
	if present {
		return 1
	}
	return 0
}

// ClassOf is the class of score by the rule's thresholds.
func ClassOf(rule Rule, score int) model.RiskClass {
	switch t := rule.Thresholds; {
	case score >= t.D:
		return model.RiskD
	case score >= t.C:
		return model.RiskC
	case score >= t.B:
		return model.RiskB
	}
	return model.RiskA
}

// count turns facts into the rule's inputs on the day of now.
func count(rule Rule, f Facts, now time.Time) Inputs {
	var in Inputs
	for _, i := range f.Instruments {
		if !i.Mandatory {
			continue
		}
		in.Mandatory++
		switch i.State {
		case model.StateValid, model.StateExpiring:
			if i.Confirmed {
				in.ConfirmedValid++
			} else {
				in.DeclaredValid++
			}
		case model.StateExpired:
			in.NotValid++
			in.Expired++
		case model.StateFailed, model.StateSealed:
			in.NotValid++
			in.Failed++
		default: // never verified, or a state this rule does not know: not valid
			in.NotValid++
		}
	}
	since := WindowStart(rule, now)
	for _, c := range f.Cases {
		if model.DateOf(c.ConcludedAt).Before(since) || !c.Category.Valid() {
			continue
		}
		if in.Cases == nil {
			in.Cases = map[model.Category]int{}
		}
		in.Cases[c.Category]++
	}
	for _, s := range f.SpotChecks {
		if model.DateOf(s.CheckedOn).Before(since) {
			continue
		}
		switch s.Result {
		case SpotFail:
			in.SpotFail++
		case SpotIssuesFound:
			in.SpotIssues++
		case SpotPass:
			in.SpotPass++
		}
	}
	in.OpenConflicts = max(0, f.OpenConflicts)
	return in
}

// WindowStart is the first day (in model.Zone) on which a case or spot check
// still counts on the day of now.
func WindowStart(rule Rule, now time.Time) time.Time {
	return model.DateOf(now).AddDate(0, -rule.WindowMonths, 0)
}
