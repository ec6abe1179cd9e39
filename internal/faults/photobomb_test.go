package faults

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"honestmeasure/internal/photos"
	"honestmeasure/internal/photos/phototest"
)

// TestPhotoBombsBoundPeakRSS: sixteen clients at once post reports of five
// photos each, every one a decompression bomb: the 16-bit RGBA PNG
// of 6300x6300, a 40-megapixel progressive JPEG, a 6300x6300 lossless
// WebP, and of each kind the largest file that is still accepted (whose
// decoding needs just under the per-photo maximum). The real server's peak
// RSS must stay within HM_PHOTO_MEMORY_MB of what it was before, plus the
// margin photoRSSMargin explains.
func TestPhotoBombsBoundPeakRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes a few GB of pixels")
	}
	const memoryMB = 192
	srv := start(t, append(baseEnv(t), fmt.Sprintf("HM_PHOTO_MEMORY_MB=%d", memoryMB)))
	pid := srv.cmd.Process.Pid
	client := &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	// Warm up: the page caches, the pools and the database connections of
	// an ordinary day, then the baseline.
	jpg := photo(t)
	for i := range 4 {
		if status, err := postReport(ctx, client, srv.url, 9000+i, [][]byte{jpg, jpg}); err != nil || status != http.StatusCreated {
			t.Fatalf("warm-up report: %d %v\n%s", status, err, srv.logs)
		}
	}
	base := procStatusKB(t, pid, "VmHWM")

	opt := photos.DefaultOptions()
	worst := phototest.Thresholds(func(data []byte) bool {
		n, err := photos.Budget(data, opt)
		return err == nil && n <= opt.MaxMemory
	})
	var bombs [][]byte
	for _, b := range worst {
		data := b.Make(b.Side)
		n, _ := photos.Budget(data, opt)
		t.Logf("accepted bomb %-24s %5dx%-5d %6d KB, budget %3d MB", b.Name, b.Side, b.Side, len(data)>>10, n>>20)
		bombs = append(bombs, data)
	}
	refused := [][]byte{
		phototest.PNG(phototest.PNGSpec{W: 6300, H: 6300, ColorType: phototest.RGBA, Depth: 16}),
		phototest.JPEG(7744, 5164, 0x22, true),
		phototest.LosslessWebP(6300, 6300),
	}
	t.Logf("refused bombs: rgba16 PNG 6300x6300 %d KB, progressive JPEG 7744x5164 %d KB, lossless WebP 6300x6300 %d B",
		len(refused[0])>>10, len(refused[1])>>10, len(refused[2]))

	const clients, reportsEach = 16, 1
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		failures []error
	)
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range reportsEach {
				files := make([][]byte, 0, 5)
				for k := range 5 {
					files = append(files, bombs[(c+r+k)%len(bombs)])
				}
				want := http.StatusCreated
				if (c+r)%4 == 0 { // one report in four also carries a refused bomb, last
					files[4] = refused[(c/4+r)%len(refused)]
					want = http.StatusUnprocessableEntity
				}
				status, err := postReport(ctx, client, srv.url, c*100+r, files)
				mu.Lock()
				statuses[status]++
				if err == nil && status != want {
					err = fmt.Errorf("report %d: status %d, want %d", c*100+r, status, want)
				}
				if err != nil {
					failures = append(failures, err)
				}
				mu.Unlock()
			}
		}()
	}
	// Sample RSS while the load runs, for the log.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var maxRSS int64
	for sampling := true; sampling; {
		select {
		case <-done:
			sampling = false
		case <-time.After(50 * time.Millisecond):
			maxRSS = max(maxRSS, procStatusKB(t, pid, "VmRSS"))
		}
	}
	peak := procStatusKB(t, pid, "VmHWM")
	bound := base + (memoryMB+photoRSSMargin(memoryMB))<<10
	t.Logf("%d reports of 5 bomb photos from %d clients in %v: statuses %v", clients*reportsEach, clients,
		time.Since(start).Round(time.Second), statuses)
	t.Logf("peak RSS %d MB (sampled max %d MB), baseline %d MB: +%d MB; bound +%d MB (HM_PHOTO_MEMORY_MB=%d + margin %d)",
		peak>>10, maxRSS>>10, base>>10, (peak-base)>>10, (bound-base)>>10, memoryMB, photoRSSMargin(memoryMB))
	if len(failures) > 0 {
		t.Errorf("%d requests failed, first: %v\n%s", len(failures), failures[0], srv.logs)
	}
	if peak > bound {
		t.Errorf("peak RSS %d MB exceeds baseline %d MB + %d MB + margin %d MB", peak>>10, base>>10, memoryMB, photoRSSMargin(memoryMB))
	}
}

// photoRSSMargin is, in MB, what the server's RSS may grow beyond
// HM_PHOTO_MEMORY_MB under photo load. A large photo's buffers are
// collected before its budget is given back (photos.Limiter), but the
// garbage of smaller ones waits for the collector, which runs at 30% heap
// growth (GOGC=30, see cmd/honestmeasure); and the requests waiting their
// turn hold their multipart forms (up to 256 KB of fields and files each
// in memory, the rest in temporary files), buffers and goroutines.
func photoRSSMargin(memoryMB int64) int64 { return memoryMB/10 + 48 }

// postReport posts one tip with files as its photos through the API.
func postReport(ctx context.Context, client *http.Client, url string, n int, files [][]byte) (int, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"kind": "tip", "category": "short_weight", "district": "320402",
		"business_name": fmt.Sprintf("炸弹测试摊位 %d", n), "business_address": "红梅农贸市场", "incident_at": "2026-11-20T09:30",
		"description": "称重不足，复称少了二两。", "anonymous": "true", "idempotency_key": fmt.Sprintf("bomb-test-key-%08d", n)} {
		_ = mw.WriteField(k, v)
	}
	for i, f := range files {
		w, _ := mw.CreateFormFile("photos", fmt.Sprintf("p%d", i))
		_, _ = w.Write(f)
	}
	_ = mw.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/v1/reports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// procStatusKB reads a "kB" field of /proc/<pid>/status.
func procStatusKB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s: %v", field, err)
			}
			return n
		}
	}
	t.Fatal(errors.New(field + " not in /proc status"))
	return 0
}
