package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/cases"
	"honestmeasure/internal/server"
)

// caseAction applies one transition of the case state machine
// (cases.Service.Act).
func (h *Handler) caseAction(c *gin.Context) {
	cs, ok := h.staffCase(c)
	if !ok {
		return
	}
	action := cases.Action(c.Param("action"))
	changed, err := h.Cases.Act(c.Request.Context(), h.caseActor(c), cs, action, cases.Decision{
		Reason: c.PostForm("reason"), Ground: c.PostForm("ground"), Mediation: c.PostForm("mediation"),
		Outcome: c.PostForm("outcome"), Fine: c.PostForm("fine"),
		InstrumentMeasure: c.PostForm("instrument_measure"), UnitMeasure: c.PostForm("unit_measure"),
		PublicNotice: c.PostForm("public_notice"), Confirmed: confirmations(c),
	})
	if err != nil {
		h.caseRefused(c, cs, err)
		return
	}
	server.Logger(c).Info("case status changed", "case_id", cs.ID, "from", string(cs.Status), "to", string(changed.Status), "by", currentUser(c).ID)
	c.Redirect(http.StatusSeeOther, "/staff/cases/"+strconv.FormatInt(cs.ID, 10)+"?ok=case_done_"+string(action))
}
