package ui

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/outbox"
)

// adminOutboxRetry sends message :id again (a fresh count of attempts, due
// at once) and returns to the list it was pressed on. A message delivered
// or being delivered meanwhile is left alone, and the list says so.
func (h *Handler) adminOutboxRetry(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	err := h.Outbox.Retry(c.Request.Context(), h.actor(c), id)
	if errors.Is(err, outbox.ErrNotRetryable) {
		h.adminOutboxRender(c, http.StatusConflict, "ops.outbox.not_retryable")
		return
	}
	if err != nil {
		h.refused(c, err, nil)
		return
	}
	status, channel := adminOutboxQuery(c.PostForm)
	c.Redirect(http.StatusSeeOther, adminOutboxURL(status, channel, 1)+"&ok=outbox_retried")
}
