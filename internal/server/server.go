// Package server is the HTTP edge: it builds the Gin engine with the
// middleware every request passes through (request ID, access log, panic
// recovery, security headers, language), serves /healthz, /readyz and the
// static files, and runs the listener with graceful shutdown. Pages and their
// routes live in internal/ui; this package holds no business rules.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"honestmeasure/internal/database"
	"honestmeasure/internal/render"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// Options are what the edge needs from the outside.
type Options struct {
	DB            *gorm.DB
	Renderer      *render.Renderer
	Logger        *slog.Logger
	SecureCookies bool // base URL is https: Secure cookies and HSTS
	// TrustedProxies may set the client address through X-Forwarded-For.
	TrustedProxies []string
	// ErrorPage renders a full error page for status in the request's language.
	ErrorPage func(c *gin.Context, status int)
	// Uploads are the routes that take files ("POST /report"), with their
	// limits; every other route takes plain forms of FormBodyLimit at most.
	Uploads map[string]Upload
	// Spool holds uploaded files on disk within its budget; nil means 512 MB
	// in the system's temporary directory.
	Spool *Spool
	// Observe, when set, wraps every request after the request ID is
	// given, the 404s included: the metrics (internal/metrics).
	Observe gin.HandlerFunc
}

// DefaultSpoolBytes is the upload spool's budget when none is configured.
const DefaultSpoolBytes = 512 << 20

// apiPrefix marks the JSON API, whose refusals are JSON, not pages.
const apiPrefix = "/api/"

// NewEngine returns the engine with middleware and the operational routes.
// The caller adds its own routes before serving.
func NewEngine(opt Options) (*gin.Engine, error) {
	e := gin.New()
	if err := e.SetTrustedProxies(opt.TrustedProxies); err != nil {
		return nil, fmt.Errorf("HM_TRUSTED_PROXIES: %v", err)
	}
	e.HandleMethodNotAllowed = false
	e.RedirectTrailingSlash = true
	if opt.Spool == nil {
		opt.Spool = NewSpool("", DefaultSpoolBytes)
	}
	// refuse answers a body the edge would not take; a page's 413 names
	// the route's limit (BodyLimit).
	refuse := func(c *gin.Context, status int, limit int64) {
		if !strings.HasPrefix(c.Request.URL.Path, apiPrefix) {
			c.Set(KeyBodyLimit, limit)
			opt.ErrorPage(c, status)
			return
		}
		body := gin.H{"error": strings.ToLower(http.StatusText(status))}
		if status == http.StatusRequestEntityTooLarge {
			body["max_bytes"] = limit
		}
		c.JSON(status, body)
	}
	e.Use(requestID())
	if opt.Observe != nil {
		e.Use(opt.Observe)
	}
	e.Use(accessLog(opt.Logger), compress(), recovery(opt.Logger, opt.ErrorPage), securityHeaders(opt.SecureCookies), language(opt.SecureCookies),
		crossOrigin(opt.ErrorPage), bodyLimits(opt.Uploads, opt.Spool, refuse))
	// Nothing parses a multipart body through Gin (bodyLimits has done it),
	// but if something did, its memory would be bounded by this.
	e.MaxMultipartMemory = MaxTextBytes

	healthz := func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	}
	readyz := func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		if err := database.Ping(ctx, opt.DB); err != nil {
			Logger(c).Warn("readiness check failed", "err", err)
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": "database unreachable"})
			return
		}
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	}
	assets := gin.WrapH(opt.Renderer.Assets())
	// Load balancers and caches probe with HEAD as well as GET.
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		e.Handle(method, "/healthz", healthz)
		e.Handle(method, "/readyz", readyz)
		e.Handle(method, "/static/*path", assets)
	}
	e.NoRoute(func(c *gin.Context) { opt.ErrorPage(c, http.StatusNotFound) })
	return e, nil
}

// Serve runs handler on ln until ctx is cancelled, then lets requests in
// flight finish for up to grace.
func Serve(ctx context.Context, ln net.Listener, handler http.Handler, grace time.Duration, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		// Uploads of several photos over a weak mobile connection take time.
		ReadTimeout:    5 * time.Minute,
		WriteTimeout:   2 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// KeyBodyLimit is where the edge leaves the body limit a refused request
// went past, for the error page to name it.
const KeyBodyLimit = "hm.body_limit"

// BodyLimit is the limit the request's body went past (0 when none).
func BodyLimit(c *gin.Context) int64 { return c.GetInt64(KeyBodyLimit) }
