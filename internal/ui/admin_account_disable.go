package ui

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/storage"
)

func (h *Handler) adminAccountDisable(c *gin.Context) { h.adminSetDisabled(c, true) }
func (h *Handler) adminAccountEnable(c *gin.Context)  { h.adminSetDisabled(c, false) }

// adminSetDisabled disables an account, ending its sessions at once, or
// enables it again. The admin cannot lock themselves out.
func (h *Handler) adminSetDisabled(c *gin.Context, disabled bool) {
	ctx := c.Request.Context()
	u, ok := h.adminUser(c)
	if !ok {
		return
	}
	if u.ID == currentUser(c).ID {
		h.adminAccountsPage(c, http.StatusConflict, "admin.account.not_self")
		return
	}
	err := h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.SetUserDisabled(ctx, u.ID, disabled, h.now()); err != nil {
			return err
		}
		if disabled {
			if err := tx.DeleteUserSessions(ctx, u.ID, ""); err != nil {
				return err
			}
		}
		return h.record(c, tx, audit.ActionAccountChange, audit.ObjectUser, u.ID, u.AgencyID,
			map[string]any{"disabled": u.Disabled}, map[string]any{"disabled": disabled})
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	back := "/admin/accounts"
	if b := safeNext(c.PostForm("back")); strings.HasPrefix(b, "/admin/accounts") {
		back = b
	}
	key := "ok=account_enabled"
	if disabled {
		key = "ok=account_disabled"
	}
	c.Redirect(http.StatusSeeOther, appendQuery(back, key))
}
