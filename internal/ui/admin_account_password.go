package ui

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

type adminPasswordData struct {
	adminNav
	Account *model.User
	Errors  form.Errors
}

// adminResettable loads account :id for a password reset: staff and
// verification-body accounts only; the admin's own password is changed on
// the account page, with the current one.
func (h *Handler) adminResettable(c *gin.Context) (*model.User, bool) {
	u, ok := h.adminUser(c)
	if !ok {
		return nil, false
	}
	if u.Role == model.RoleMerchant {
		h.ErrorPage(c, http.StatusNotFound)
		return nil, false
	}
	if u.ID == currentUser(c).ID {
		c.Redirect(http.StatusSeeOther, "/account/password")
		return nil, false
	}
	return u, true
}

func (h *Handler) adminPasswordForm(c *gin.Context) {
	if u, ok := h.adminResettable(c); ok {
		h.adminRender(c, http.StatusOK, "admin_password", "admin.password.title", &adminPasswordData{Account: u})
	}
}

// adminPasswordReset sets the password the admin typed and signs the
// account out everywhere.
func (h *Handler) adminPasswordReset(c *gin.Context) {
	ctx := c.Request.Context()
	u, ok := h.adminResettable(c)
	if !ok {
		return
	}
	errs := form.Errors{}
	hash, err := accounts.HashPassword(c.PostForm("password"))
	if errors.Is(err, accounts.ErrPasswordTooShort) {
		errs.Add("password", "signup.password_short", accounts.MinPasswordLength)
	} else if err != nil {
		h.serverError(c, err)
		return
	} else if c.PostForm("password") != c.PostForm("password_confirm") {
		errs.Add("password_confirm", "signup.password_mismatch")
	}
	if errs.Any() {
		h.adminRender(c, http.StatusUnprocessableEntity, "admin_password", "admin.password.title", &adminPasswordData{Account: u, Errors: errs})
		return
	}
	err = h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.SetPassword(ctx, u.ID, hash, h.now()); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, u.ID, ""); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionAccountChange, audit.ObjectUser, u.ID, u.AgencyID, nil, map[string]any{"password_reset": true})
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	server.Logger(c).Info("password reset by admin", "user_id", u.ID, "by", currentUser(c).ID)
	c.Redirect(http.StatusSeeOther, "/admin/accounts?ok=password_reset")
}
