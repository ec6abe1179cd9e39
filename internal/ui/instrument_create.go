package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/instruments"
)

func (h *Handler) instrumentNew(c *gin.Context) {
	u, ok := h.writableUnit(c)
	if !ok {
		return
	}
	h.instrumentFormPage(c, http.StatusOK, instrumentFormData{Unit: u, Form: instruments.Form{Quantity: "1"}})
}

// instrumentCreate adds one instrument, or several identical ones whose
// serial numbers count up (a market's dozen scales), all or nothing.
func (h *Handler) instrumentCreate(c *gin.Context) {
	u, ok := h.writableUnit(c)
	if !ok {
		return
	}
	list, ok := h.saveInstruments(c, u, nil, h.Store.CreateInstruments)
	if !ok {
		return
	}
	notice := "instrument_added"
	if len(list) > 1 {
		notice = "instruments_added"
	}
	c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok="+notice)
}
