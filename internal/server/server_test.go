package server_test

import (
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"honestmeasure/configs"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/render"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/ui"
	"honestmeasure/static"
	"honestmeasure/templates"
)

func newEngine(t *testing.T, https bool) (*gin.Engine, *render.Renderer, func()) {
	t.Helper()
	db := dbtest.Open(t)
	r, err := render.New(templates.FS, static.FS)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := reference.Load(configs.Changzhou())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pages := &ui.Handler{Store: storage.New(db), Renderer: r, Ref: ref, Logger: log}
	e, err := server.NewEngine(server.Options{DB: db, Renderer: r, Logger: log, SecureCookies: https, ErrorPage: pages.ErrorPage})
	if err != nil {
		t.Fatal(err)
	}
	pages.Register(e)
	e.GET("/boom", func(c *gin.Context) { panic("secret internals /home/app/main.go:42") })
	closeDB := func() {
		sqlDB, _ := db.DB()
		sqlDB.Close()
	}
	return e, r, closeDB
}

func do(e http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)
	return w
}

func TestReadyzFollowsTheDatabase(t *testing.T) {
	e, _, closeDB := newEngine(t, false)
	if w := do(e, "GET", "/readyz", nil); w.Code != 200 {
		t.Fatalf("readyz = %d", w.Code)
	}
	if w := do(e, "HEAD", "/healthz", nil); w.Code != 200 {
		t.Fatalf("HEAD healthz = %d", w.Code)
	}
	closeDB()
	if w := do(e, "GET", "/readyz", nil); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database gone = %d, want 503", w.Code)
	}
	if w := do(e, "GET", "/healthz", nil); w.Code != 200 {
		t.Fatalf("healthz must not depend on the database: %d", w.Code)
	}
	// A page that needs the database says the service is unavailable, in the
	// visitor's language, and claims nothing.
	w := do(e, "GET", "/", map[string]string{"Accept-Language": "zh-CN"})
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "服务暂时不可用") {
		t.Fatalf("home with the database gone = %d\n%s", w.Code, w.Body.String())
	}
}

func TestPanicShowsPlainErrorPage(t *testing.T) {
	e, _, _ := newEngine(t, false)
	w := do(e, "GET", "/boom", map[string]string{"Accept-Language": "en"})
	if w.Code != 500 {
		t.Fatalf("status %d", w.Code)
	}
	body := w.Body.String()
	for _, leak := range []string{"secret internals", "main.go", "goroutine", "panic"} {
		if strings.Contains(body, leak) {
			t.Errorf("error page leaks %q", leak)
		}
	}
	if !strings.Contains(body, "nothing was saved") || !strings.Contains(body, w.Header().Get("X-Request-ID")) {
		t.Errorf("error page should say nothing was saved and show the request ID:\n%s", body)
	}
}

func TestSecurityHeadersAndRequestID(t *testing.T) {
	e, _, _ := newEngine(t, true)
	w := do(e, "GET", "/", map[string]string{"X-Request-ID": "lb-1234567890"})
	h := w.Header()
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Request-ID": "lb-1234567890"} {
		if h.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, h.Get(k), want)
		}
	}
	if !strings.HasPrefix(h.Get("Strict-Transport-Security"), "max-age=") {
		t.Error("no HSTS with an https base URL")
	}
	w = do(e, "GET", "/", map[string]string{"X-Request-ID": "<script>"})
	if id := w.Header().Get("X-Request-ID"); id == "<script>" || len(id) != 16 {
		t.Errorf("unsafe request ID kept: %q", id)
	}
	plain, _, _ := newEngine(t, false)
	if w := do(plain, "GET", "/", nil); w.Header().Get("Strict-Transport-Security") != "" {
		t.Error("HSTS sent over plain http")
	}
}

func TestStaticFilesAreCacheBusted(t *testing.T) {
	e, r, _ := newEngine(t, false)
	url := r.Assets().URL("css/app.css")
	w := do(e, "GET", url, nil)
	if w.Code != 200 || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") {
		t.Fatalf("current asset: %d %v", w.Code, w.Header())
	}
	if !strings.Contains(do(e, "GET", "/", nil).Body.String(), url) {
		t.Error("pages do not link the hashed stylesheet URL")
	}
	if w := do(e, "GET", "/static/0000000000/css/app.css", nil); w.Code != 200 || strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("stale hash: %d %s", w.Code, w.Header().Get("Cache-Control"))
	}
	for _, bad := range []string{"/static/x/../../go.mod", "/static/x/static.go", "/static/x/css/nope.css", "/static/"} {
		if w := do(e, "GET", bad, nil); w.Code != 404 {
			t.Errorf("%s = %d, want 404", bad, w.Code)
		}
	}
}

func TestLanguageChoiceIsRemembered(t *testing.T) {
	e, _, _ := newEngine(t, false)
	w := do(e, "GET", "/?lang=en", map[string]string{"Accept-Language": "zh-CN"})
	if !strings.Contains(w.Body.String(), `lang="en"`) {
		t.Fatal("?lang=en ignored")
	}
	cookie := w.Header().Get("Set-Cookie")
	if !strings.Contains(cookie, server.LangCookie+"=en") || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") {
		t.Fatalf("language cookie %q", cookie)
	}
	w = do(e, "GET", "/", map[string]string{"Accept-Language": "zh-CN", "Cookie": server.LangCookie + "=en"})
	if !strings.Contains(w.Body.String(), `lang="en"`) {
		t.Fatal("remembered choice ignored")
	}
	w = do(e, "GET", "/", map[string]string{"Accept-Language": "en-US,en"})
	if !strings.Contains(w.Body.String(), `lang="en"`) {
		t.Fatal("Accept-Language ignored")
	}
	if w := do(e, "GET", "/", nil); !strings.Contains(w.Body.String(), `lang="zh-CN"`) {
		t.Fatal("default is not Chinese")
	}
}

func TestTextIsGzippedForClientsThatAcceptIt(t *testing.T) {
	e, r, _ := newEngine(t, false)
	for _, path := range []string{"/", r.Assets().URL("css/app.css"), "/healthz", "/no-such-page"} {
		w := do(e, "GET", path, map[string]string{"Accept-Encoding": "gzip, deflate, br"})
		if w.Header().Get("Content-Encoding") != "gzip" || w.Header().Get("Content-Length") != "" {
			t.Errorf("%s: encoding %q length %q", path, w.Header().Get("Content-Encoding"), w.Header().Get("Content-Length"))
			continue
		}
		zr, err := gzip.NewReader(w.Body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		body, err := io.ReadAll(zr)
		if err != nil || len(body) == 0 {
			t.Fatalf("%s: body does not decompress: %v", path, err)
		}
	}
	if w := do(e, "GET", "/", nil); w.Header().Get("Content-Encoding") != "" || !strings.Contains(w.Body.String(), "<html") {
		t.Error("compressed for a client that did not ask")
	}
	if w := do(e, "GET", "/", map[string]string{"Accept-Encoding": "gzip"}); !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
		t.Error("no Vary: Accept-Encoding")
	}
}
