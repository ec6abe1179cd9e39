package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// reminderAck records that the merchant has seen an expiry reminder: that
// certificate is not reminded of again (reminders.Service.Acknowledge).
func (h *Handler) reminderAck(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	if err := h.Reminders.Acknowledge(c.Request.Context(), currentUser(c), id); err != nil {
		h.refused(c, err, nil)
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant?ok=reminder_acknowledged#due")
}
