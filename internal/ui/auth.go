package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

const (
	sessionCookie = "hm_session"
	keyUser       = "hm.user"
	keySession    = "hm.session"
	csrfField     = "_csrf"

	// Merchants stay signed in on their own phone for a month of use; staff
	// sessions end after a working day without use.
	merchantIdle = 30 * 24 * time.Hour
	staffIdle    = 10 * time.Hour
	// Touching a session at most every few minutes keeps page views from
	// writing to the database each time.
	touchEvery = 5 * time.Minute

	// deviceCookie remembers that this browser signed in to an account
	// before, so an attacker hammering the account from elsewhere does not
	// hold its owner back (see internal/accounts).
	deviceCookie = "hm_device"
	deviceMaxAge = 365 * 24 * time.Hour
)

func idleFor(r model.Role) time.Duration {
	if r == model.RoleMerchant {
		return merchantIdle
	}
	return staffIdle
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// loadSession puts the signed-in user (if any) into the context. It is only
// on the routes that need to know, never on the public scan page.
func (h *Handler) loadSession(c *gin.Context) {
	token, err := c.Cookie(sessionCookie)
	if err != nil || token == "" {
		c.Next()
		return
	}
	ctx := c.Request.Context()
	now := h.now()
	sess, user, err := h.Store.SessionUser(ctx, hashToken(token), now)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		h.clearSessionCookie(c)
	case err != nil:
		h.serverError(c, err)
		c.Abort()
		return
	default:
		if now.Sub(sess.LastSeenAt) > touchEvery {
			if err := h.Store.TouchSession(ctx, sess.ID, now, now.Add(idleFor(user.Role))); err != nil {
				server.Logger(c).Warn("session touch failed", "err", err)
			}
		}
		c.Set(keyUser, user)
		c.Set(keySession, sess)
	}
	c.Next()
}

// currentUser returns the signed-in user, or nil.
func currentUser(c *gin.Context) *model.User {
	if u, ok := c.Get(keyUser); ok {
		return u.(*model.User)
	}
	return nil
}

func currentSession(c *gin.Context) *model.Session {
	if s, ok := c.Get(keySession); ok {
		return s.(*model.Session)
	}
	return nil
}

// requireRole lets through signed-in users with one of roles, sends
// anonymous visitors to the login page (and back afterwards), and answers
// 404 to anyone else: a page they may not see does not exist for them.
// Every state-changing request must also carry the session's CSRF token.
func (h *Handler) requireRole(roles ...model.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := currentUser(c)
		if u == nil {
			if c.Request.Method == http.MethodGet {
				c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(safeNext(c.Request.URL.RequestURI())))
			} else {
				c.Redirect(http.StatusSeeOther, "/login")
			}
			c.Abort()
			return
		}
		allowed := false
		for _, r := range roles {
			if u.Role == r {
				allowed = true
			}
		}
		if !allowed {
			h.ErrorPage(c, http.StatusNotFound)
			c.Abort()
			return
		}
		if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead && !validCSRF(c) {
			server.Logger(c).Warn("csrf token mismatch", "user_id", u.ID)
			h.ErrorPage(c, http.StatusForbidden)
			c.Abort()
			return
		}
		c.Next()
	}
}

func validCSRF(c *gin.Context) bool {
	sess := currentSession(c)
	if sess == nil {
		return false
	}
	got := c.PostForm(csrfField)
	if got == "" {
		got = c.GetHeader("X-CSRF-Token")
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) == 1
}

// maxNext bounds a post-login redirect: longer than any page of ours.
const maxNext = 2000

// safeNext keeps a post-login redirect on this site: a path that a browser
// resolves to this host, whatever it does with tabs, backslashes and
// percent-escapes. Anything else becomes "" (the user's home page).
func safeNext(next string) string {
	if len(next) > maxNext || !strings.HasPrefix(next, "/") || hasUnsafeByte(next) {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return ""
	}
	// Browsers drop tabs and newlines and read \ as /, so "/\t/evil" or
	// "/\\evil" would leave the site; the decoded path must be just as clean.
	path, err := url.PathUnescape(u.EscapedPath())
	if err != nil || hasUnsafeByte(path) || strings.HasPrefix(path, "//") || !strings.HasPrefix(path, "/") {
		return ""
	}
	if q, err := url.QueryUnescape(u.RawQuery); err != nil || hasUnsafeByte(q) {
		return ""
	}
	return next
}

// hasUnsafeByte reports control characters (tab, CR, LF, NUL, DEL…) and
// backslashes.
func hasUnsafeByte(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 || b == 0x7f || b == '\\' {
			return true
		}
	}
	return false
}

func (h *Handler) setSessionCookie(c *gin.Context, token string, maxAge time.Duration) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func (h *Handler) clearSessionCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: h.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// startSession signs user in with a brand-new session ID: an ID planted
// before login (session fixation) is never promoted.
func (h *Handler) startSession(c *gin.Context, user *model.User) error {
	ctx := c.Request.Context()
	if old, err := c.Cookie(sessionCookie); err == nil && old != "" {
		_ = h.Store.DeleteSession(ctx, hashToken(old))
	}
	now := h.now()
	token := randomToken()
	sess := &model.Session{ID: hashToken(token), UserID: user.ID, CSRFToken: hashToken(randomToken()),
		IP: c.ClientIP(), UserAgent: truncate(c.Request.UserAgent(), 300), CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(idleFor(user.Role))}
	if err := h.Store.CreateSession(ctx, sess); err != nil {
		return err
	}
	h.setSessionCookie(c, token, idleFor(user.Role))
	h.setDeviceCookie(c, user)
	return nil
}

