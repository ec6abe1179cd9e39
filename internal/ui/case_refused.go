package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/cases"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
)

func (h *Handler) caseActor(c *gin.Context) cases.Actor {
	return cases.Actor{User: currentUser(c), IP: c.ClientIP()}
}

// caseRefused answers an error from cases.Service: a refusal as the page
// with its messages (a conflict shows the case as it now is), anything else
// as a server error.
func (h *Handler) caseRefused(c *gin.Context, cs *model.Case, err error) {
	h.refused(c, err, func(status int, errs form.Errors) {
		if status == http.StatusConflict {
			fresh, err := h.Store.CaseByID(c.Request.Context(), cs.ID)
			if err != nil {
				h.serverError(c, err)
				return
			}
			cs = fresh
		}
		h.caseHeldPage(c, status, cs, errs, moderation.Held(err))
	})
}
