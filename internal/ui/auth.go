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

	// Login throttling: failures per account and per client address within
	// a window, after which further attempts wait for the window to end.
	loginWindow       = 15 * time.Minute
	loginFailsAccount = 5
	loginFailsIP      = 30
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
				c.Redirect(http.StatusSeeOther, "/login?next="+safeNext(c.Request.URL.RequestURI()))
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

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return ""
	}
	return next
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
	_ = h.Store.RecordLogin(ctx, user.ID, now)
	h.setSessionCookie(c, token, idleFor(user.Role))
	return nil
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
	Notice string
}

func (h *Handler) loginPage(c *gin.Context) {
	if u := currentUser(c); u != nil {
		c.Redirect(http.StatusSeeOther, homeFor(u))
		return
	}
	h.render(c, http.StatusOK, "login", h.page(c, server.Printer(c).T("login.title"),
		loginData{Next: safeNext(c.Query("next")), Notice: c.Query("ok")}))
}

// dummyHash makes a login for an unknown account cost as much as one for a
// known account, so timing does not reveal which logins exist.
var dummyHash, _ = accounts.HashPassword("not-a-real-password")

func (h *Handler) login(c *gin.Context) {
	ctx := c.Request.Context()
	d := loginData{Login: strings.TrimSpace(c.PostForm("login")), Next: safeNext(c.PostForm("next")), Errors: form.Errors{}}
	fail := func(status int, key string, args ...any) {
		d.Errors.Add("login", key, args...)
		h.render(c, status, "login", h.page(c, server.Printer(c).T("login.title"), d))
	}
	login, _, err := accounts.NormalizeLogin(d.Login)
	if err != nil {
		fail(http.StatusUnprocessableEntity, "login.bad_login")
		return
	}
	now := h.now()
	accountBucket, ipBucket := "login:acct:"+login, "login:ip:"+c.ClientIP()
	for _, b := range []string{accountBucket, ipBucket} {
		st, err := h.Store.RateCheck(ctx, b, now)
		if err != nil {
			h.serverError(c, err)
			return
		}
		if st.Blocked {
			c.Header("Retry-After", retryAfterSeconds(st.RetryAfter))
			fail(http.StatusTooManyRequests, "login.throttled", minutesUp(st.RetryAfter))
			return
		}
	}
	user, err := h.Store.UserByLogin(ctx, login)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		h.serverError(c, err)
		return
	}
	hash := dummyHash
	if user != nil {
		hash = user.PasswordHash
	}
	if !accounts.CheckPassword(hash, c.PostForm("password")) || user == nil || user.Disabled {
		acct, err1 := h.Store.RateHit(ctx, accountBucket, loginWindow, loginFailsAccount, now)
		ip, err2 := h.Store.RateHit(ctx, ipBucket, loginWindow, loginFailsIP, now)
		if err := errors.Join(err1, err2); err != nil {
			h.serverError(c, err)
			return
		}
		server.Logger(c).Info("login failed", "known_account", user != nil)
		failed := audit.Event{Action: audit.ActionLoginFailed, Actor: login, IP: c.ClientIP(), At: now}
		if user != nil {
			failed.ObjectType, failed.ObjectID = audit.ObjectUser, strconv.FormatInt(user.ID, 10)
		}
		if err := h.Audit.Record(ctx, h.Store, failed); err != nil {
			h.serverError(c, err)
			return
		}
		if acct.Blocked || ip.Blocked {
			wait := max(acct.RetryAfter, ip.RetryAfter)
			c.Header("Retry-After", retryAfterSeconds(wait))
			fail(http.StatusTooManyRequests, "login.throttled", minutesUp(wait))
			return
		}
		fail(http.StatusUnauthorized, "login.wrong")
		return
	}
	_ = h.Store.RateReset(ctx, accountBucket)
	if err := h.startSession(c, user); err != nil {
		h.serverError(c, err)
		return
	}
	server.Logger(c).Info("login", "user_id", user.ID, "role", string(user.Role))
	if err := h.Audit.Record(ctx, h.Store, audit.Event{ActorID: &user.ID, Actor: user.Login, Action: audit.ActionLogin,
		ObjectType: audit.ObjectUser, ObjectID: strconv.FormatInt(user.ID, 10), AgencyID: user.AgencyID, IP: c.ClientIP(), At: now}); err != nil {
		h.serverError(c, err)
		return
	}
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

