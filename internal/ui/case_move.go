package ui

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/cases"
	"honestmeasure/internal/model"
)

// caseTransfer hands a case to another agency (a supervisor of the handling
// agency, or the city admin). caseReroute does the same for a case an agency
// sent back, and puts it in the new agency's queue as new (city admin only).
// The rules are cases.Service's.
func (h *Handler) caseTransfer(c *gin.Context) { h.moveCase(c, h.Cases.Transfer) }

func (h *Handler) caseReroute(c *gin.Context) { h.moveCase(c, h.Cases.Reroute) }

func (h *Handler) moveCase(c *gin.Context, move func(context.Context, cases.Actor, *model.Case, cases.Move) (*model.Case, error)) {
	cs, ok := h.staffCase(c)
	if !ok {
		return
	}
	_, err := move(c.Request.Context(), h.caseActor(c), cs, cases.Move{AgencyCode: c.PostForm("agency"), Reason: c.PostForm("reason"), Confirmed: confirmations(c)})
	if err != nil {
		h.caseRefused(c, cs, err)
		return
	}
	// The case left this agency: its staff no longer see it (the city admin does).
	if currentUser(c).Role == model.RoleCityAdmin {
		c.Redirect(http.StatusSeeOther, "/staff/cases/"+strconv.FormatInt(cs.ID, 10)+"?ok=case_transferred")
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/queue?ok=case_transferred")
}
