// Package render parses the embedded templates once and renders pages into a
// buffer before anything is written, so a failing template never sends half a
// page with a 200. It also serves static files under content-hashed URLs
// that can be cached forever.
package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"honestmeasure/internal/form"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
)

// Renderer holds the parsed pages and the static file index.
type Renderer struct {
	pages  map[string]*template.Template
	assets *Assets
}

// Page is what every template receives.
type Page struct {
	L         *locale.Printer
	Title     string
	RequestID string
	Path      string // the request path
	LangURL   string // the same page in the other language, its query kept
	// LangForm, when set, replaces the language link by a form that posts
	// the page's state back (a page that answered a post: the receipt, a
	// form sent back, a tracking result), so switching loses nothing.
	LangForm *LangForm
	Hotline  string
	CityZh   string
	CityEn   string
	User     *model.User // signed-in user, nil for visitors
	CSRF     string      // token for forms of signed-in users
	Notice   string      // locale key of a one-off confirmation ("saved")
	Problem  string      // locale key of a problem with the whole request
	Data     any
}

// LangForm is a language switch that re-posts a page's state: Action (the
// other language's ?lang= included) receives Fields as hidden inputs.
type LangForm struct {
	Action string
	Fields []LangField
}

// LangField is one hidden input of a LangForm.
type LangField struct{ Name, Value string }

// New parses every template: layout.html and files starting with "_" are
// shared by all pages; each other file is one page named after the file.
func New(templatesFS, staticFS fs.FS) (*Renderer, error) {
	assets, err := NewAssets(staticFS)
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"static": assets.URL,
		// date shows a calendar date (or a timestamp's local date) as
		// YYYY-MM-DD; nil and zero times show nothing.
		"date": func(v any) string {
			var t time.Time
			switch x := v.(type) {
			case time.Time:
				t = x
			case *time.Time:
				if x != nil {
					t = *x
				}
			}
			if t.IsZero() {
				return ""
			}
			return model.DateOf(t).Format(time.DateOnly)
		},
		// datetime shows a timestamp in the deployment's zone.
		"datetime": func(t time.Time) string { return t.In(model.Zone).Format("2006-01-02 15:04") },
		// fielderr renders the message for field, if any, beside the field.
		"fielderr": func(l *locale.Printer, errs form.Errors, field string) template.HTML {
			m, ok := errs[field]
			if !ok {
				return ""
			}
			return template.HTML(`<p class="field-error" role="alert">` + template.HTMLEscapeString(l.T(m.Key, m.Args...)) + `</p>`)
		},
		// errorsummary lists a form's problems at its top, each linking to
		// its field (fields gives the page's order; a problem of the whole
		// form, "form", has no field to link to). It takes the focus when
		// the page loads, so a screen reader and a phone user start there.
		"errorsummary": errorSummary,
		// msg renders a form.Message in the page's language.
		"msg": func(l *locale.Printer, m form.Message) string { return l.T(m.Key, m.Args...) },
		// kb is a size in whole kilobytes, at least 1.
		"kb":         func(n int) int { return max(1, (n+512)/1024) },
		"list":       func(v ...any) []any { return v },
		"add":        func(a, b int) int { return a + b },
		"trimPrefix": strings.TrimPrefix,
		"deref": func(p *int64) int64 {
			if p == nil {
				return 0
			}
			return *p
		},
		"percent": func(part, whole int64) int64 {
			if whole <= 0 {
				return 0
			}
			p := part * 100 / whole
			if p > 100 {
				p = 100
			}
			return p
		},
	}
	names, err := fs.Glob(templatesFS, "*.html")
	if err != nil {
		return nil, err
	}
	var shared []string
	var pages []string
	for _, n := range names {
		if n == "layout.html" || strings.HasPrefix(n, "_") {
			shared = append(shared, n)
		} else {
			pages = append(pages, n)
		}
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templatesFS, shared...)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	r := &Renderer{pages: map[string]*template.Template{}, assets: assets}
	for _, p := range pages {
		t, err := template.Must(base.Clone()).ParseFS(templatesFS, p)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", p, err)
		}
		r.pages[strings.TrimSuffix(p, ".html")] = t
	}
	return r, nil
}

// Render executes page into a buffer and writes it with status. Pages whose
// name starts with "print_" are whole documents of their own (A4 posters
// and label sheets, without the site's header and footer).
func (r *Renderer) Render(w http.ResponseWriter, status int, page string, data Page) error {
	b, err := r.Bytes(page, data)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

// Bytes renders a page into memory, for pages that are cached.
func (r *Renderer) Bytes(page string, data Page) ([]byte, error) {
	t, ok := r.pages[page]
	if !ok {
		return nil, fmt.Errorf("no template %q", page)
	}
	root := "layout.html"
	if strings.HasPrefix(page, "print_") {
		root = page + ".html"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, root, data); err != nil {
		return nil, fmt.Errorf("render %s: %w", page, err)
	}
	return buf.Bytes(), nil
}

// Assets serves the static files and names them by content hash.
type Assets struct {
	fsys   fs.FS
	hashes map[string]string // path → first 10 hex digits of SHA-256
}

// NewAssets indexes every file in fsys.
func NewAssets(fsys fs.FS) (*Assets, error) {
	a := &Assets{fsys: fsys, hashes: map[string]string{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hashes[p] = hex.EncodeToString(sum[:])[:10]
		return nil
	})
	return a, err
}

// URL returns the cache-busting URL of a static file. Templates call it as
// {{static "css/app.css"}}; an unknown name is a programming error and shows
// as a broken link in tests rather than a crash.
func (a *Assets) URL(name string) string {
	h, ok := a.hashes[name]
	if !ok {
		h = "missing"
	}
	return "/static/" + h + "/" + name
}

// ServeHTTP serves /static/{hash}/{path}. A current hash is cached for a
// year; an old one (a page rendered before a deploy) gets the current file
// with a short lifetime.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/static/")
	hash, name, ok := strings.Cut(rest, "/")
	name = path.Clean(name)
	cur, known := a.hashes[name]
	if !ok || !known || strings.HasPrefix(name, "..") {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(a.fsys, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if hash == cur {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	w.Header().Set("ETag", `"`+cur+`"`)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}

// Assets returns the static file handler, for the router.
func (r *Renderer) Assets() *Assets { return r.assets }

func errorSummary(l *locale.Printer, errs form.Errors, fields ...string) template.HTML {
	if !errs.Any() {
		return ""
	}
	var items strings.Builder
	seen := map[string]bool{}
	item := func(field string) {
		m, ok := errs[field]
		if !ok || seen[field] {
			return
		}
		seen[field] = true
		text := template.HTMLEscapeString(l.T(m.Key, m.Args...))
		if field == "form" {
			items.WriteString("<li>" + text + "</li>")
			return
		}
		items.WriteString(`<li><a href="#` + template.HTMLEscapeString(field) + `">` + text + "</a></li>")
	}
	item("form")
	for _, f := range fields {
		item(f)
	}
	rest := make([]string, 0, len(errs))
	for f := range errs {
		rest = append(rest, f)
	}
	slices.Sort(rest)
	for _, f := range rest {
		item(f)
	}
	title := l.T("form.summary_one")
	if len(seen) > 1 {
		title = l.T("form.summary_many", len(seen))
	}
	return template.HTML(`<div class="error-summary" id="error-summary" role="alert" tabindex="-1" autofocus><h2>` +
		template.HTMLEscapeString(title) + "</h2><ul>" + items.String() + "</ul></div>")
}
