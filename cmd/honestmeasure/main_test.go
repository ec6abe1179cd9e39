package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"honestmeasure/internal/database"
	"honestmeasure/internal/database/dbtest"
)

// TestMain lets a test run the real main() in a child process, to check what
// an operator sees on the terminal and the exit status.
func TestMain(m *testing.M) {
	if os.Getenv("HM_TEST_RUN_MAIN") == "1" {
		os.Args = append([]string{"honestmeasure"}, strings.Fields(os.Getenv("HM_TEST_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// syncBuffer collects log output written from the server goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envFrom(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// startServer runs the real program in-process and returns its base URL.
func startServer(t *testing.T, vars map[string]string, args ...string) (string, *syncBuffer, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, environment{args: args, getenv: envFrom(vars), stdin: strings.NewReader(""),
			stdout: logs, stderr: logs, ready: func(addr string) { ready <- addr }})
	}()
	select {
	case addr := <-ready:
		var once sync.Once
		var stopErr error
		stop := func() error {
			once.Do(func() {
				cancel()
				select {
				case stopErr = <-done:
				case <-time.After(20 * time.Second):
					stopErr = errors.New("server did not shut down within 20 s")
				}
			})
			return stopErr
		}
		t.Cleanup(func() { _ = stop() })
		return "http://" + addr, logs, stop
	case err := <-done:
		cancel()
		t.Fatalf("server exited before listening: %v\n%s", err, logs)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatalf("server not ready after 60 s\n%s", logs)
	}
	return "", nil, nil
}

func testVars(t *testing.T) map[string]string {
	driver, dsn := dbtest.Options(t)
	return map[string]string{
		"HM_ADDR":      "127.0.0.1:0",
		"HM_DATA_DIR":  t.TempDir(),
		"HM_DB_DRIVER": driver,
		"HM_DB_DSN":    dsn,
	}
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestServerStartsWithDemoDataAndShutsDownCleanly(t *testing.T) {
	vars := testVars(t)
	vars["HM_DEMO"] = "1"
	base, logs, stop := startServer(t, vars)

	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body, _ := get(t, base+path); code != http.StatusOK || !strings.Contains(body, `"ok"`) {
			t.Errorf("%s = %d %s", path, code, body)
		}
	}
	code, body, hdr := get(t, base+"/")
	if code != http.StatusOK {
		t.Fatalf("home = %d", code)
	}
	for _, want := range []string{"诚信计量", `href="/units"`, `href="/report"`, `href="/login"`, "?lang=en", "已公示"} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if !strings.Contains(hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'") || hdr.Get("X-Request-ID") == "" {
		t.Errorf("missing security or request-id headers: %v", hdr)
	}
	if _, en, _ := get(t, base+"/?lang=en"); !strings.Contains(en, "Honest measurement") || !strings.Contains(en, `lang="en"`) {
		t.Error("English switch does not give an English page")
	}
	if code, body, _ := get(t, base+"/no-such-page"); code != http.StatusNotFound || !strings.Contains(body, "页面不存在") {
		t.Errorf("unknown page = %d", code)
	}
	log := logs.String()
	for _, want := range []string{"demo data loaded", "role=officer", "role=merchant", "role=supervisor", "role=city_admin", "role=verification_body", "password=demo-pass-2026", "request_id="} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q", want)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Error("no graceful-shutdown log line")
	}
}

func TestRestartKeepsDataAndSecret(t *testing.T) {
	vars := testVars(t)
	vars["HM_DEMO"] = "1"
	_, _, stop := startServer(t, vars)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	secret1, err := os.ReadFile(filepath.Join(vars["HM_DATA_DIR"], "secret"))
	if err != nil || len(strings.TrimSpace(string(secret1))) < 32 {
		t.Fatalf("development secret not kept in the data folder: %v", err)
	}
	_, logs, stop := startServer(t, vars)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	secret2, _ := os.ReadFile(filepath.Join(vars["HM_DATA_DIR"], "secret"))
	if !bytes.Equal(secret1, secret2) {
		t.Fatal("secret changed across restarts: printed QR codes would stop verifying")
	}
	if !strings.Contains(logs.String(), "demo data not loaded") {
		t.Fatal("demo data loaded twice into a non-empty database")
	}
}

func TestBadConfigurationIsOneClearLine(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"unknown driver", map[string]string{"HM_DB_DRIVER": "postgres"}, `unknown database driver "postgres"`},
		{"unreachable MySQL", map[string]string{"HM_DB_DRIVER": "mysql", "HM_DB_DSN": "hm:hm@tcp(127.0.0.1:1)/hm"}, "cannot reach the MySQL database at tcp(127.0.0.1:1)/hm"},
		{"mysql without DSN", map[string]string{"HM_DB_DRIVER": "mysql"}, "HM_DB_DSN is required"},
		{"unwritable data folder", map[string]string{"HM_DATA_DIR": filepath.Join(notADir, "data")}, "data folder"},
		{"production without secret", map[string]string{"HM_MODE": "production"}, "HM_SECRET is required in production mode"},
		{"production without audit key", map[string]string{"HM_MODE": "production", "HM_SECRET": strings.Repeat("s", 32)}, "HM_AUDIT_KEY is required in production mode"},
		{"short audit key", map[string]string{"HM_AUDIT_KEY": "too-short"}, "HM_AUDIT_KEY is too short"},
		{"short secret", map[string]string{"HM_SECRET": "too-short"}, "HM_SECRET is too short"},
		{"bad base URL", map[string]string{"HM_BASE_URL": "localhost:8080"}, "HM_BASE_URL must be an absolute"},
		{"bad demo flag", map[string]string{"HM_DEMO": "yes please"}, "HM_DEMO must be"},
		{"address in use or invalid", map[string]string{"HM_ADDR": "127.0.0.1:99999"}, "cannot listen on 127.0.0.1:99999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.vars["HM_DATA_DIR"] == "" {
				tt.vars["HM_DATA_DIR"] = t.TempDir()
			}
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), "HM_TEST_RUN_MAIN=1", "HM_DB_DSN=", "HM_DB_DRIVER=", "HM_SECRET=", "HM_AUDIT_KEY=", "HM_MODE=", "HM_DEMO=", "HM_ADDR=")
			for k, v := range tt.vars {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			var stderr, stdout bytes.Buffer
			cmd.Stderr, cmd.Stdout = &stderr, &stdout
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit = %v, want status 1\nstderr: %s", err, stderr.String())
			}
			msg := stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "honestmeasure: ") {
				t.Fatalf("want exactly one line on stderr, got:\n%s", msg)
			}
			if !strings.Contains(msg, tt.want) {
				t.Fatalf("stderr %q does not mention %q", msg, tt.want)
			}
			if strings.Contains(msg, "goroutine") || strings.Contains(msg, ".go:") {
				t.Fatalf("stack trace on stderr: %s", msg)
			}
		})
	}
}

