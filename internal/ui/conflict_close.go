package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
)

// conflictClose resolves or dismisses conflict :id (:status is resolved or
// dismissed) with the officer's reason (verification.Service.Close); a
// refusal shows the page again with the reason as typed.
func (h *Handler) conflictClose(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	typed := conflictTyped{Action: c.Param("status"), Reason: c.PostForm("reason")}
	err := h.Verification.Close(c.Request.Context(), h.actor(c), id, model.ConflictStatus(typed.Action), typed.Reason)
	if err != nil {
		h.refused(c, err, func(status int, errs form.Errors) { h.conflictPage(c, status, typed, errs) })
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/conflicts/"+strconv.FormatInt(id, 10)+"?ok=conflict_"+typed.Action)
}
