package reference

import (
	"errors"
	"fmt"
	"io/fs"
	"unicode/utf8"

	"honestmeasure/internal/model"
)

// RiskRule is the city's rule for risk classes (risk.yaml, applied by
// internal/risk): points per fact, summed per group up to the group's cap,
// and the scores from which a unit is class B, C and D (below B it is A).
// Every weight is a non-negative number of points and every group sum is
// non-decreasing in its bad facts, so a worse fact never gives a better
// class; Validate holds the bounds that keep it so.
type RiskRule struct {
	// Version names the rule; it is stored with every class and in the
	// audit, so change it whenever a number below changes.
	Version string `yaml:"version"`
	// WindowMonths is how far back substantiated cases and spot checks count.
	WindowMonths int             `yaml:"window_months"`
	Thresholds   RiskThresholds  `yaml:"thresholds"`
	Instruments  RiskInstruments `yaml:"instruments"`
	Cases        RiskCases       `yaml:"cases"`
	SpotChecks   RiskSpotChecks  `yaml:"spot_checks"`
	Conflicts    RiskConflicts   `yaml:"conflicts"`
}

// RiskThresholds are the lowest scores of classes B, C and D.
type RiskThresholds struct {
	B int `yaml:"b"`
	C int `yaml:"c"`
	D int `yaml:"d"`
}

// RiskInstruments weighs the unit's mandatory-verification instruments in
// use. NotValid and DeclaredOnly are the points of a unit all of whose
// mandatory instruments are in that state (a share of them scores that
// share); ExpiredEach and FailedEach are added per instrument expired, and
// per instrument failed or sealed, still listed in use.
type RiskInstruments struct {
	NotValid     int `yaml:"not_valid"`
	DeclaredOnly int `yaml:"declared_only"`
	ExpiredEach  int `yaml:"expired_each"`
	FailedEach   int `yaml:"failed_each"`
	Cap          int `yaml:"cap"`
}

// RiskCases weighs each substantiated case of the window by its category.
type RiskCases struct {
	Categories map[model.Category]int `yaml:"categories"`
	Cap        int                    `yaml:"cap"`
}

// RiskSpotChecks weighs each spot check of the window by its result; a pass
// adds nothing.
type RiskSpotChecks struct {
	Fail        int `yaml:"fail"`
	IssuesFound int `yaml:"issues_found"`
	Cap         int `yaml:"cap"`
}

// RiskConflicts weighs each open verification conflict about the unit.
type RiskConflicts struct {
	Each int `yaml:"each"`
	Cap  int `yaml:"cap"`
}

// Bounds of a risk rule.
const (
	MaxRiskVersion = 40   // characters, as stored
	MaxRiskWeight  = 100  // points of one fact
	MaxRiskScore   = 1000 // a cap, a threshold
	MaxRiskWindow  = 120  // months
)

// DefaultRiskRule is the rule of a city without risk.yaml: Changzhou's
// numbers (configs/changzhou/risk.yaml) under their own version name.
func DefaultRiskRule() RiskRule {
	return RiskRule{
		Version:      "default-2026-1",
		WindowMonths: 24,
		Thresholds:   RiskThresholds{B: 10, C: 30, D: 60},
		Instruments:  RiskInstruments{NotValid: 40, DeclaredOnly: 8, ExpiredEach: 5, FailedEach: 10, Cap: 60},
		Cases: RiskCases{Cap: 100, Categories: map[model.Category]int{
			model.CategoryCheatingDevice: 45, model.CategoryTampered: 35, model.CategoryCounterfeitQR: 30,
			model.CategoryFalseData: 30, model.CategoryShortWeight: 25, model.CategoryShortNetContent: 20,
			model.CategoryUnverified: 15, model.CategoryOther: 10}},
		SpotChecks: RiskSpotChecks{Fail: 30, IssuesFound: 10, Cap: 60},
		Conflicts:  RiskConflicts{Each: 5, Cap: 20},
	}
}

// loadRisk reads risk.yaml, or gives DefaultRiskRule when the city has none.
func loadRisk(fsys fs.FS) (RiskRule, error) {
	var f struct {
		Risk RiskRule `yaml:"risk"`
	}
	err := decode(fsys, "risk.yaml", &f)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultRiskRule(), nil
	}
	if err != nil {
		return RiskRule{}, err
	}
	if err := f.Risk.Validate(); err != nil {
		return RiskRule{}, fmt.Errorf("reference data risk.yaml: %w", err)
	}
	return f.Risk, nil
}

// Validate checks the bounds that keep the rule meaningful and monotonic.
func (r RiskRule) Validate() error {
	if r.Version == "" || utf8.RuneCountInString(r.Version) > MaxRiskVersion {
		return fmt.Errorf("version is required, at most %d characters", MaxRiskVersion)
	}
	if r.WindowMonths < 1 || r.WindowMonths > MaxRiskWindow {
		return fmt.Errorf("window_months must be 1–%d", MaxRiskWindow)
	}
	t := r.Thresholds
	if t.B < 1 || t.B >= t.C || t.C >= t.D || t.D > MaxRiskScore {
		return fmt.Errorf("thresholds must rise: 1 ≤ b < c < d ≤ %d", MaxRiskScore)
	}
	weights := map[string]int{
		"instruments.not_valid": r.Instruments.NotValid, "instruments.declared_only": r.Instruments.DeclaredOnly,
		"instruments.expired_each": r.Instruments.ExpiredEach, "instruments.failed_each": r.Instruments.FailedEach,
		"spot_checks.fail": r.SpotChecks.Fail, "spot_checks.issues_found": r.SpotChecks.IssuesFound,
		"conflicts.each": r.Conflicts.Each,
	}
	for c, w := range r.Cases.Categories {
		if !c.Valid() {
			return fmt.Errorf("cases.categories: unknown category %q", c)
		}
		weights["cases.categories."+string(c)] = w
	}
	for name, w := range weights {
		if w < 0 || w > MaxRiskWeight {
			return fmt.Errorf("%s must be 0–%d points", name, MaxRiskWeight)
		}
	}
	for name, c := range map[string]int{"instruments.cap": r.Instruments.Cap, "cases.cap": r.Cases.Cap,
		"spot_checks.cap": r.SpotChecks.Cap, "conflicts.cap": r.Conflicts.Cap} {
		if c < 0 || c > MaxRiskScore {
			return fmt.Errorf("%s must be 0–%d points", name, MaxRiskScore)
		}
	}
	for _, c := range model.Categories {
		if _, ok := r.Cases.Categories[c]; !ok {
			return fmt.Errorf("cases.categories: category %q needs a weight (0 if it should not count)", c)
		}
		if r.Cases.Categories[c] > r.Cases.Categories[model.CategoryCheatingDevice] {
			return fmt.Errorf("cases.categories: %s weighs more than cheating_device, the gravest", c)
		}
	}
	// An instrument that loses its valid verification must never lower the
	// score: not valid weighs at least as much as valid by declaration only.
	if r.Instruments.DeclaredOnly > r.Instruments.NotValid {
		return errors.New("instruments.declared_only must not exceed instruments.not_valid")
	}
	if r.Instruments.ExpiredEach > r.Instruments.FailedEach {
		return errors.New("instruments.expired_each must not exceed instruments.failed_each")
	}
	if r.SpotChecks.IssuesFound > r.SpotChecks.Fail {
		return errors.New("spot_checks.issues_found must not exceed spot_checks.fail")
	}
	return nil
}
