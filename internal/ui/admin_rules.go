package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/routing"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

// adminRuleForm is the routing rule form as typed.
type adminRuleForm struct {
	Name, Category, BusinessType, DistrictID, AgencyID, Priority string
	Enabled                                                      bool
}

func readAdminRuleForm(c *gin.Context) adminRuleForm {
	return adminRuleForm{Name: c.PostForm("name"), Category: c.PostForm("category"), BusinessType: c.PostForm("business_type"),
		DistrictID: c.PostForm("district_id"), AgencyID: c.PostForm("agency_id"), Priority: c.PostForm("priority"),
		Enabled: c.PostForm("enabled") != ""}
}

func adminRuleFormOf(r *model.RoutingRule) adminRuleForm {
	return adminRuleForm{Name: r.Name, Category: string(r.Category), BusinessType: string(r.BusinessType),
		DistrictID: adminIDString(r.DistrictID), AgencyID: adminIDString(r.AgencyID), Priority: strconv.Itoa(int(r.Priority)), Enabled: r.Enabled}
}

// rule checks the form: empty filters mean any, an empty agency the
// district's own bureau; a named agency must exist and be active.
func (f adminRuleForm) rule(districts map[int64]model.District, agencies map[int64]model.Agency) (model.RoutingRule, form.Errors) {
	errs := form.Errors{}
	r := model.RoutingRule{Name: adminRequired(errs, "name", f.Name, 200), Enabled: f.Enabled,
		Category: model.Category(f.Category), BusinessType: model.BusinessType(f.BusinessType)}
	if r.Category != "" && !r.Category.Valid() {
		errs.Add("category", "form.choose")
	}
	if r.BusinessType != "" && !r.BusinessType.Valid() {
		errs.Add("business_type", "form.choose")
	}
	if id, ok := adminOptionalID(f.DistrictID); !ok {
		errs.Add("district_id", "form.choose")
	} else if id != nil {
		if _, known := districts[*id]; !known {
			errs.Add("district_id", "form.choose")
		}
		r.DistrictID = id
	}
	if id, ok := adminOptionalID(f.AgencyID); !ok {
		errs.Add("agency_id", "admin.rules.unknown_agency")
	} else if id != nil {
		if a, known := agencies[*id]; !known || !a.Active {
			errs.Add("agency_id", "admin.rules.unknown_agency")
		}
		r.AgencyID = id
	}
	r.Priority = model.Priority(adminInt(errs, "priority", f.Priority, int(model.PriorityUrgent), int(model.PriorityLow)))
	return r, errs
}

// adminRuleAudit is what the audit log keeps of a rule.
func adminRuleAudit(r model.RoutingRule) map[string]any {
	return map[string]any{"name": r.Name, "position": r.Position, "enabled": r.Enabled, "category": r.Category,
		"business_type": r.BusinessType, "district_id": r.DistrictID, "agency_id": r.AgencyID, "priority": r.Priority}
}

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

type adminRuleFormData struct {
	adminNav
	Rule          *model.RoutingRule // nil for a new rule
	Form          adminRuleForm
	Errors        form.Errors
	Districts     []model.District
	Agencies      []model.Agency
	Categories    []model.Category
	BusinessTypes []model.BusinessType
}

// adminRefs loads the districts and every agency, for lists and checks.
func (h *Handler) adminRefs(c *gin.Context) ([]model.District, []model.Agency, error) {
	ctx := c.Request.Context()
	ds, err := h.Store.Districts(ctx)
	if err != nil {
		return nil, nil, err
	}
	as, err := h.Store.AllAgencies(ctx)
	return ds, as, err
}

func adminDistrictMap(list []model.District) map[int64]model.District {
	m := make(map[int64]model.District, len(list))
	for _, d := range list {
		m[d.ID] = d
	}
	return m
}

