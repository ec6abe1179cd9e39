package ui

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/instruments"
	"honestmeasure/internal/model"
)

func (h *Handler) instrumentEdit(c *gin.Context) {
	in, u, ok := h.editableInstrument(c)
	if !ok {
		return
	}
	h.instrumentFormPage(c, http.StatusOK, instrumentFormData{Unit: u, Instrument: in, Form: instruments.FromInstrument(in)})
}

func (h *Handler) instrumentUpdate(c *gin.Context) {
	in, u, ok := h.editableInstrument(c)
	if !ok {
		return
	}
	_, ok = h.saveInstruments(c, u, in, func(ctx context.Context, list []model.Instrument) error {
		next := list[0]
		next.ID, next.Status = in.ID, in.Status
		return h.Store.UpdateInstrument(ctx, &next)
	})
	if !ok {
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant/instruments/"+strconv.FormatInt(in.ID, 10)+"?ok=saved")
}
