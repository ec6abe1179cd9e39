// Package routing decides which agency handles a report: the first enabled
// rule (by position) whose filters match, else the bureau with jurisdiction
// over the district. It is pure: rules and districts come from the caller,
// and the decision records which rule matched.
package routing

import (
	"fmt"
	"sort"

	"honestmeasure/internal/model"
)

// Input is what routing looks at.
type Input struct {
	Category     model.Category
	BusinessType model.BusinessType // empty when the report names no registered unit
	DistrictID   int64
}

// Decision is where a report goes and why.
type Decision struct {
	AgencyID int64
	Priority model.Priority
	RuleID   *int64
	Reason   string // human-readable: the matching rule's name, or the default
}

// DefaultPriority applies when no rule sets one.
const DefaultPriority = model.PriorityNormal

// Matches reports whether rule applies to in.
func Matches(rule model.RoutingRule, in Input) bool {
	return rule.Enabled &&
		(rule.Category == "" || rule.Category == in.Category) &&
		(rule.BusinessType == "" || rule.BusinessType == in.BusinessType) &&
		(rule.DistrictID == nil || *rule.DistrictID == in.DistrictID)
}

// Decide picks the agency. A rule without an agency keeps the district's
// default agency and only sets the priority.
func Decide(rules []model.RoutingRule, district model.District, in Input) (Decision, error) {
	if district.ID != in.DistrictID {
		return Decision{}, fmt.Errorf("routing: district %d given for input in district %d", district.ID, in.DistrictID)
	}
	if district.DefaultAgencyID == nil {
		return Decision{}, fmt.Errorf("routing: district %s has no agency with jurisdiction", district.Code)
	}
	sorted := append([]model.RoutingRule(nil), rules...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Position < sorted[j].Position })
	for _, r := range sorted {
		if !Matches(r, in) {
			continue
		}
		id := r.ID
		d := Decision{AgencyID: *district.DefaultAgencyID, Priority: r.Priority, RuleID: &id, Reason: "rule: " + r.Name}
		if r.AgencyID != nil {
			d.AgencyID = *r.AgencyID
		}
		return d, nil
	}
	return Decision{AgencyID: *district.DefaultAgencyID, Priority: DefaultPriority, Reason: "default: district " + district.Code}, nil
}
