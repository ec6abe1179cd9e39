package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/instruments"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

func (h *Handler) instrumentEdit(c *gin.Context) {
	in, u, ok := h.ownInstrument(c)
	if !ok {
		return
	}
	if !unitWritable(u) || in.Status != model.InstrumentInUse {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	h.instrumentFormPage(c, http.StatusOK, instrumentFormData{Unit: u, Instrument: in, Form: instruments.FromInstrument(in)})
}

func (h *Handler) instrumentUpdate(c *gin.Context) {
	ctx := c.Request.Context()
	in, u, ok := h.ownInstrument(c)
	if !ok {
		return
	}
	if !unitWritable(u) || in.Status != model.InstrumentInUse {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	f := instrumentFormFromPost(c)
	types, err := h.Store.InstrumentTypes(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	list, errs := f.Validate(types, u.ID, false)
	if errs == nil {
		next := list[0]
		next.ID, next.Status = in.ID, in.Status
		var dup *storage.DuplicateSerialError
		err := h.Store.UpdateInstrument(ctx, &next)
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
		h.instrumentFormPage(c, http.StatusUnprocessableEntity, instrumentFormData{Unit: u, Instrument: in, Form: f, Errors: errs})
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant/instruments/"+strconv.FormatInt(in.ID, 10)+"?ok=saved")
}
