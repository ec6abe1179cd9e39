package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/storage"
)

// adminRuleEnabled switches a rule on (enabled=1) or off (enabled=0).
func (h *Handler) adminRuleEnabled(c *gin.Context) {
	ctx := c.Request.Context()
	old, ok := h.adminRule(c)
	if !ok {
		return
	}
	r := *old
	r.Enabled = c.PostForm("enabled") == "1"
	err := h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.UpdateRoutingRule(ctx, &r, h.now()); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionRuleChange, audit.ObjectRoutingRule, r.ID, nil,
			map[string]any{"enabled": old.Enabled}, map[string]any{"enabled": r.Enabled})
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	key := "rule_disabled"
	if r.Enabled {
		key = "rule_enabled"
	}
	c.Redirect(http.StatusSeeOther, "/admin/rules?ok="+key)
}
