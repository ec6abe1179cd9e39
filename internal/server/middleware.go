package server

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/locale"
)

const (
	keyRequestID = "hm.request_id"
	keyLogger    = "hm.logger"
	keyPrinter   = "hm.printer"
	// LangCookie remembers an explicit language choice.
	LangCookie = "hm_lang"
)

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestID takes a sane X-Request-ID from a proxy or makes one, and puts it
// on the response and into every log line of the request.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !validRequestID.MatchString(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(keyRequestID, id)
		c.Header("X-Request-ID", id)
		c.Next()
	}
}

// RequestID returns the request's ID.
func RequestID(c *gin.Context) string { return c.GetString(keyRequestID) }

// Logger returns the request-scoped logger.
func Logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(keyLogger); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}

func accessLog(base *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		l := base.With("request_id", RequestID(c))
		c.Set(keyLogger, l)
		c.Next()
		level := slog.LevelInfo
		switch {
		case c.Writer.Status() >= 500:
			level = slog.LevelError
		case c.Request.URL.Path == "/healthz" || c.Request.URL.Path == "/readyz":
			level = slog.LevelDebug
		}
		// The query string is left out: it may carry access codes.
		l.Log(c.Request.Context(), level, "request",
			"method", c.Request.Method, "path", c.Request.URL.Path, "status", c.Writer.Status(),
			"bytes", c.Writer.Size(), "duration_ms", float64(time.Since(start).Microseconds())/1000)
	}
}

// recovery turns a panic into a logged stack trace and a plain 500 page: the
// visitor never sees the trace and is never told their request succeeded.
func recovery(base *slog.Logger, errorPage func(*gin.Context, int)) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				Logger(c).Error("panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				if c.Writer.Written() {
					c.Abort()
					return
				}
				errorPage(c, http.StatusInternalServerError)
				c.Abort()
			}
		}()
		c.Next()
	}
}

// securityHeaders: no inline script anywhere, no framing, no MIME sniffing.
func securityHeaders(https bool) gin.HandlerFunc {
	const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
		if https {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		c.Next()
	}
}

// language picks zh-CN or English: ?lang= (remembered in a cookie), then the
// cookie, then Accept-Language.
func language(secure bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		choice := c.Query("lang")
		if choice != "" {
			lang := locale.Match(choice, "")
			c.SetSameSite(http.SameSiteLaxMode)
			c.SetCookie(LangCookie, lang, 365*24*3600, "/", "", secure, true)
			choice = lang
		} else if v, err := c.Cookie(LangCookie); err == nil {
			choice = v
		}
		c.Set(keyPrinter, locale.New(locale.Match(choice, c.GetHeader("Accept-Language"))))
		c.Next()
	}
}

// Printer returns the request's translator.
func Printer(c *gin.Context) *locale.Printer {
	if p, ok := c.Get(keyPrinter); ok {
		return p.(*locale.Printer)
	}
	return locale.New(locale.Chinese)
}

// crossOrigin refuses state-changing requests sent by another site's page
// (CSRF), using the browser's Sec-Fetch-Site and Origin headers. Forms of
// signed-in users also carry a per-session token (internal/ui).
func crossOrigin(errorPage func(*gin.Context, int)) gin.HandlerFunc {
	cop := http.NewCrossOriginProtection()
	return func(c *gin.Context) {
		if err := cop.Check(c.Request); err != nil {
			Logger(c).Warn("cross-origin request refused", "origin", c.GetHeader("Origin"), "sec_fetch_site", c.GetHeader("Sec-Fetch-Site"))
			errorPage(c, http.StatusForbidden)
			c.Abort()
			return
		}
		c.Next()
	}
}
