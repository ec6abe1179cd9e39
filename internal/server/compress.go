package server

import (
	"compress/gzip"
	"io"
	"mime"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// compressible types are text; images other than SVG are compressed already.
func compressible(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "text/html", "text/css", "text/plain", "text/csv", "application/json", "application/javascript", "image/svg+xml":
		return true
	}
	return false
}

var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	return w
}}

// gzipWriter compresses the body once the handler's first write shows a
// compressible content type; until then nothing is decided or sent.
type gzipWriter struct {
	gin.ResponseWriter
	gz       *gzip.Writer
	decided  bool
	compress bool
}

func (w *gzipWriter) decide() {
	if w.decided {
		return
	}
	w.decided = true
	h := w.Header()
	if h.Get("Content-Encoding") != "" || !compressible(h.Get("Content-Type")) {
		return
	}
	h.Set("Content-Encoding", "gzip")
	h.Del("Content-Length")
	w.gz = gzipPool.Get().(*gzip.Writer)
	w.gz.Reset(w.ResponseWriter)
	w.compress = true
}

func (w *gzipWriter) Write(b []byte) (int, error) {
	w.decide()
	if w.compress {
		return w.gz.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *gzipWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

func (w *gzipWriter) Flush() {
	if w.compress {
		_ = w.gz.Flush()
	}
	w.ResponseWriter.Flush()
}

// AcceptsGzip reports whether the client takes a gzipped body, so a handler
// may send bytes it compressed earlier (with Content-Encoding set, compress
// passes them through).
func AcceptsGzip(c *gin.Context) bool {
	return strings.Contains(c.GetHeader("Accept-Encoding"), "gzip") && c.GetHeader("Range") == ""
}

// compress gzips text responses for clients that accept it: a scan page on a
// weak mobile connection must arrive in the first round trip.
func compress() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Vary", "Accept-Encoding")
		if !AcceptsGzip(c) {
			c.Next()
			return
		}
		w := &gzipWriter{ResponseWriter: c.Writer}
		c.Writer = w
		defer func() {
			if w.compress {
				_ = w.gz.Close()
				w.gz.Reset(io.Discard)
				gzipPool.Put(w.gz)
			}
			c.Writer = w.ResponseWriter
		}()
		c.Next()
	}
}
