// Package apptest runs the complete application (the same handler as the
// program) on a fresh test database behind an httptest server on 127.0.0.1,
// and drives it like a browser: a cookie jar, forms posted with the CSRF
// token of the page they came from, redirects followed.
package apptest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"honestmeasure/configs"
	"honestmeasure/internal/accounts"
	"honestmeasure/internal/app"
	"honestmeasure/internal/config"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/storage"
)

// Secret is the test deployment's HM_SECRET.
const Secret = "test-secret-0123456789-abcdefghijklmnop"

// AuditKey is the test deployment's HM_AUDIT_KEY.
const AuditKey = "test-audit-key-0123456789-abcdefghijkl"

// App is a running application.
type App struct {
	t   testing.TB
	URL string
	// Handler is the application's handler (a *gin.Engine) that URL serves.
	Handler http.Handler
	DB      *gorm.DB
	Store   *storage.Store
	Ref     *reference.Data
	mu      sync.Mutex
	offset  time.Duration
}

// New starts the application on a fresh database with the Changzhou
// reference data.
func New(t testing.TB) *App {
	t.Helper()
	return NewWith(t, nil)
}

// NewWith is New with the options adjusted by tune first (nil: none).
// ForwardedFor trusts 127.0.0.1 as a proxy, so a Browser can pose as any
// client address by setting X-Forwarded-For.
func NewWith(t testing.TB, tune func(*app.Options)) *App {
	t.Helper()
	return NewOn(t, dbtest.Open(t), tune)
}

// NewOn is NewWith on db, a migrated database that other instances may
// already serve (seeding the reference data again changes nothing): each
// App is one instance, with its own caches, behind its own server.
func NewOn(t testing.TB, db *gorm.DB, tune func(*app.Options)) *App {
	t.Helper()
	ref, err := reference.Load(configs.Changzhou())
	if err != nil {
		t.Fatal(err)
	}
	st := storage.New(db)
	if err := st.SeedReference(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	a := &App{t: t, DB: db, Store: st, Ref: ref}
	srv := httptest.NewUnstartedServer(nil)
	a.URL = "http://" + srv.Listener.Addr().String()
	opt := app.Options{DB: db, Ref: ref, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		BaseURL: a.URL, Secret: []byte(Secret), AuditKey: []byte(AuditKey), Now: a.Now, AccountLimits: accounts.DefaultLimits,
		DraftMaxAge: time.Duration(config.Defaults().DraftMaxAgeDays) * 24 * time.Hour}
	if tune != nil {
		tune(&opt)
	}
	h, err := app.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler, a.Handler = h, h
	srv.Start()
	t.Cleanup(srv.Close)
	return a
}

// ForwardedFor makes the app believe X-Forwarded-For from the test client.
func ForwardedFor(o *app.Options) { o.TrustedProxies = []string{"127.0.0.1"} }

// Now is the application's clock: real time plus whatever Advance added.
func (a *App) Now() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return time.Now().Add(a.offset)
}

// Advance moves the application's clock forward.
func (a *App) Advance(d time.Duration) {
	a.mu.Lock()
	a.offset += d
	a.mu.Unlock()
}

// CreateUser makes an account directly in the database. For staff,
// agencyCode names their agency; a verification-body user belongs to the
// city's first verification body.
func (a *App) CreateUser(login, password string, role model.Role, agencyCode string) *model.User {
	a.t.Helper()
	var agency, body *int64
	if role == model.RoleVerificationBody {
		vb, err := a.Store.VerificationBodyByCode(context.Background(), a.Ref.VerificationBodies[0].Code)
		if err != nil {
			a.t.Fatal(err)
		}
		body = &vb.ID
	}
	if agencyCode != "" {
		ag, err := a.Store.AgencyByCode(context.Background(), agencyCode)
		if err != nil {
			a.t.Fatalf("agency %s: %v", agencyCode, err)
		}
		agency = &ag.ID
	}
	u, err := accounts.NewUser(login, password, login, role, agency, body)
	if err != nil {
		a.t.Fatal(err)
	}
	if err := a.Store.CreateUser(context.Background(), u); err != nil {
		a.t.Fatal(err)
	}
	return u
}