type signupData struct {
	Login       string
	DisplayName string
	Errors      form.Errors
}

func (h *Handler) signupPage(c *gin.Context) {
	if u := currentUser(c); u != nil {
		c.Redirect(http.StatusSeeOther, homeFor(u))
		return
	}
	h.render(c, http.StatusOK, "signup", h.page(c, server.Printer(c).T("signup.title"), signupData{}))
}

// signup creates a merchant account and signs it in.
func (h *Handler) signup(c *gin.Context) {
	ctx := c.Request.Context()
	d := signupData{Login: strings.TrimSpace(c.PostForm("login")), DisplayName: form.Clean(c.PostForm("display_name")), Errors: form.Errors{}}
	password, confirm := c.PostForm("password"), c.PostForm("password_confirm")
	if d.DisplayName == "" {
		d.Errors.Add("display_name", "form.required")
	} else if form.TooLong(d.DisplayName, 100) {
		d.Errors.Add("display_name", "form.too_long", 100)
	}
	if password != confirm {
		d.Errors.Add("password_confirm", "signup.password_mismatch")
	}
	// Every field is checked on its own, so all problems show at once.
	if _, _, err := accounts.NormalizeLogin(d.Login); err != nil {
		d.Errors.Add("login", "login.bad_login")
	}
	if len([]rune(password)) < accounts.MinPasswordLength {
		d.Errors.Add("password", "signup.password_short", accounts.MinPasswordLength)
	}
	var user *model.User
	if !d.Errors.Any() {
		var err error
		if user, err = accounts.NewUser(d.Login, password, d.DisplayName, model.RoleMerchant, nil, nil); err != nil {
			h.serverError(c, err)
			return
		}
	}
	if !d.Errors.Any() {
		err := h.Store.CreateUser(ctx, user)
		if errors.Is(err, storage.ErrDuplicate) {
			d.Errors.Add("login", "signup.taken")
		} else if err != nil {
			h.serverError(c, err)
			return
		}
	}
	if d.Errors.Any() {
		h.render(c, http.StatusUnprocessableEntity, "signup", h.page(c, server.Printer(c).T("signup.title"), d))
		return
	}
	if err := h.startSession(c, user); err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant?ok=welcome")
}

type passwordData struct{ Errors form.Errors }

func (h *Handler) passwordPage(c *gin.Context) {
	h.render(c, http.StatusOK, "password", h.page(c, server.Printer(c).T("password.title"), passwordData{}))
}

// changePassword checks the current password, sets the new one and signs
// out every other session of the account.
func (h *Handler) changePassword(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	d := passwordData{Errors: form.Errors{}}
	if !accounts.CheckPassword(u.PasswordHash, c.PostForm("current")) {
		d.Errors.Add("current", "password.wrong_current")
	}
	if c.PostForm("new") != c.PostForm("new_confirm") {
		d.Errors.Add("new_confirm", "signup.password_mismatch")
	}
	hash, err := accounts.HashPassword(c.PostForm("new"))
	if errors.Is(err, accounts.ErrPasswordTooShort) {
		d.Errors.Add("new", "signup.password_short", accounts.MinPasswordLength)
	} else if err != nil {
		h.serverError(c, err)
		return
	}
	if d.Errors.Any() {
		h.render(c, http.StatusUnprocessableEntity, "password", h.page(c, server.Printer(c).T("password.title"), d))
		return
	}
	err = h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.SetPassword(ctx, u.ID, hash, h.now()); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionPasswordChange, audit.ObjectUser, u.ID, u.AgencyID, nil, nil)
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	if err := h.Store.DeleteUserSessions(ctx, u.ID, currentSession(c).ID); err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, homeFor(u)+"?ok=password_changed")
}
