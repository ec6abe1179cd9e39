package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// reminderSettings turns the merchant's expiry reminders off (reminders=off)
// or on (reminders=on).
func (h *Handler) reminderSettings(c *gin.Context) {
	var off bool
	switch c.PostForm("reminders") {
	case "off":
		off = true
	case "on":
	default:
		h.ErrorPage(c, http.StatusBadRequest)
		return
	}
	if err := h.Reminders.SetOff(c.Request.Context(), currentUser(c), off); err != nil {
		h.refused(c, err, nil)
		return
	}
	ok := "reminders_on"
	if off {
		ok = "reminders_off"
	}
	c.Redirect(http.StatusSeeOther, "/merchant?ok="+ok+"#due")
}