// Browser is one visitor with its own cookies.
type Browser struct {
	t      testing.TB
	app    *App
	client *http.Client
	// Last is the last response: status, final URL and body.
	Last Response
	// Header is sent with every request (Accept-Language, for instance).
	Header http.Header
}

// Response is what a request returned after redirects.
type Response struct {
	Status int
	URL    string // the final URL, after redirects
	Body   string
	Header http.Header
}

// Browser returns a new visitor with an empty cookie jar, speaking zh-CN.
func (a *App) Browser() *Browser {
	jar, _ := cookiejar.New(nil)
	b := &Browser{t: a.t, app: a, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}, Header: http.Header{}}
	b.Header.Set("Accept-Language", "zh-CN")
	return b
}

func (b *Browser) do(req *http.Request) Response {
	b.t.Helper()
	for k, v := range b.Header {
		req.Header[k] = v
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.Last = Response{Status: resp.StatusCode, URL: resp.Request.URL.Path, Body: string(body), Header: resp.Header}
	if resp.Request.URL.RawQuery != "" {
		b.Last.URL += "?" + resp.Request.URL.RawQuery
	}
	return b.Last
}

// Get fetches path.
func (b *Browser) Get(path string) Response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.app.URL+path, nil)
	return b.do(req)
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

// CSRF is the token in the last page's forms.
func (b *Browser) CSRF() string {
	m := csrfInput.FindStringSubmatch(b.Last.Body)
	if m == nil {
		return ""
	}
	return m[1]
}

// Post submits a form to path with the CSRF token of the last page.
func (b *Browser) Post(path string, form url.Values) Response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" {
		if tok := b.CSRF(); tok != "" {
			form.Set("_csrf", tok)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, b.app.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// Submit is GET page then POST action with the page's token: how a person
// fills a form.
func (b *Browser) Submit(page, action string, form url.Values) Response {
	b.t.Helper()
	b.Get(page)
	return b.Post(action, form)
}

// Login signs the browser in and fails the test if it does not work.
func (b *Browser) Login(login, password string) {
	b.t.Helper()
	r := b.Submit("/login", "/login", url.Values{"login": {login}, "password": {password}})
	if r.Status != http.StatusOK || strings.HasPrefix(r.URL, "/login") {
		b.t.Fatalf("login %s failed: %d %s", login, r.Status, r.URL)
	}
}

// Cookie returns the value of a cookie the browser holds for the app.
func (b *Browser) Cookie(name string) string {
	u, _ := url.Parse(b.app.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// SetCookie plants a cookie (for session-fixation tests).
func (b *Browser) SetCookie(name, value string) {
	u, _ := url.Parse(b.app.URL)
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// Expect fails the test unless the last response has status and contains
// every one of texts.
func (b *Browser) Expect(status int, texts ...string) {
	b.t.Helper()
	if b.Last.Status != status {
		b.t.Fatalf("status %d at %s, want %d\n%s", b.Last.Status, b.Last.URL, status, excerpt(b.Last.Body))
	}
	for _, s := range texts {
		if !strings.Contains(b.Last.Body, s) {
			b.t.Fatalf("page %s lacks %q\n%s", b.Last.URL, s, excerpt(b.Last.Body))
		}
	}
}

// excerpt keeps failure output readable: the <main> part of a page.
func excerpt(body string) string {
	if i := strings.Index(body, "<main>"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000] + "…"
	}
	return body
}

// File is an upload for PostMultipart.
type File struct {
	Field, Name string
	Data        []byte
}

// PostMultipart submits a multipart form, as a browser does for a form with
// file inputs.
func (b *Browser) PostMultipart(path string, fields url.Values, files ...File) Response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.Field, f.Name)
		if err != nil {
			b.t.Fatal(err)
		}
		_, _ = w.Write(f.Data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.app.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}