func adminActiveAgencies(list []model.Agency) []model.Agency {
	var out []model.Agency
	for _, a := range list {
		if a.Active {
			out = append(out, a)
		}
	}
	return out
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

func (h *Handler) adminRuleFormPage(c *gin.Context, status int, d *adminRuleFormData) {
	districts, agencies, err := h.adminRefs(c)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Districts, d.Agencies = districts, adminActiveAgencies(agencies)
	d.Categories, d.BusinessTypes = model.Categories, model.BusinessTypes
	title := "admin.rules.new"
	if d.Rule != nil {
		title = "admin.rules.edit"
	}
	h.adminRender(c, status, "admin_rule_form", title, d)
}

// adminRule loads rule :id or answers 404.
func (h *Handler) adminRule(c *gin.Context) (*model.RoutingRule, bool) {
	return loadParam(h, c, "id", h.Store.RoutingRuleByID)
}

func (h *Handler) adminRuleNew(c *gin.Context) {
	h.adminRuleFormPage(c, http.StatusOK, &adminRuleFormData{Form: adminRuleForm{Priority: strconv.Itoa(int(routing.DefaultPriority)), Enabled: true}})
}

func (h *Handler) adminRuleEdit(c *gin.Context) {
	if r, ok := h.adminRule(c); ok {
		h.adminRuleFormPage(c, http.StatusOK, &adminRuleFormData{Rule: r, Form: adminRuleFormOf(r)})
	}
}

func (h *Handler) adminRuleCreate(c *gin.Context) { h.adminSaveRule(c, nil) }

func (h *Handler) adminRuleUpdate(c *gin.Context) {
	if r, ok := h.adminRule(c); ok {
		h.adminSaveRule(c, r)
	}
}

// adminSaveRule creates a rule (old nil) or changes old; a new rule is tried
// last until the admin moves it up.
func (h *Handler) adminSaveRule(c *gin.Context, old *model.RoutingRule) {
	ctx := c.Request.Context()
	f := readAdminRuleForm(c)
	districts, agencies, err := h.adminRefs(c)
	if err != nil {
		h.serverError(c, err)
		return
	}
	r, errs := f.rule(adminDistrictMap(districts), adminAgencyMap(agencies))
	if errs.Any() {
		h.adminRuleFormPage(c, http.StatusUnprocessableEntity, &adminRuleFormData{Rule: old, Form: f, Errors: errs})
		return
	}
	err = h.Store.Tx(ctx, func(tx *storage.Store) error {
		if old == nil {
			if err := tx.CreateRoutingRule(ctx, &r, h.now()); err != nil {
				return err
			}
			return h.record(c, tx, audit.ActionRuleChange, audit.ObjectRoutingRule, r.ID, nil, nil, adminRuleAudit(r))
		}
		r.ID, r.Position = old.ID, old.Position
		if err := tx.UpdateRoutingRule(ctx, &r, h.now()); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionRuleChange, audit.ObjectRoutingRule, r.ID, nil, adminRuleAudit(*old), adminRuleAudit(r))
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	server.Logger(c).Info("routing rule saved", "rule_id", r.ID, "by", currentUser(c).ID)
	c.Redirect(http.StatusSeeOther, "/admin/rules?ok=rule_saved")
}

// adminRuleMove swaps a rule with the one before (dir=up) or after it
// (dir=down) in evaluation order, renumbering positions in steps of ten.
func (h *Handler) adminRuleMove(c *gin.Context) {
	ctx := c.Request.Context()
	r, ok := h.adminRule(c)
	if !ok {
		return
	}
	step := map[string]int{"up": -1, "down": 1}[c.PostForm("dir")]
	if step == 0 {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	err := h.Store.Tx(ctx, func(tx *storage.Store) error {
		rules, err := tx.AllRoutingRules(ctx)
		if err != nil {
			return err
		}
		i := -1
		for k := range rules {
			if rules[k].ID == r.ID {
				i = k
			}
		}
		j := i + step
		if i < 0 || j < 0 || j >= len(rules) {
			return nil // already first or last
		}
		before := adminRuleOrder(rules)
		rules[i], rules[j] = rules[j], rules[i]
		positions := map[int64]int{}
		for k, x := range rules {
			if x.Position != (k+1)*10 {
				positions[x.ID] = (k + 1) * 10
			}
		}
		if err := tx.SetRulePositions(ctx, positions, h.now()); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionRuleChange, audit.ObjectRoutingRule, r.ID, nil,
			map[string]any{"order": before}, map[string]any{"order": adminRuleOrder(rules)})
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/rules?ok=rule_moved")
}

func adminRuleOrder(rules []model.RoutingRule) []int64 {
	ids := make([]int64, len(rules))
	for i, r := range rules {
		ids[i] = r.ID
	}
	return ids
}

// adminRuleEnabled switches a rule on (enabled=1) or off (enabled=0).
func (h *Handler) adminRuleEnabled(c *gin.Context) {
	ctx := c.Request.Context()
	old, ok := h.adminRule(c)
	if !ok {
		return
	}
	r := *old
	r.Enabled = c.PostForm("enabled") == "1"
	err := h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.UpdateRoutingRule(ctx, &r, h.now()); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionRuleChange, audit.ObjectRoutingRule, r.ID, nil,
			map[string]any{"enabled": old.Enabled}, map[string]any{"enabled": r.Enabled})
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	key := "rule_disabled"
	if r.Enabled {
		key = "rule_enabled"
	}
	c.Redirect(http.StatusSeeOther, "/admin/rules?ok="+key)
}
