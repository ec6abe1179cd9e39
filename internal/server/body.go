package server

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/gin-gonic/gin"
)

// FormBodyLimit caps the body of every request that is not an upload route:
// the longest plain form (a report's description and request are 2,000
// characters each, three bytes a character, URL-encoded) fits many times.
const FormBodyLimit = 64 << 10

// MaxTextBytes bounds the text fields of an upload together unless its route
// says otherwise (Upload.MaxTextBytes); the text of a multipart form is held
// in memory, its files never are.
const MaxTextBytes = 64 << 10

// maxParts bounds the parts of one multipart body (fields and files).
const maxParts = 64

// An Upload route accepts multipart/form-data with files, within its limits.
// Every other route refuses multipart bodies and caps its body at
// FormBodyLimit, before a byte of it is parsed.
type Upload struct {
	MaxBytes     int64 // the whole body
	MaxFiles     int   // files kept; further files are counted, not stored
	MaxFileBytes int64 // a larger file keeps MaxFileBytes+1 bytes and is marked TooLarge
	// MaxTextBytes bounds the route's text fields together, in memory; 0
	// is the package's MaxTextBytes. A route whose form carries pasted
	// rows of a spreadsheet needs more.
	MaxTextBytes int64
}

func (u Upload) maxText() int64 {
	if u.MaxTextBytes > 0 {
		return u.MaxTextBytes
	}
	return MaxTextBytes
}

// UploadedFile is one file of an upload, spooled to a temporary file.
type UploadedFile struct {
	Field    string
	Name     string
	Size     int64 // bytes received, whether kept or not
	TooLarge bool  // more than the route's MaxFileBytes: only the first MaxFileBytes+1 are kept
	Dropped  bool  // beyond the route's MaxFiles: nothing kept
	path     string
	kept     int64
	spool    *Spool
	charged  int64 // spool budget this file holds
}

// ReadAll returns the kept bytes of the file, in one buffer of their size.
func (f *UploadedFile) ReadAll() ([]byte, error) {
	if f.path == "" {
		return nil, nil
	}
	return os.ReadFile(f.path)
}

// Open opens the kept bytes of the file for reading in place (a
// spreadsheet is read by offset, never loaded whole); the caller closes it.
func (f *UploadedFile) Open() (*os.File, error) {
	if f.path == "" {
		return nil, os.ErrNotExist
	}
	return os.Open(f.path)
}

// Uploaded is the parsed upload of a request.
type Uploaded struct {
	Files []*UploadedFile
	// TooLarge: the body went past the route's MaxBytes (or its text past
	// MaxTextBytes). The fields and files before that point are kept, so
	// the page can say what was wrong and keep what was typed.
	TooLarge bool
	// Busy: the server's upload spool is full; the request should be retried.
	Busy bool
}

// FilesOf returns the files sent under field.
func (u *Uploaded) FilesOf(field string) []*UploadedFile {
	if u == nil {
		return nil
	}
	var out []*UploadedFile
	for _, f := range u.Files {
		if f.Field == field {
			out = append(out, f)
		}
	}
	return out
}

func (u *Uploaded) remove() {
	for _, f := range u.Files {
		if f.path != "" {
			_ = os.Remove(f.path)
		}
		if f.spool != nil {
			f.spool.give(f.charged)
			f.spool, f.charged = nil, 0
		}
	}
}

const keyUpload = "hm.upload"

// UploadOf returns the request's parsed upload; nil on a route that takes
// none or a request that sent none.
func UploadOf(c *gin.Context) *Uploaded {
	if u, ok := c.Get(keyUpload); ok {
		return u.(*Uploaded)
	}
	return nil
}

