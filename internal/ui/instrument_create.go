package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/instruments"
	"honestmeasure/internal/storage"
)

func (h *Handler) instrumentNew(c *gin.Context) {
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	if !unitWritable(u) {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	h.instrumentFormPage(c, http.StatusOK, instrumentFormData{Unit: u, Form: instruments.Form{Quantity: "1"}})
}

// instrumentCreate adds one instrument, or several identical ones whose
// serial numbers count up (a market's dozen scales), all or nothing.
func (h *Handler) instrumentCreate(c *gin.Context) {
	ctx := c.Request.Context()
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	if !unitWritable(u) {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	f := instrumentFormFromPost(c)
	types, err := h.Store.InstrumentTypes(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	list, errs := f.Validate(types, u.ID, true)
	if errs == nil {
		var dup *storage.DuplicateSerialError
		err := h.Store.CreateInstruments(ctx, list)
		switch {
		case errors.As(err, &dup):
			errs = form.Errors{}
			errs.Add("serial_no", "instrument.serial_taken", dup.Serial)
		case err != nil:
			h.serverError(c, err)
			return
		}
	}
	if errs.Any() {
		h.instrumentFormPage(c, http.StatusUnprocessableEntity, instrumentFormData{Unit: u, Form: f, Errors: errs})
		return
	}
	notice := "instrument_added"
	if len(list) > 1 {
		notice = "instruments_added"
	}
	c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok="+notice)
}
