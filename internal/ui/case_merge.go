package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// caseMerge closes a duplicate into the case it repeats (same agency).
func (h *Handler) caseMerge(c *gin.Context) {
	cs, ok := h.staffCase(c)
	if !ok {
		return
	}
	into, err := h.Cases.Merge(c.Request.Context(), h.caseActor(c), cs, c.PostForm("into"))
	if err != nil {
		h.caseRefused(c, cs, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/cases/"+strconv.FormatInt(into.ID, 10)+"?ok=case_merged")
}
