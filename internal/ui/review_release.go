package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/server"
)

// releaseCode makes a unit give up the credit code it holds, so the business
// whose code it is can apply (units.Service.ReleaseCreditCode): a
// supervisor of the agency with jurisdiction or the city admin, with a
// reason that the holder is told and the audit log keeps.
func (h *Handler) releaseCode(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	if err := h.Units.ReleaseCreditCode(c.Request.Context(), h.actor(c), id, c.PostForm("release_reason")); err != nil {
		h.refused(c, err, func(status int, errs form.Errors) { h.reviewRefused(c, status, "", errs) })
		return
	}
	server.Logger(c).Info("credit code released", "unit_id", id, "by", currentUser(c).ID)
	c.Redirect(http.StatusSeeOther, "/staff/units/"+strconv.FormatInt(id, 10)+"?ok=uscc_released")
}
