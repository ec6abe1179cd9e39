package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/units"
)

type unitFormData struct {
	Unit          *model.Unit // nil for a new application
	Form          units.Application
	Errors        form.Errors
	Districts     []model.District
	BusinessTypes []model.BusinessType
	AllEditable   bool
}

func (h *Handler) unitFormPage(c *gin.Context, status int, d unitFormData) {
	ds, err := h.Store.Districts(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Districts, d.BusinessTypes = ds, model.BusinessTypes
	title := server.Printer(c).T("unit.new_title")
	if d.Unit != nil {
		title = server.Printer(c).T("unit.edit_title")
	}
	h.render(c, status, "unit_form", h.page(c, title, d))
}

func (h *Handler) unitNew(c *gin.Context) {
	h.unitFormPage(c, http.StatusOK, unitFormData{AllEditable: true})
}

func applicationFromPost(c *gin.Context) units.Application {
	return units.Application{Name: c.PostForm("name"), USCC: c.PostForm("uscc"), BusinessType: c.PostForm("business_type"),
		Address: c.PostForm("address"), DistrictID: c.PostForm("district_id"), ContactName: c.PostForm("contact_name"),
		ContactPhone: c.PostForm("contact_phone"), OpeningHours: c.PostForm("opening_hours")}
}

// unitCreate saves a new application as a draft.
func (h *Handler) unitCreate(c *gin.Context) {
	photo, photoErr, ok := h.shopPhoto(c)
	if !ok {
		return
	}
	ch := &units.Changes{Form: applicationFromPost(c), Photo: photo, PhotoProblem: photoErr}
	u, err := h.Units.Create(c.Request.Context(), h.actor(c), ch)
	if err != nil {
		h.refused(c, err, func(status int, errs form.Errors) {
			h.unitFormPage(c, status, unitFormData{Form: ch.Form, Errors: errs, AllEditable: true})
		})
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok=draft_saved")
}