// setDeviceCookie marks this browser as one user has signed in with.
func (h *Handler) setDeviceCookie(c *gin.Context, user *model.User) {
	http.SetCookie(c.Writer, &http.Cookie{Name: deviceCookie, Value: h.Accounts.DeviceToken(user), Path: "/",
		MaxAge: int(deviceMaxAge.Seconds()), HttpOnly: true, Secure: h.SecureCookies, SameSite: http.SameSiteStrictMode})
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// homeFor is where a user lands after signing in.
func homeFor(u *model.User) string {
	switch u.Role {
	case model.RoleMerchant:
		return "/merchant"
	case model.RoleVerificationBody:
		// Verification bodies have no workspace yet: confirming certificates
		// is future work, so they land on the public home page.
		return "/"
	}
	return "/staff"
}

type loginData struct {
	Login  string
	Next   string
	Errors form.Errors
}

func (h *Handler) loginPage(c *gin.Context) {
	if u := currentUser(c); u != nil {
		c.Redirect(http.StatusSeeOther, homeFor(u))
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

func (h *Handler) login(c *gin.Context) {
	d := loginData{Login: strings.TrimSpace(c.PostForm("login")), Next: safeNext(c.PostForm("next")), Errors: form.Errors{}}
	user, err := h.Accounts.Login(c.Request.Context(), accounts.LoginRequest{Login: d.Login, Password: c.PostForm("password"), Client: h.client(c)})
	if h.refusal(c, err, d.Errors, func(status int) {
		if d.Errors.Has("form") {
			// The throttling message belongs next to the login field.
			d.Errors["login"] = d.Errors["form"]
		}
		h.render(c, status, "login", h.page(c, server.Printer(c).T("login.title"), d))
	}) {
		return
	}
	if err := h.startSession(c, user); err != nil {
		h.serverError(c, err)
		return
	}
	server.Logger(c).Info("login", "user_id", user.ID, "role", string(user.Role))
	next := d.Next
	if next == "" {
		next = homeFor(user)
	}
	c.Redirect(http.StatusSeeOther, next)
}

func minutesUp(d time.Duration) int { return int(math.Ceil(d.Minutes())) }

func retryAfterSeconds(d time.Duration) string { return strconv.Itoa(int(math.Ceil(d.Seconds()))) }

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

func (h *Handler) signupPage(c *gin.Context) {
	if u := currentUser(c); u != nil {
		c.Redirect(http.StatusSeeOther, homeFor(u))
		return
	}
	h.render(c, http.StatusOK, "signup", h.page(c, server.Printer(c).T("signup.title"), signupData{Login: c.Query("login")}))
}

// signup is step one: send a code to the login typed.
func (h *Handler) signup(c *gin.Context) {
	d := signupData{Login: strings.TrimSpace(c.PostForm("login")), Errors: form.Errors{}}
	sent, err := h.Accounts.StartSignUp(c.Request.Context(), d.Login, h.client(c))
	if h.refusal(c, err, d.Errors, func(status int) {
		h.render(c, status, "signup", h.page(c, server.Printer(c).T("signup.title"), d))
	}) {
		return
	}
	c.Redirect(http.StatusSeeOther, "/signup/code?login="+url.QueryEscape(sent.Login))
}

func (h *Handler) signupCodePage(c *gin.Context) {
	if u := currentUser(c); u != nil {
		c.Redirect(http.StatusSeeOther, homeFor(u))
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
	if h.refusal(c, err, d.Errors, func(status int) {
		h.render(c, status, "signup_code", h.page(c, server.Printer(c).T("accounts.signup.code_title"), d))
	}) {
		return
	}
	if err := h.startSession(c, user); err != nil {
		h.serverError(c, err)
		return
	}
	server.Logger(c).Info("signup", "user_id", user.ID)
	c.Redirect(http.StatusSeeOther, "/merchant?ok=welcome")
}

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

type passwordData struct{ Errors form.Errors }

func (h *Handler) passwordPage(c *gin.Context) {
	h.render(c, http.StatusOK, "password", h.page(c, server.Printer(c).T("password.title"), passwordData{}))
}

// changePassword checks the current password, sets the new one and signs
// out every other session of the account.
func (h *Handler) changePassword(c *gin.Context) {
	u := currentUser(c)
	d := passwordData{Errors: form.Errors{}}
	err := h.Accounts.ChangePassword(c.Request.Context(), accounts.ChangeRequest{User: u, Current: c.PostForm("current"),
		New: c.PostForm("new"), Confirm: c.PostForm("new_confirm"), Client: h.client(c), KeepSession: currentSession(c).ID})
	if h.refusal(c, err, d.Errors, func(status int) {
		if d.Errors.Has("form") {
			d.Errors["current"] = d.Errors["form"]
		}
		h.render(c, status, "password", h.page(c, server.Printer(c).T("password.title"), d))
	}) {
		return
	}
	h.setDeviceCookie(c, u)
	c.Redirect(http.StatusSeeOther, homeFor(u)+"?ok=password_changed")
}
