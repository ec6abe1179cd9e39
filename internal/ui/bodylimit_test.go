package ui_test

import (
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"testing"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/api"
	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/ui"
)

var param = regexp.MustCompile(`/[:*][a-z_]+`)

// filler is an upload body that never ends by itself.
type filler struct{}

func (filler) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// chunked posts body with no declared length, as a streaming client does.
func chunked(t *testing.T, url, contentType string, body io.Reader, cookies ...*http.Cookie) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return 0 // the server closed the connection while the body was still being sent
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A multipart body of one text field of n bytes.
func bigField(n int64) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		w, _ := mw.CreateFormField("description")
		if _, err := io.Copy(w, io.LimitReader(filler{}, n)); err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(mw.Close())
	}()
	return pr, mw.FormDataContentType()
}

// Every POST route caps its body before parsing it: plain forms at a few
// KB, whoever sends them (signed in or not, with or without a CSRF token),
// multipart refused where no file is expected; upload routes at their own
// cap, with their text bounded too.
func TestEveryRouteCapsItsBody(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	a := apptest.New(t)
	a.CreateUser("merchant@example.com", "merchant-pass-1", "merchant", "")
	b := a.Browser()
	b.Login("merchant@example.com", "merchant-pass-1")
	session := &http.Cookie{Name: "hm_session", Value: b.Cookie("hm_session")}

	routes := a.Handler.(*gin.Engine).Routes()
	posts := 0
	for _, r := range routes {
		if r.Method != http.MethodPost {
			continue
		}
		posts++
		path := param.ReplaceAllString(r.Path, "/1")
		key := r.Method + " " + r.Path
		_, upload := ui.Uploads[key]
		if _, ok := api.Uploads[key]; ok {
			upload = true
		}
		if upload {
			// 60 MB of text in one field: refused long before its end
			// (signed-in routes say 403: the CSRF token never arrived; a
			// route the merchant may not use says 401 or 404 once the
			// edge has read its bounded part).
			body, ct := bigField(60 << 20)
			if got := chunked(t, a.URL+path, ct, body, session); got != http.StatusRequestEntityTooLarge && got != http.StatusForbidden &&
				got != http.StatusUnauthorized && got != http.StatusNotFound && got != 0 {
				t.Errorf("%s: 60 MB text field answered %d, want 413", key, got)
			}
			continue
		}
		for _, cookies := range [][]*http.Cookie{nil, {session}} {
			if got := chunked(t, a.URL+path, "application/x-www-form-urlencoded", io.LimitReader(filler{}, 1<<20), cookies...); got != http.StatusRequestEntityTooLarge && got != 0 {
				t.Errorf("%s (signed in: %v): 1 MB form answered %d, want 413", key, cookies != nil, got)
			}
			body, ct := bigField(1 << 10)
			if got := chunked(t, a.URL+path, ct, body, cookies...); got != http.StatusUnsupportedMediaType {
				t.Errorf("%s (signed in: %v): multipart answered %d, want 415", key, cookies != nil, got)
			}
		}
	}
	if posts < 20 {
		t.Fatalf("only %d POST routes found", posts)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("%d temporary files left after the requests", len(left))
	}
}

// A 40 MB text field costs the server a bounded amount of memory, on the
// public report form and on the sign-in form alike (it held 10 MB and more
// of each before the edge parsed bodies itself).
func TestHugeTextFieldsAreNotHeldInMemory(t *testing.T) {
	a := apptest.New(t)
	for _, path := range []string{"/report", "/login", "/track", "/api/v1/reports"} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		body, ct := bigField(40 << 20)
		got := chunked(t, a.URL+path, ct, body)
		runtime.ReadMemStats(&after)
		if got != http.StatusRequestEntityTooLarge && got != http.StatusUnsupportedMediaType && got != 0 {
			t.Errorf("%s: 40 MB field answered %d", path, got)
		}
		// The client's pipe and buffers are included; the field is not.
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
			t.Errorf("%s: %d MB allocated for a 40 MB field, want at most 4", path, grew>>20)
		}
	}
}
