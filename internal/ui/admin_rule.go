package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
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
