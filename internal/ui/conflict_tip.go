package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/cases"
	"honestmeasure/internal/form"
)

// conflictTip opens an internal tip (a case in the false-certificate
// category) from conflict :id, which it resolves, and goes to the new case —
// or back to the conflict, which names the case, when the case went to an
// agency the officer is not in (verification.Service.OpenTip). The text is
// optional.
func (h *Handler) conflictTip(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	typed := conflictTyped{Action: "tip", Text: c.PostForm("text")}
	cs, err := h.Verification.OpenTip(c.Request.Context(), h.actor(c), id, typed.Text)
	if err != nil {
		h.refused(c, err, func(status int, errs form.Errors) { h.conflictPage(c, status, typed, errs) })
		return
	}
	if !cases.MayHandle(currentUser(c), cs) {
		// Routed to another agency (false certificates go to the city's
		// detachment): the conflict page names the case and who has it.
		c.Redirect(http.StatusSeeOther, "/staff/conflicts/"+strconv.FormatInt(id, 10)+"?ok=conflict_tip_elsewhere")
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/cases/"+strconv.FormatInt(cs.ID, 10)+"?ok=conflict_tip")
}
