package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/server"
)

func (h *Handler) forgotPage(c *gin.Context) {
	h.render(c, http.StatusOK, "password_forgot", h.page(c, server.Printer(c).T("accounts.forgot.title"), signupData{Login: c.Query("login")}))
}

// forgot sends a reset code, if the account exists; the answer is the same.
func (h *Handler) forgot(c *gin.Context) {
	h.sendCode(c, "password_forgot", "accounts.forgot.title", "/password/reset", h.Accounts.StartReset)
}

func (h *Handler) resetPage(c *gin.Context) {
	h.render(c, http.StatusOK, "password_reset", h.page(c, server.Printer(c).T("accounts.reset.title"), newCodeStep(c.Query("login"))))
}

// reset sets the new password, ends every session of the account and
// signs this browser in.
func (h *Handler) reset(c *gin.Context) {
	d := newCodeStep(c.PostForm("login"))
	user, err := h.Accounts.ConfirmReset(c.Request.Context(), accounts.ResetRequest{Login: d.Login, Code: c.PostForm("code"),
		Password: c.PostForm("password"), Confirm: c.PostForm("password_confirm"), Client: h.client(c)})
	if !h.signIn(c, user, err, d.Errors, func(status int) {
		h.render(c, status, "password_reset", h.page(c, server.Printer(c).T("accounts.reset.title"), d))
	}) {
		return
	}
	server.Logger(c).Info("password reset by code", "user_id", user.ID)
	c.Redirect(http.StatusSeeOther, homeFor(user)+"?ok=password_reset")
}
