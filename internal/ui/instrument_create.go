package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
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
// serial numbers count up (a market's dozen scales), all or nothing; a
// certificate filled in on the same form is recorded with the one
// instrument, in the same transaction (units.AddInstruments).
func (h *Handler) instrumentCreate(c *gin.Context) {
	u, ok := h.writableUnit(c)
	if !ok {
		return
	}
	f, vf := instrumentFormFromPost(c), verificationFormFromPost(c)
	list, err := h.Units.AddInstruments(c.Request.Context(), h.actor(c), u, &f, &vf)
	if err != nil {
		h.refused(c, err, func(status int, errs form.Errors) {
			h.instrumentFormPage(c, status, instrumentFormData{Unit: u, Form: f, Verification: vf, Errors: errs})
		})
		return
	}
	notice := "instrument_added"
	switch {
	case len(list) > 1:
		notice = "instruments_added"
	case !vf.Blank():
		notice = "instrument_certificate_added"
	}
	c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok="+notice)
}
