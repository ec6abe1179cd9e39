package server

import (
	"errors"
	"io"
	"os"
	"sync"
)

// Spool holds uploaded files on disk while their requests are handled, within
// a budget for the whole process: without one, a few hundred slow uploads at
// the route's limit would fill the disk the database may share. A file that
// does not fit is not waited for: the request is answered "busy, retry".
type Spool struct {
	dir string // "" means the system's temporary directory

	mu       sync.Mutex
	budget   int64
	inFlight int64
}

// NewSpool returns a spool of budget bytes in dir ("" for os.TempDir()).
func NewSpool(dir string, budget int64) *Spool { return &Spool{dir: dir, budget: budget} }

// InFlight returns the bytes currently spooled.
func (s *Spool) InFlight() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

var errSpoolFull = errors.New("upload spool full")

// spoolChunk is how much budget a file takes at a time.
const spoolChunk = 256 << 10

func (s *Spool) take(n int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inFlight+n > s.budget {
		return false
	}
	s.inFlight += n
	return true
}

func (s *Spool) give(n int64) {
	s.mu.Lock()
	s.inFlight -= n
	s.mu.Unlock()
}

// write copies at most limit+1 bytes of r into a new temporary file for f,
// taking budget as it goes; the rest of r is left unread (the body cap ends
// the request). The budget is given back when the file is removed.
func (s *Spool) write(f *UploadedFile, r io.Reader, limit int64) (err error) {
	tmp, err := os.CreateTemp(s.dir, "hm-upload-*")
	if err != nil {
		return err
	}
	f.path = tmp.Name()
	// The file is read back by name when the photo's turn comes; the
	// middleware removes it when the request ends, however it ends.
	defer func() {
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
	}()
	buf := make([]byte, 32<<10)
	var taken int64
	for {
		if f.kept > limit {
			// One byte over is enough for the photo check to say "too
			// large"; the file's remaining bytes are counted, not kept.
			n, cerr := io.Copy(io.Discard, r)
			f.Size += n
			f.TooLarge = true
			if cerr != nil {
				return cerr
			}
			return nil
		}
		want := min(int64(len(buf)), limit+1-f.kept)
		n, rerr := r.Read(buf[:want])
		if n > 0 {
			for f.kept+int64(n) > taken {
				if !s.take(spoolChunk) {
					return errSpoolFull
				}
				taken += spoolChunk
				f.spool, f.charged = s, taken
			}
			if _, werr := tmp.Write(buf[:n]); werr != nil {
				return werr
			}
			f.kept += int64(n)
			f.Size += int64(n)
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}
