package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/form"
	"honestmeasure/internal/server"
)

// codeStep is the page that asks for a one-time code: sign-up step two and
// the password reset.
type codeStep struct {
	Login       string
	To          string // masked login, when the login is well-formed
	Email       bool
	Minutes     int // how long a code lives
	DisplayName string
	Errors      form.Errors
}

func newCodeStep(login string) codeStep {
	d := codeStep{Login: strings.TrimSpace(login), Minutes: accounts.CodeMinutes, Errors: form.Errors{}}
	if l, email, err := accounts.NormalizeLogin(d.Login); err == nil {
		d.Login, d.To, d.Email = l, accounts.Mask(l), email
	}
	return d
}

type signupData struct {
	Login  string
	Errors form.Errors
}

// sendCode is step one of sign-up and of the password reset: start sends a
// code to the login typed, and the browser goes on to the page at next that
// asks for it. A refusal shows the form (template tmpl, titled by
// titleKey) again with what was typed.
func (h *Handler) sendCode(c *gin.Context, tmpl, titleKey, next string, start func(context.Context, string, accounts.Client) (*accounts.CodeSent, error)) {
	d := signupData{Login: strings.TrimSpace(c.PostForm("login")), Errors: form.Errors{}}
	sent, err := start(c.Request.Context(), d.Login, h.client(c))
	if h.refusal(c, err, d.Errors, func(status int) {
		h.render(c, status, tmpl, h.page(c, server.Printer(c).T(titleKey), d))
	}) {
		return
	}
	c.Redirect(http.StatusSeeOther, next+"?login="+url.QueryEscape(sent.Login))
}

func (h *Handler) signupPage(c *gin.Context) {
	if homeIfSignedIn(c) {
		return
	}
	h.render(c, http.StatusOK, "signup", h.page(c, server.Printer(c).T("signup.title"), signupData{Login: c.Query("login")}))
}

// signup is step one: send a code to the login typed.
func (h *Handler) signup(c *gin.Context) {
	h.sendCode(c, "signup", "signup.title", "/signup/code", h.Accounts.StartSignUp)
}

func (h *Handler) signupCodePage(c *gin.Context) {
	if homeIfSignedIn(c) {
		return
	}
	h.render(c, http.StatusOK, "signup_code", h.page(c, server.Printer(c).T("accounts.signup.code_title"), newCodeStep(c.Query("login"))))
}

// signupConfirm is step two: the code, a name and a password make the
// merchant account, signed in at once.
func (h *Handler) signupConfirm(c *gin.Context) {
	d := newCodeStep(c.PostForm("login"))
	d.DisplayName = form.Clean(c.PostForm("display_name"))
	user, err := h.Accounts.ConfirmSignUp(c.Request.Context(), accounts.SignUpRequest{Login: d.Login, Code: c.PostForm("code"),
		DisplayName: d.DisplayName, Password: c.PostForm("password"), Confirm: c.PostForm("password_confirm"), Client: h.client(c)})
	if !h.signIn(c, user, err, d.Errors, func(status int) {
		h.render(c, status, "signup_code", h.page(c, server.Printer(c).T("accounts.signup.code_title"), d))
	}) {
		return
	}
	server.Logger(c).Info("signup", "user_id", user.ID)
	c.Redirect(http.StatusSeeOther, "/merchant?ok=welcome")
}
