package server_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/render"
	"honestmeasure/internal/server"
	"honestmeasure/static"
	"honestmeasure/templates"
)

// uploadEngine serves /plain (a form route) and /upload (an upload route
// of 3 files of 1 KB in a 16 KB body) and reports what the handler saw.
type seen struct {
	values map[string][]string
	up     *server.Uploaded
	files  [][]byte
	spool  int64 // bytes the spool held while the handler ran
}

func uploadEngine(t *testing.T, spool *server.Spool) (*gin.Engine, *seen) {
	t.Helper()
	r, err := render.New(templates.FS, static.FS)
	if err != nil {
		t.Fatal(err)
	}
	e, err := server.NewEngine(server.Options{Renderer: r, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		ErrorPage: func(c *gin.Context, status int) { c.String(status, "refused %d", status) },
		Uploads:   map[string]server.Upload{"POST /upload/:id": {MaxBytes: 16 << 10, MaxFiles: 3, MaxFileBytes: 1 << 10}},
		Spool:     spool})
	if err != nil {
		t.Fatal(err)
	}
	s := &seen{}
	handle := func(c *gin.Context) {
		_ = c.PostForm("x")
		s.values = c.Request.PostForm
		s.up = server.UploadOf(c)
		s.files = nil
		for _, f := range s.up.FilesOf("photo") {
			b, err := f.ReadAll()
			if err != nil {
				t.Error(err)
			}
			s.files = append(s.files, b)
		}
		s.spool = spool.InFlight()
		c.String(http.StatusOK, "ok")
	}
	e.POST("/plain", handle)
	e.POST("/upload/:id", handle)
	return e, s
}

type part struct {
	name, file string
	body       io.Reader
}

func multipartBody(parts ...part) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, p := range parts {
			var w io.Writer
			if p.file != "" {
				w, _ = mw.CreateFormFile(p.name, p.file)
			} else {
				w, _ = mw.CreateFormField(p.name)
			}
			if _, err := io.Copy(w, p.body); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	return pr, mw.FormDataContentType()
}

func post(e http.Handler, path, contentType string, body io.Reader) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, body)
	req.ContentLength = -1 // as a chunked upload: the length is not known in advance
	req.Header.Set("Content-Type", contentType)
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)
	return w
}

