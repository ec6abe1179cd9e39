package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// adminRuleMove swaps a rule with the one before (dir=up) or after it
// (dir=down) in evaluation order, renumbering positions in steps of ten.
func (h *Handler) adminRuleMove(c *gin.Context) {
	ctx := c.Request.Context()
	r, ok := h.adminRule(c)
	if !ok {
		return
	}
	step := map[string]int{"up": -1, "down": 1}[c.PostForm("dir")]
	if step == 0 {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	err := h.Store.Tx(ctx, func(tx *storage.Store) error {
		rules, err := tx.AllRoutingRules(ctx)
		if err != nil {
			return err
		}
		i := -1
		for k := range rules {
			if rules[k].ID == r.ID {
				i = k
			}
		}
		j := i + step
		if i < 0 || j < 0 || j >= len(rules) {
			return nil // already first or last
		}
		before := adminRuleOrder(rules)
		rules[i], rules[j] = rules[j], rules[i]
		positions := map[int64]int{}
		for k, x := range rules {
			if x.Position != (k+1)*10 {
				positions[x.ID] = (k + 1) * 10
			}
		}
		if err := tx.SetRulePositions(ctx, positions, h.now()); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionRuleChange, audit.ObjectRoutingRule, r.ID, nil,
			map[string]any{"order": before}, map[string]any{"order": adminRuleOrder(rules)})
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/rules?ok=rule_moved")
}

func adminRuleOrder(rules []model.RoutingRule) []int64 {
	ids := make([]int64, len(rules))
	for i, r := range rules {
		ids[i] = r.ID
	}
	return ids
}
