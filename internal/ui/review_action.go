package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/server"
	"honestmeasure/internal/units"
)

// reviewAction approves, returns, suspends, reinstates or revokes a unit,
// as the transition table allows (units.Service.Review); the reason is
// shown to the merchant (and for suspension and revocation, on the public
// page).
func (h *Handler) reviewAction(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	action := units.Action(c.Param("action"))
	reason := c.PostForm("reason")
	tr, err := h.Units.Review(c.Request.Context(), h.actor(c), id, action, reason, confirmations(c)...)
	if err != nil {
		h.refused(c, err, func(status int, errs form.Errors) {
			f := reviewForm{Reason: form.Clean(reason), Errors: errs}
			if held := moderation.Held(err); len(held) > 0 {
				f.Held = &held[0]
			}
			if u, ok := h.jurisdictionUnit(c); ok {
				h.reviewPageWith(c, status, u, f)
			}
		})
		return
	}
	server.Logger(c).Info("unit status changed", "unit_id", id, "from", string(tr.From), "to", string(tr.To), "by", currentUser(c).ID)
	c.Redirect(http.StatusSeeOther, "/staff/units/"+strconv.FormatInt(id, 10)+"?ok=unit_"+string(action))
}
