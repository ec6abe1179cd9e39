package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

type unitFormData struct {
	Unit          *model.Unit // nil for a new application
	Form          units.Application
	Errors        form.Errors
	Districts     []model.District
	BusinessTypes []model.BusinessType
	AllEditable   bool
	// FormKey names the form (units.NewFormKey); Held is the shop-front
	// photo held for it from a try that came back with problems.
	FormKey string
	Held    *model.HeldPhoto
	// CanRequestChange: the locked fields may be changed through a change
	// request (units.MayRequestChange); ChangeOpen: one is waiting.
	CanRequestChange bool
	ChangeOpen       bool
}

func (h *Handler) unitFormPage(c *gin.Context, status int, d unitFormData) {
	ds, err := h.Store.Districts(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Districts, d.BusinessTypes = ds, model.BusinessTypes
	if d.FormKey == "" {
		d.FormKey = units.NewFormKey()
	}
	if d.Unit != nil && !d.AllEditable && units.MayRequestChange(d.Unit.Status) {
		d.CanRequestChange = true
		r, err := h.Store.LatestChangeRequest(c.Request.Context(), d.Unit.ID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			h.serverError(c, err)
			return
		}
		d.ChangeOpen = r != nil && r.State == model.ChangeOpen
	}
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

// changesFromPost reads the unit form: its fields, the photo already
// cleaned (shopPhoto), and the form's key with whether the merchant removed
// the photo held for it. A key that is not one of ours is replaced, so
// nothing is held under it.
func changesFromPost(c *gin.Context, photo *model.UnitPhoto, photoErr *form.Message) *units.Changes {
	key := c.PostForm("form_key")
	if !units.ValidFormKey(key) {
		key = units.NewFormKey()
	}
	return &units.Changes{Form: applicationFromPost(c), Photo: photo, PhotoProblem: photoErr, FormKey: key,
		DropHeld: c.PostForm("drop_held") == "yes"}
}

// unitFormAgain shows the unit form sent back with errs, as typed, with the
// photo now held for it.
func (h *Handler) unitFormAgain(c *gin.Context, status int, ch *units.Changes, d unitFormData) {
	held, err := h.Units.HeldPhoto(c.Request.Context(), h.actor(c), ch.FormKey, false)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Form, d.FormKey, d.Held = ch.Form, ch.FormKey, held
	h.unitFormPage(c, status, d)
}

// unitCreate saves a new application as a draft.
func (h *Handler) unitCreate(c *gin.Context) {
	photo, photoErr, ok := h.shopPhoto(c)
	if !ok {
		return
	}
	ch := changesFromPost(c, photo, photoErr)
	u, err := h.Units.Create(c.Request.Context(), h.actor(c), ch)
	if err != nil {
		h.refused(c, err, func(status int, errs form.Errors) {
			h.unitFormAgain(c, status, ch, unitFormData{Errors: errs, AllEditable: true})
		})
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok=draft_saved")
}
