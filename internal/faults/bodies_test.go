package faults

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// filler is a body that never ends by itself.
type filler struct{}

func (filler) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// hostilePost streams a multipart body with one field (a file when file is
// set) of n bytes to path.
func hostilePost(ctx context.Context, url, path, field string, file bool, n int64) (int, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		var w io.Writer
		if file {
			w, _ = mw.CreateFormFile(field, "evidence.jpg")
		} else {
			w, _ = mw.CreateFormField(field)
		}
		if _, err := io.Copy(w, io.LimitReader(filler{}, n)); err != nil {
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(mw.Close())
	}()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+path, pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// procKB reads a "Vm…:   123 kB" line of /proc/<pid>/status.
func procKB(t *testing.T, pid int, key string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	t.Fatalf("%s not in /proc/%d/status", key, pid)
	return 0
}

// bytesAtOnce returns a total the files in dir really held at one instant.
// Summing one walk's sizes does not: a file measured full, then removed, and
// the file that took its budget measured later are both counted, which reads
// as more than the spool ever held at once. So the files are measured, then
// listed again, and only those still there count: each existed from its
// measurement through the end of the first pass, and spooled files only
// grow, so the sum is at most what the directory held at that moment.
func bytesAtOnce(dir string) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	sizes := make(map[string]int64, len(entries))
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && !fi.IsDir() {
			sizes[e.Name()] = fi.Size()
		}
	}
	again, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range again {
		n += sizes[e.Name()]
	}
	return n
}

// dirBytes is everything under dir, for the check that nothing is left.
func dirBytes(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// Sixty strangers at once send what the edge must not buffer: 40 MB text
// fields to every public form and 60 MB "photos" to the report routes. The
// real server's peak RSS stays within a small bound, its temporary files
// within the configured spool, and it answers a scan straight after.
func TestHostileBodiesStayBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real binary")
	}
	tmp := t.TempDir()
	const spoolMB = 64
	s := start(t, append(baseEnv(t), "TMPDIR="+tmp, fmt.Sprintf("HM_UPLOAD_SPOOL_MB=%d", spoolMB)))
	pid := s.cmd.Process.Pid
	baseline := procKB(t, pid, "VmRSS")

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	type attack struct {
		path, field string
		file        bool
		size        int64
	}
	attacks := []attack{
		{"/login", "login", false, 40 << 20}, {"/signup", "display_name", false, 40 << 20}, {"/track", "tracking_number", false, 40 << 20},
		{"/report", "description", false, 40 << 20}, {"/api/v1/reports", "description", false, 40 << 20},
		{"/report", "photos", true, 60 << 20}, {"/api/v1/reports", "photos", true, 60 << 20},
	}
	var peakDisk atomic.Int64
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				if n := bytesAtOnce(tmp); n > peakDisk.Load() {
					peakDisk.Store(n)
				}
			}
		}
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 60 {
		a := attacks[i%len(attacks)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := hostilePost(ctx, s.url, a.path, a.field, a.file, a.size)
			mu.Lock()
			statuses[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(stop)
	peak := procKB(t, pid, "VmHWM")
	t.Logf("RSS %d MB at start, peak %d MB under 60 hostile bodies (%d MB sent at most); peak temporary files %.1f MB (spool %d MB); answers %v",
		baseline>>10, peak>>10, int64(60*50), float64(peakDisk.Load())/(1<<20), spoolMB, statuses)
	if grew := (peak - baseline) >> 10; grew > 120 {
		t.Errorf("peak RSS grew by %d MB under hostile bodies, want at most 120", grew)
	}
	if peakDisk.Load() > spoolMB<<20 {
		t.Errorf("temporary files reached %d bytes, over the %d MB spool", peakDisk.Load(), spoolMB)
	}
	if statuses[http.StatusOK] > 0 || statuses[http.StatusCreated] > 0 {
		t.Errorf("hostile bodies accepted: %v", statuses)
	}
	resp, err := http.Get(s.url + "/units")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("directory after the attack: %v %v", resp, err)
	}
	resp.Body.Close()
	if n := dirBytes(tmp); n != 0 {
		t.Errorf("%d bytes of temporary files left after the requests", n)
	}
}