func TestMigrateAndUserCreateCommands(t *testing.T) {
	vars := testVars(t)
	var out bytes.Buffer
	runCmd := func(stdin string, args ...string) error {
		out.Reset()
		return run(context.Background(), environment{args: args, getenv: envFrom(vars), stdin: strings.NewReader(stdin), stdout: &out, stderr: &out})
	}
	want := fmt.Sprintf("applied %d migration(s); schema version %d", len(database.Migrations), len(database.Migrations))
	if err := runCmd("", "migrate"); err != nil || !strings.Contains(out.String(), want) {
		t.Fatalf("migrate: %v %s", err, out.String())
	}
	if err := runCmd("", "migrate"); err != nil || !strings.Contains(out.String(), "applied 0 migration") {
		t.Fatalf("second migrate: %v %s", err, out.String())
	}
	if err := runCmd("s3cret-password\n", "user", "create", "-login", "Officer@Example.org", "-role", "officer", "-agency", "cz-tianning", "-password-stdin"); err != nil {
		t.Fatalf("user create: %v", err)
	}
	if !strings.Contains(out.String(), "created officer account officer@example.org") {
		t.Fatalf("output: %s", out.String())
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"user", "create", "-login", "officer@example.org", "-role", "officer", "-agency", "cz-tianning", "-password-stdin"}, "already exists"},
		{[]string{"user", "create", "-login", "x@example.org", "-role", "officer", "-password-stdin"}, "must belong to an agency"},
		{[]string{"user", "create", "-login", "x@example.org", "-role", "officer", "-agency", "nowhere", "-password-stdin"}, `unknown agency "nowhere"`},
		{[]string{"user", "create", "-login", "not-a-login", "-role", "merchant", "-password-stdin"}, "mobile phone number"},
		{[]string{"user", "create", "-login", "x@example.org", "-role", "wizard", "-password-stdin"}, "unknown role"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		err := runCmd("s3cret-password\n", tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.args, err, tt.want)
		}
	}
	if err := runCmd("short\n", "user", "create", "-login", "y@example.org", "-role", "city_admin", "-password-stdin"); err == nil || !strings.Contains(err.Error(), "at least 8") {
		t.Errorf("short password: %v", err)
	}
}
