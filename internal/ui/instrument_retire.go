package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// instrumentRetire takes an instrument out of use once the merchant has
// confirmed it (instrumentRetireConfirm): it leaves the public page, its
// history stays, and its serial number is free again.
func (h *Handler) instrumentRetire(c *gin.Context) {
	in, u, ok := h.retirableInstrument(c)
	if !ok || !confirmed(c) {
		return
	}
	if err := h.Store.RetireInstrument(c.Request.Context(), in.ID, h.now()); err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok=instrument_retired")
}
