package ui

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/form"
	"honestmeasure/internal/server"
)

func (h *Handler) forgotPage(c *gin.Context) {
	h.render(c, http.StatusOK, "password_forgot", h.page(c, server.Printer(c).T("accounts.forgot.title"), signupData{Login: c.Query("login")}))
}

// forgot sends a reset code, if the account exists; the answer is the same.
func (h *Handler) forgot(c *gin.Context) {
	d := signupData{Login: strings.TrimSpace(c.PostForm("login")), Errors: form.Errors{}}
	sent, err := h.Accounts.StartReset(c.Request.Context(), d.Login, h.client(c))
	if h.refusal(c, err, d.Errors, func(status int) {
		h.render(c, status, "password_forgot", h.page(c, server.Printer(c).T("accounts.forgot.title"), d))
	}) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/password/reset?login="+url.QueryEscape(sent.Login))
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
	if h.refusal(c, err, d.Errors, func(status int) {
		h.render(c, status, "password_reset", h.page(c, server.Printer(c).T("accounts.reset.title"), d))
	}) {
		return
	}
	if err := h.startSession(c, user); err != nil {
		h.serverError(c, err)
		return
	}
	server.Logger(c).Info("password reset by code", "user_id", user.ID)
	c.Redirect(http.StatusSeeOther, homeFor(user)+"?ok=password_reset")
}
