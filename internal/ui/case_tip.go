package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/cases"
)

// caseTip opens a tip from complaint :id, which revealed a violation
// (cases.Service.TipFromComplaint), and goes to the tip — or back to the
// complaint, saying where the tip went, when it was routed to an agency the
// officer is not in.
func (h *Handler) caseTip(c *gin.Context) {
	cs, ok := h.staffCase(c)
	if !ok {
		return
	}
	tip, err := h.Cases.TipFromComplaint(c.Request.Context(), h.caseActor(c), cs, c.PostForm("tip_text"))
	if err != nil {
		h.caseRefused(c, cs, err)
		return
	}
	if !cases.MayHandle(currentUser(c), tip) {
		c.Redirect(http.StatusSeeOther, "/staff/cases/"+strconv.FormatInt(cs.ID, 10)+"?ok=case_tip_elsewhere")
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/cases/"+strconv.FormatInt(tip.ID, 10)+"?ok=case_tip_opened")
}
