package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
)

// caseHandoff records (or corrects) the case's registration number in 12315
// or 12345; a refusal shows the case page again with what was typed.
func (h *Handler) caseHandoff(c *gin.Context) {
	cs, ok := h.staffCase(c)
	if !ok {
		return
	}
	_, err := h.Cases.RecordHandoff(c.Request.Context(), h.caseActor(c), cs.ID, model.HandoffTarget(c.PostForm("target")), c.PostForm("registration_no"))
	if err != nil {
		h.caseRefused(c, cs, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/cases/"+strconv.FormatInt(cs.ID, 10)+"?ok=case_handed_off#handoff")
}
