package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

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
		return "/body"
	}
	return "/staff"
}
