package ui

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/units"
)

// unitSubmit sends a draft or returned application for review
// (units.Service.Submit). A refusal shows the unit page with the reason.
func (h *Handler) unitSubmit(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	_, err := h.Units.Submit(c.Request.Context(), h.actor(c), id)
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(id, 10)+"?ok=submitted")
	case errors.Is(err, units.ErrChanged):
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(id, 10))
	default:
		h.refused(c, err, func(status int, errs form.Errors) {
			h.showUnit(c, status, problem(errs))
		})
	}
}

// problem is the one message of a refusal shown as a notice above a page
// rather than beside a field: the "action" one if there is one.
func problem(errs form.Errors) string {
	if m, ok := errs["action"]; ok {
		return m.Key
	}
	fields := slices.Sorted(maps.Keys(errs))
	if len(fields) == 0 {
		return "review.changed_meanwhile"
	}
	return errs[fields[0]].Key
}

// pageWithNotice is page with a problem notice shown above the content.
func (h *Handler) pageWithNotice(c *gin.Context, title string, data any, key string) renderPage {
	p := h.page(c, title, data)
	p.Problem = key
	return p
}
