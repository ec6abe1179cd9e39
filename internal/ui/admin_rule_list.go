package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/routing"
)

// adminRuleRow is one line of the rule list.
type adminRuleRow struct {
	model.RoutingRule
	N           int
	First, Last bool
	District    *model.District
	Agency      *model.Agency
}

// adminRuleTest is the "test a report" form and what it found.
type adminRuleTest struct {
	Asked                              bool
	Category, BusinessType, DistrictID string
	Errors                             form.Errors
	Decision                           *routing.Decision
	Rule                               *model.RoutingRule // the rule that matched; nil for the default
	Agency                             *model.Agency
	District                           *model.District
	Problem                            string
}

type adminRulesData struct {
	adminNav
	Rows          []adminRuleRow
	Districts     []model.District
	Categories    []model.Category
	BusinessTypes []model.BusinessType
	Test          adminRuleTest
}

func (h *Handler) adminRules(c *gin.Context) {
	ctx := c.Request.Context()
	rules, err := h.Store.AllRoutingRules(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	districts, agencies, err := h.adminRefs(c)
	if err != nil {
		h.serverError(c, err)
		return
	}
	dm, am := adminDistrictMap(districts), adminAgencyMap(agencies)
	d := &adminRulesData{Districts: districts, Categories: model.Categories, BusinessTypes: model.BusinessTypes}
	for i, r := range rules {
		row := adminRuleRow{RoutingRule: r, N: i + 1, First: i == 0, Last: i == len(rules)-1}
		if r.DistrictID != nil {
			if x, ok := dm[*r.DistrictID]; ok {
				row.District = &x
			}
		}
		if r.AgencyID != nil {
			if x, ok := am[*r.AgencyID]; ok {
				row.Agency = &x
			}
		}
		d.Rows = append(d.Rows, row)
	}
	d.Test = adminTestRouting(c, rules, dm, am)
	status := http.StatusOK
	if d.Test.Errors.Any() {
		status = http.StatusUnprocessableEntity
	}
	h.adminRender(c, status, "admin_rules", "admin.rules.title", d)
}

// adminTestRouting answers the "test a report" form (?test=1&category=…&
// business_type=…&district_id=…) with the decision the current rules give.
func adminTestRouting(c *gin.Context, rules []model.RoutingRule, districts map[int64]model.District, agencies map[int64]model.Agency) adminRuleTest {
	t := adminRuleTest{Asked: c.Query("test") != "", Category: c.Query("category"), BusinessType: c.Query("business_type"),
		DistrictID: c.Query("district_id"), Errors: form.Errors{}}
	if !t.Asked {
		return t
	}
	in := routing.Input{Category: model.Category(t.Category), BusinessType: model.BusinessType(t.BusinessType)}
	if !in.Category.Valid() {
		t.Errors.Add("category", "form.choose")
	}
	if in.BusinessType != "" && !in.BusinessType.Valid() {
		t.Errors.Add("business_type", "form.choose")
	}
	id, ok := adminOptionalID(t.DistrictID)
	if !ok || id == nil {
		t.Errors.Add("district_id", "form.choose")
	} else if dist, known := districts[*id]; !known {
		t.Errors.Add("district_id", "form.choose")
	} else {
		t.District, in.DistrictID = &dist, dist.ID
	}
	if t.Errors.Any() {
		return t
	}
	dec, err := routing.Decide(rules, *t.District, in)
	if err != nil {
		t.Problem = "admin.rules.test_no_default"
		return t
	}
	t.Decision = &dec
	if dec.RuleID != nil {
		for i := range rules {
			if rules[i].ID == *dec.RuleID {
				t.Rule = &rules[i]
			}
		}
	}
	if a, ok := agencies[dec.AgencyID]; ok {
		t.Agency = &a
	}
	return t
}
