package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

// editableUnit loads the signed-in merchant's unit :id if it may be edited,
// with whether every field is open, or answers 404: there is no edit form
// for another merchant's unit, nor for one whose status allows no edit.
func (h *Handler) editableUnit(c *gin.Context) (u *model.Unit, all, ok bool) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return nil, false, false
	}
	u, all, err := h.Units.Editable(c.Request.Context(), h.actor(c), id)
	switch {
	case err == nil:
		return u, all, true
	case errors.Is(err, units.ErrNotEditable) || errors.Is(err, storage.ErrNotFound):
		h.ErrorPage(c, http.StatusNotFound)
	default:
		h.serverError(c, err)
	}
	return nil, false, false
}

func (h *Handler) unitEdit(c *gin.Context) {
	u, all, ok := h.editableUnit(c)
	if !ok {
		return
	}
	h.unitFormPage(c, http.StatusOK, unitFormData{Unit: u, Form: units.FromUnit(u), AllEditable: all})
}

// unitUpdate saves edits. Once approved, only the contact details and
// opening hours may change: what the officer approved stays as approved.
// Whether the unit may be edited is settled before its photo is decoded.
func (h *Handler) unitUpdate(c *gin.Context) {
	u, all, ok := h.editableUnit(c)
	if !ok {
		return
	}
	photo, photoErr, ok := h.shopPhoto(c)
	if !ok {
		return
	}
	ch := changesFromPost(c, photo, photoErr)
	_, err := h.Units.Update(c.Request.Context(), h.actor(c), u.ID, ch)
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok=saved")
	case errors.Is(err, units.ErrNotEditable):
		h.ErrorPage(c, http.StatusNotFound)
	case errors.Is(err, units.ErrChanged):
		// Its status moved meanwhile: show the unit as it now is.
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10))
	default:
		h.refused(c, err, func(status int, errs form.Errors) {
			h.unitFormAgain(c, status, ch, unitFormData{Unit: u, Errors: errs, AllEditable: all})
		})
	}
}
