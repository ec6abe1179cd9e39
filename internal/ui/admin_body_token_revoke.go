package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// adminBodyTokenRevoke revokes token :id; the body's system is refused
// from its next request. Revoking it again changes nothing.
func (h *Handler) adminBodyTokenRevoke(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	if err := h.Accounts.RevokeBodyToken(c.Request.Context(), h.actor(c), id); err != nil {
		h.refused(c, err, nil)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/verification-bodies?ok=body_token_revoked")
}
