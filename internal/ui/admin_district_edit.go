package ui

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// adminDistrictForm is the district form as typed.
type adminDistrictForm struct{ DefaultAgencyID, UnitTarget string }

type adminDistrictFormData struct {
	adminNav
	District *model.District
	Form     adminDistrictForm
	Errors   form.Errors
	Agencies []model.Agency // active agencies with jurisdiction over the district
}

// adminDistrict loads district :id and the admin world, or answers (adminWithWorld).
func (h *Handler) adminDistrict(c *gin.Context) (*model.District, *adminWorld, bool) {
	return adminWithWorld(h, c, h.Store.DistrictByID)
}

// eligibleDefaults are the agencies that may be district's default: active
// and with jurisdiction there.
func (w *adminWorld) eligibleDefaults(district int64) []model.Agency {
	var out []model.Agency
	for _, a := range w.Agencies {
		if a.Active && w.hasJurisdiction(a.ID, district) {
			out = append(out, a)
		}
	}
	return out
}

func (h *Handler) adminDistrictEdit(c *gin.Context) {
	di, w, ok := h.adminDistrict(c)
	if !ok {
		return
	}
	h.adminRender(c, http.StatusOK, "admin_district_form", "admin.district.edit", &adminDistrictFormData{District: di,
		Form:     adminDistrictForm{DefaultAgencyID: adminIDString(di.DefaultAgencyID), UnitTarget: strconv.Itoa(di.UnitTarget)},
		Agencies: w.eligibleDefaults(di.ID)})
}

// adminMaxUnitTarget bounds a district's target; far above any city's programme.
const adminMaxUnitTarget = 100000

func (h *Handler) adminDistrictUpdate(c *gin.Context) {
	ctx := c.Request.Context()
	di, w, ok := h.adminDistrict(c)
	if !ok {
		return
	}
	f := adminDistrictForm{DefaultAgencyID: c.PostForm("default_agency_id"), UnitTarget: c.PostForm("unit_target")}
	errs := form.Errors{}
	target := adminInt(errs, "unit_target", f.UnitTarget, 0, adminMaxUnitTarget)
	agency, valid := adminOptionalID(f.DefaultAgencyID)
	switch {
	case !valid || agency == nil:
		errs.Add("default_agency_id", "form.choose")
	case !slices.ContainsFunc(w.eligibleDefaults(di.ID), func(a model.Agency) bool { return a.ID == *agency }):
		errs.Add("default_agency_id", "admin.district.no_jurisdiction")
	}
	if errs.Any() {
		h.adminRender(c, http.StatusUnprocessableEntity, "admin_district_form", "admin.district.edit",
			&adminDistrictFormData{District: di, Form: f, Errors: errs, Agencies: w.eligibleDefaults(di.ID)})
		return
	}
	err := h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.UpdateDistrict(ctx, di.ID, agency, target); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionDistrictChange, audit.ObjectDistrict, di.ID, nil,
			map[string]any{"default_agency_id": di.DefaultAgencyID, "unit_target": di.UnitTarget},
			map[string]any{"default_agency_id": agency, "unit_target": target})
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/agencies?ok=district_saved")
}
