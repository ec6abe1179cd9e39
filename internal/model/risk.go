package model

import "time"

// RiskClass is a unit's credit-risk class in the sense of 国市监信发〔2022〕6号:
// A (low) … D (high). It guides how often regulators check a unit; it is not
// a public credit score, and is shown publicly only where the city says so.
type RiskClass string

const (
	RiskA RiskClass = "A"
	RiskB RiskClass = "B"
	RiskC RiskClass = "C"
	RiskD RiskClass = "D"
)

// RiskClasses lists the classes from low to high risk.
var RiskClasses = []RiskClass{RiskA, RiskB, RiskC, RiskD}

// Rank is the class's place from low (0, A) to high (3, D) risk; -1 for an
// unknown class.
func (c RiskClass) Rank() int {
	for i, x := range RiskClasses {
		if c == x {
			return i
		}
	}
	return -1
}

// UnitRisk is a unit's current risk class as last computed (internal/risk):
// Inputs is the JSON of the facts and reasons it was computed from.
type UnitRisk struct {
	ID          int64
	UnitID      int64
	Class       RiskClass
	Score       int
	RuleVersion string
	Inputs      string
	Revision    int
	ComputedAt  time.Time
}

func (UnitRisk) TableName() string { return "unit_risk_classes" }
