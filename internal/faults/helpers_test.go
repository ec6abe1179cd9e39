package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"honestmeasure/internal/database/dbtest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/honestmeasure once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hm-faults-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "honestmeasure")
		out, err := exec.Command("go", "build", "-o", binPath, "honestmeasure/cmd/honestmeasure").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// server is one running instance of the real program.
type server struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs the binary with env and waits for /healthz.
func start(t *testing.T, env []string) *server {
	t.Helper()
	addr := freePort(t)
	s := &server{url: "http://" + addr, logs: &bytes.Buffer{}}
	s.cmd = exec.Command(binary(t))
	s.cmd.Env = append(os.Environ(), append(env, "HM_ADDR="+addr, "HM_BASE_URL="+s.url)...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			_ = s.cmd.Process.Kill()
			_, _ = s.cmd.Process.Wait()
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("server did not come up\n%s", s.logs)
	return nil
}

// baseEnv is a fresh database on the engine the environment selects.
func baseEnv(t *testing.T) []string {
	driver, dsn := dbtest.Options(t)
	return []string{"HM_DB_DRIVER=" + driver, "HM_DB_DSN=" + dsn, "HM_DATA_DIR=" + t.TempDir(),
		"HM_SECRET=fault-test-secret-0123456789abcdefghij", "HM_REPORT_LIMIT_PER_IP=0", "HM_REPORT_BURST_PER_UNIT=0",
		"HM_LOG_LEVEL=warn", "HM_DB_MAX_OPEN_CONNS=8"}
}

func photo(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 200, 150))
	for y := 0; y < 150; y++ {
		for x := 0; x < 200; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, nil)
	return b.Bytes()
}

// submit posts one tip with a photo through the API and returns the status
// and, on 201, the tracking number.
func submit(ctx context.Context, client *http.Client, url string, n int, jpg []byte) (int, string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"kind": "tip", "category": "short_weight", "district": "320402",
		"business_name": fmt.Sprintf("故障测试摊位 %d", n), "business_address": "红梅农贸市场", "incident_at": "2026-11-20T09:30",
		"description": "称重不足，复称少了二两。", "anonymous": "true", "idempotency_key": fmt.Sprintf("fault-test-key-%08d", n)} {
		_ = mw.WriteField(k, v)
	}
	w, _ := mw.CreateFormFile("photos", "p.jpg")
	_, _ = w.Write(jpg)
	_ = mw.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/v1/reports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return resp.StatusCode, "", nil
	}
	var out struct {
		TrackingNumber string `json:"tracking_number"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || !strings.Contains(out.TrackingNumber, "-") {
		return resp.StatusCode, "", fmt.Errorf("success without a tracking number: %s", raw)
	}
	return resp.StatusCode, out.TrackingNumber, nil
}
