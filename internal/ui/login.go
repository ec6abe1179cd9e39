package ui

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
)

type loginData struct {
	Login  string
	Next   string
	Errors form.Errors
}

// homeIfSignedIn sends a visitor who is signed in already to their home, as
// the sign-in and sign-up pages have nothing for them; it reports whether
// it did.
func homeIfSignedIn(c *gin.Context) bool {
	u := currentUser(c)
	if u != nil {
		c.Redirect(http.StatusSeeOther, homeFor(u))
	}
	return u != nil
}

func (h *Handler) loginPage(c *gin.Context) {
	if homeIfSignedIn(c) {
		return
	}
	h.render(c, http.StatusOK, "login", h.page(c, server.Printer(c).T("login.title"), loginData{Next: safeNext(c.Query("next"))}))
}

// client is what the account rules know of the request.
func (h *Handler) client(c *gin.Context) accounts.Client {
	device, _ := c.Cookie(deviceCookie)
	return accounts.Client{Address: c.ClientIP(), Locale: server.Printer(c).Lang, Device: device}
}

// refusal answers an error of accounts.Service on a sign-in page: a
// refusal adds its messages to errs and renders the page with its status
// (ui/fail.go's mapping; a wrong login or password says so at the login
// field), anything else is a server error. It reports whether err was
// answered (false for nil).
func (h *Handler) refusal(c *gin.Context, err error, errs form.Errors, render func(status int)) bool {
	if err == nil {
		return false
	}
	h.refused(c, err, func(status int, fields form.Errors) {
		if status == http.StatusUnauthorized && !fields.Any() {
			fields.Add("login", "login.wrong")
		}
		for k, v := range fields {
			errs[k] = v
		}
		render(status)
	})
	return true
}

// signIn starts a session for user, whom accounts.Service let in with err
// nil (login, sign-up, password reset). A refusal renders the page again
// (refusal); a session that cannot be stored is a server error. It reports
// whether this browser is now signed in as user.
func (h *Handler) signIn(c *gin.Context, user *model.User, err error, errs form.Errors, render func(status int)) bool {
	if h.refusal(c, err, errs, render) {
		return false
	}
	if err := h.startSession(c, user); err != nil {
		h.serverError(c, err)
		return false
	}
	return true
}

func (h *Handler) login(c *gin.Context) {
	d := loginData{Login: strings.TrimSpace(c.PostForm("login")), Next: safeNext(c.PostForm("next")), Errors: form.Errors{}}
	user, err := h.Accounts.Login(c.Request.Context(), accounts.LoginRequest{Login: d.Login, Password: c.PostForm("password"), Client: h.client(c)})
	if !h.signIn(c, user, err, d.Errors, func(status int) {
		if d.Errors.Has("form") {
			// The throttling message belongs next to the login field.
			d.Errors["login"] = d.Errors["form"]
		}
		h.render(c, status, "login", h.page(c, server.Printer(c).T("login.title"), d))
	}) {
		return
	}
	server.Logger(c).Info("login", "user_id", user.ID, "role", string(user.Role))
	next := d.Next
	if next == "" {
		next = homeFor(user)
	}
	c.Redirect(http.StatusSeeOther, next)
}

func (h *Handler) logout(c *gin.Context) {
	if sess := currentSession(c); sess != nil {
		u := currentUser(c)
		if err := h.record(c, h.Store, audit.ActionLogout, audit.ObjectUser, u.ID, u.AgencyID, nil, nil); err != nil {
			h.serverError(c, err)
			return
		}
		if err := h.Store.DeleteSession(c.Request.Context(), sess.ID); err != nil {
			h.serverError(c, err)
			return
		}
	}
	h.clearSessionCookie(c)
	c.Redirect(http.StatusSeeOther, "/login?ok=logged_out")
}