// bodyLimits caps and parses request bodies before any handler sees them.
// uploads maps "METHOD /route/:pattern" to the limits of the routes that
// take files. Plain forms are parsed here (and their text made valid
// UTF-8), so no handler can parse an unbounded body by accident; multipart
// bodies are parsed here by a reader that keeps files out of memory and
// counts them against the spool's disk budget.
func bodyLimits(uploads map[string]Upload, spool *Spool, refuse func(c *gin.Context, status int, limit int64)) gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		up, isUpload := uploads[r.Method+" "+c.FullPath()]
		limit := int64(FormBodyLimit)
		if isUpload {
			limit = up.MaxBytes
		}
		if r.ContentLength > limit {
			// Declared too large: refused before a byte is read, and the
			// connection closed rather than drained.
			c.Header("Connection", "close")
			refuse(c, http.StatusRequestEntityTooLarge, limit)
			c.Abort()
			return
		}
		r.Body = http.MaxBytesReader(c.Writer, r.Body, limit)
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			c.Next()
			return
		}
		mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch mt {
		case "multipart/form-data":
			if !isUpload {
				refuse(c, http.StatusUnsupportedMediaType, limit)
				c.Abort()
				return
			}
			u, values, err := readUpload(r.Body, params["boundary"], up, spool)
			if u != nil {
				defer u.remove()
			}
			if err != nil {
				status := http.StatusBadRequest
				if !errors.Is(err, errMalformed) {
					Logger(c).Error("upload not spooled", "err", err)
					status = http.StatusInternalServerError
				}
				refuse(c, status, limit)
				c.Abort()
				return
			}
			// Handlers read fields through Gin as usual: with the form
			// already in place, nothing parses the body again.
			r.MultipartForm = &multipart.Form{Value: values, File: map[string][]*multipart.FileHeader{}}
			r.PostForm = values
			r.Form = mergeQuery(r.URL.Query(), values)
			c.Set(keyUpload, u)
		case "application/x-www-form-urlencoded":
			if err := r.ParseForm(); err != nil {
				var tooBig *http.MaxBytesError
				status := http.StatusBadRequest
				if errors.As(err, &tooBig) {
					status = http.StatusRequestEntityTooLarge
				}
				refuse(c, status, limit)
				c.Abort()
				return
			}
			validUTF8(r.PostForm)
			validUTF8(r.Form)
		}
		c.Next()
	}
}

func mergeQuery(q url.Values, post url.Values) url.Values {
	for k, vs := range post {
		q[k] = append(vs[:len(vs):len(vs)], q[k]...)
	}
	return q
}

// validUTF8 replaces bytes that are not UTF-8 with U+FFFD: a form post may
// carry any bytes, and strict MySQL refuses to store invalid text.
func validUTF8(v url.Values) {
	for k, vs := range v {
		for i, s := range vs {
			vs[i] = strings.ToValidUTF8(s, "\uFFFD")
		}
		v[k] = vs
	}
}

var errMalformed = errors.New("malformed multipart body")

// readUpload reads a multipart body within u's limits. Text fields stay in
// memory (MaxTextBytes in all); file contents go straight to temporary
// files charged to spool. Running into a size limit is not an error: what
// came before it is returned with TooLarge set.
func readUpload(body io.Reader, boundary string, u Upload, spool *Spool) (*Uploaded, url.Values, error) {
	if boundary == "" {
		return nil, nil, errMalformed
	}
	out := &Uploaded{}
	values := url.Values{}
	mr := multipart.NewReader(body, boundary)
	var text int64
	maxText := u.maxText()
	kept := 0
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF { // exactly: a body that ends before its first boundary is wrapped EOF, and malformed
			return out, values, nil
		}
		if isTooBig(err) {
			out.TooLarge = true
			return out, values, nil
		}
		if err != nil || parts >= maxParts {
			return out, nil, errMalformed
		}
		name := p.FormName()
		if name == "" {
			continue
		}
		if p.FileName() == "" {
			// A text field, or an empty file input (sent without a name).
			var b bytes.Buffer
			n, err := io.Copy(&b, io.LimitReader(p, maxText-text+1))
			text += n
			if isTooBig(err) || text > maxText {
				out.TooLarge = true
				return out, values, nil
			}
			if err != nil {
				return out, nil, errMalformed
			}
			values.Add(name, strings.ToValidUTF8(b.String(), "\uFFFD"))
			continue
		}
		f := &UploadedFile{Field: name, Name: strings.ToValidUTF8(p.FileName(), "\uFFFD")}
		out.Files = append(out.Files, f)
		if kept >= u.MaxFiles {
			f.Dropped = true
			n, err := io.Copy(io.Discard, p)
			f.Size = n
			if isTooBig(err) {
				out.TooLarge = true
				return out, values, nil
			}
			continue
		}
		kept++
		err = spool.write(f, p, u.MaxFileBytes)
		switch {
		case errors.Is(err, errSpoolFull):
			out.Busy = true
			return out, values, nil
		case isTooBig(err):
			f.TooLarge = true
			out.TooLarge = true
			return out, values, nil
		case err != nil:
			return out, nil, err
		}
	}
}

func isTooBig(err error) bool {
	var tooBig *http.MaxBytesError
	return errors.As(err, &tooBig)
}