// endless is an upload that never stops by itself.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func TestBodyLimits(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	spool := server.NewSpool("", 1<<20)
	e, s := uploadEngine(t, spool)
	text := func(n int) io.Reader { return strings.NewReader(strings.Repeat("x", n)) }

	t.Run("plain form over the cap", func(t *testing.T) {
		w := post(e, "/plain", "application/x-www-form-urlencoded", io.LimitReader(endless{}, 10<<20))
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("10 MB form to a plain route: %d, want 413", w.Code)
		}
	})
	t.Run("declared length over the cap is refused unread", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/plain", endless{})
		req.ContentLength = 1 << 30
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		e.ServeHTTP(w, req) // endless{} would never end if it were read
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("declared 1 GB: %d, want 413", w.Code)
		}
	})
	t.Run("multipart where no file is expected", func(t *testing.T) {
		body, ct := multipartBody(part{name: "photo", file: "a.jpg", body: text(100)})
		if w := post(e, "/plain", ct, body); w.Code != http.StatusUnsupportedMediaType {
			t.Fatalf("multipart to a plain route: %d, want 415", w.Code)
		}
	})
	t.Run("invalid UTF-8 is cleaned", func(t *testing.T) {
		w := post(e, "/plain", "application/x-www-form-urlencoded", strings.NewReader("x=ok%FF%FEok"))
		if w.Code != http.StatusOK || s.values["x"][0] != "ok\uFFFDok" {
			t.Fatalf("%d %q, want the bad bytes replaced", w.Code, s.values["x"])
		}
		body, ct := multipartBody(part{name: "x", body: strings.NewReader("ok\xffok")})
		if w := post(e, "/upload/1", ct, body); w.Code != http.StatusOK || s.values["x"][0] != "ok\uFFFDok" {
			t.Fatalf("multipart: %d %q, want the bad bytes replaced", w.Code, s.values["x"])
		}
	})
	t.Run("files within limits", func(t *testing.T) {
		body, ct := multipartBody(part{name: "x", body: text(10)}, part{name: "photo", file: "a.jpg", body: text(1000)},
			part{name: "photo", file: "b.jpg", body: text(1024)})
		w := post(e, "/upload/1", ct, body)
		if w.Code != http.StatusOK || s.up.TooLarge || len(s.files) != 2 || len(s.files[0]) != 1000 || len(s.files[1]) != 1024 {
			t.Fatalf("%d, too large %v, %d files", w.Code, s.up.TooLarge, len(s.files))
		}
		if s.values["x"][0] != strings.Repeat("x", 10) {
			t.Fatalf("field x = %q", s.values["x"])
		}
		if s.spool == 0 {
			t.Fatal("files were not charged to the spool")
		}
	})
	t.Run("a file over its limit keeps one byte more, the rest of the form goes on", func(t *testing.T) {
		body, ct := multipartBody(part{name: "photo", file: "big.jpg", body: text(5000)}, part{name: "x", body: text(3)})
		w := post(e, "/upload/1", ct, body)
		f := s.up.FilesOf("photo")
		if w.Code != http.StatusOK || len(f) != 1 || !f[0].TooLarge || f[0].Size != 5000 || len(s.files[0]) != 1025 || s.values["x"][0] != "xxx" {
			t.Fatalf("%d, files %+v, kept %d, x %q", w.Code, f, len(s.files[0]), s.values["x"])
		}
	})
	t.Run("files beyond the count are counted, not kept", func(t *testing.T) {
		var parts []part
		for i := range 5 {
			parts = append(parts, part{name: "photo", file: fmt.Sprintf("%d.jpg", i), body: text(100)})
		}
		body, ct := multipartBody(parts...)
		post(e, "/upload/1", ct, body)
		f := s.up.FilesOf("photo")
		if len(f) != 5 || !f[3].Dropped || !f[4].Dropped || f[2].Dropped || s.files[4] != nil {
			t.Fatalf("%d files, want 5 with the last two dropped", len(f))
		}
	})
	t.Run("an endless upload ends at the cap, keeping what came before", func(t *testing.T) {
		body, ct := multipartBody(part{name: "x", body: text(5)}, part{name: "photo", file: "a.jpg", body: text(500)},
			part{name: "photo", file: "b.jpg", body: endless{}})
		w := post(e, "/upload/1", ct, body)
		if w.Code != http.StatusOK || !s.up.TooLarge || s.values["x"][0] != "xxxxx" || len(s.files) != 2 || len(s.files[0]) != 500 {
			t.Fatalf("%d, too large %v, x %q, %d files", w.Code, s.up.TooLarge, s.values["x"], len(s.files))
		}
	})
	t.Run("text is bounded even on an upload route", func(t *testing.T) {
		body, ct := multipartBody(part{name: "x", body: text(server.MaxTextBytes + 1)})
		w := post(e, "/upload/1", ct, body)
		if w.Code != http.StatusOK || !s.up.TooLarge || len(s.values["x"]) != 0 {
			t.Fatalf("%d, too large %v, x has %d values", w.Code, s.up.TooLarge, len(s.values["x"]))
		}
	})
	t.Run("malformed multipart", func(t *testing.T) {
		if w := post(e, "/upload/1", "multipart/form-data; boundary=zzz", strings.NewReader("garbage")); w.Code != http.StatusBadRequest {
			t.Fatalf("%d, want 400", w.Code)
		}
		if w := post(e, "/upload/1", "multipart/form-data", strings.NewReader("garbage")); w.Code != http.StatusBadRequest {
			t.Fatalf("no boundary: %d, want 400", w.Code)
		}
	})
	if n := spool.InFlight(); n != 0 {
		t.Errorf("spool holds %d bytes after every request ended", n)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("%d temporary files left behind", len(left))
	}
}

// Uploads beyond the spool's budget are answered "busy" instead of filling
// the disk; what is held is given back when each request ends.
func TestSpoolBudgetHoldsAcrossRequests(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	spool := server.NewSpool("", 4<<20)
	r, err := render.New(templates.FS, static.FS)
	if err != nil {
		t.Fatal(err)
	}
	e, err := server.NewEngine(server.Options{Renderer: r, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		ErrorPage: func(c *gin.Context, status int) { c.String(status, "refused") },
		Uploads:   map[string]server.Upload{"POST /upload": {MaxBytes: 8 << 20, MaxFiles: 1, MaxFileBytes: 2 << 20}},
		Spool:     spool})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	arrived := make(chan bool)
	e.POST("/upload", func(c *gin.Context) {
		busy := server.UploadOf(c).Busy
		arrived <- busy
		if !busy {
			<-release // a kept upload holds its file until released
		}
		c.Status(http.StatusOK)
	})
	var wg sync.WaitGroup
	send := func() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, ct := multipartBody(part{name: "photo", file: "p.jpg", body: bytes.NewReader(make([]byte, 1500<<10))})
			post(e, "/upload", ct, body)
		}()
	}
	// Two uploads of 1.5 MB are held; the third does not fit in 4 MB.
	for i, wantBusy := range []bool{false, false, true} {
		send()
		if busy := <-arrived; busy != wantBusy {
			t.Fatalf("upload %d: busy %v, want %v (spool holds %d bytes)", i+1, busy, wantBusy, spool.InFlight())
		}
		if n := spool.InFlight(); n > 4<<20 {
			t.Fatalf("spool holds %d bytes, over its budget", n)
		}
	}
	close(release)
	wg.Wait()
	if n := spool.InFlight(); n != 0 {
		t.Fatalf("spool holds %d bytes after the requests", n)
	}
	send()
	if busy := <-arrived; busy {
		t.Fatal("an upload after the others ended was refused")
	}
	wg.Wait()
}
