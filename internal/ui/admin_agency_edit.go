package ui

import (
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

// adminAgencyForm is the agency form as typed.
type adminAgencyForm struct {
	NameZh, NameEn, Phone, Email, WebhookURL string
	Active                                   bool
	Districts                                []string
}

func adminAgencyFormOf(a *model.Agency, districts []int64) adminAgencyForm {
	f := adminAgencyForm{NameZh: a.NameZh, NameEn: a.NameEn, Phone: a.Phone, Email: a.Email, WebhookURL: a.WebhookURL, Active: a.Active}
	for _, id := range districts {
		f.Districts = append(f.Districts, strconv.FormatInt(id, 10))
	}
	return f
}

// Checked tells the template whether district id is ticked.
func (f adminAgencyForm) Checked(id int64) bool {
	return slices.Contains(f.Districts, strconv.FormatInt(id, 10))
}

// adminValidEmail accepts a bare address (no display name), as notices need.
func adminValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

// adminValidWebhook accepts an absolute http or https URL with a host.
func adminValidWebhook(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}

// check validates the form for agency a. An agency keeps jurisdiction over
// the districts whose default agency it is, and stays active while it is a
// district's default or the target of an enabled rule, so no report is
// ever routed to a bureau that cannot act.
func (f adminAgencyForm) check(l *locale.Printer, a *model.Agency, w *adminWorld) (model.Agency, []int64, form.Errors) {
	errs := form.Errors{}
	out := *a
	out.NameZh = adminRequired(errs, "name_zh", f.NameZh, 200)
	out.NameEn = adminRequired(errs, "name_en", f.NameEn, 200)
	out.Phone = adminOptional(errs, "phone", f.Phone, 50)
	out.Email = strings.TrimSpace(f.Email)
	if out.Email != "" && !adminValidEmail(out.Email) {
		errs.Add("email", "report.email")
	}
	out.WebhookURL = strings.TrimSpace(f.WebhookURL)
	if form.TooLong(out.WebhookURL, 500) {
		errs.Add("webhook_url", "form.too_long", 500)
	} else if out.WebhookURL != "" && !adminValidWebhook(out.WebhookURL) {
		errs.Add("webhook_url", "admin.agency.webhook_url")
	}
	out.Active = f.Active
	dm := adminDistrictMap(w.Districts)
	var ids []int64
	for _, s := range f.Districts {
		id, err := strconv.ParseInt(s, 10, 64)
		if _, known := dm[id]; err != nil || !known {
			errs.Add("districts", "form.choose")
			continue
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, di := range w.Districts {
		if di.DefaultAgencyID != nil && *di.DefaultAgencyID == a.ID {
			if !slices.Contains(ids, di.ID) {
				errs.Add("districts", "admin.agency.keeps_default", l.Pick(di.NameZh, di.NameEn))
			}
			if !out.Active {
				errs.Add("active", "admin.agency.default_of", l.Pick(di.NameZh, di.NameEn))
			}
		}
	}
	for _, r := range w.Rules {
		if !out.Active && r.Enabled && r.AgencyID != nil && *r.AgencyID == a.ID {
			errs.Add("active", "admin.agency.rule_target", r.Name)
		}
	}
	return out, ids, errs
}

func adminAgencyAudit(a model.Agency, districts []int64) map[string]any {
	return map[string]any{"name_zh": a.NameZh, "name_en": a.NameEn, "phone": a.Phone, "email": a.Email,
		"webhook_url": a.WebhookURL, "active": a.Active, "district_ids": districts}
}

type adminAgencyFormData struct {
	adminNav
	Agency    *model.Agency
	Form      adminAgencyForm
	Errors    form.Errors
	Districts []model.District
}

// adminAgency loads agency :id and the admin world, or answers (adminWithWorld).
func (h *Handler) adminAgency(c *gin.Context) (*model.Agency, *adminWorld, bool) {
	return adminWithWorld(h, c, h.Store.AgencyByID)
}

func (h *Handler) adminAgencyEdit(c *gin.Context) {
	a, w, ok := h.adminAgency(c)
	if !ok {
		return
	}
	h.adminRender(c, http.StatusOK, "admin_agency_form", "admin.agency.edit",
		&adminAgencyFormData{Agency: a, Form: adminAgencyFormOf(a, w.districtsOf(a.ID)), Districts: w.Districts})
}

func (h *Handler) adminAgencyUpdate(c *gin.Context) {
	ctx := c.Request.Context()
	a, w, ok := h.adminAgency(c)
	if !ok {
		return
	}
	f := adminAgencyForm{NameZh: c.PostForm("name_zh"), NameEn: c.PostForm("name_en"), Phone: c.PostForm("phone"),
		Email: c.PostForm("email"), WebhookURL: c.PostForm("webhook_url"), Active: c.PostForm("active") != "",
		Districts: c.PostFormArray("district_id")}
	updated, ids, errs := f.check(server.Printer(c), a, w)
	if errs.Any() {
		h.adminRender(c, http.StatusUnprocessableEntity, "admin_agency_form", "admin.agency.edit",
			&adminAgencyFormData{Agency: a, Form: f, Errors: errs, Districts: w.Districts})
		return
	}
	err := h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.UpdateAgency(ctx, &updated); err != nil {
			return err
		}
		if err := tx.SetAgencyDistricts(ctx, a.ID, ids); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionAgencyChange, audit.ObjectAgency, a.ID, &a.ID,
			adminAgencyAudit(*a, w.districtsOf(a.ID)), adminAgencyAudit(updated, ids))
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/agencies?ok=agency_saved")
}
