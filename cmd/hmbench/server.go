package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/configs"
	"honestmeasure/internal/app"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/database"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

// ceilingCommand runs this program as the scan benchmark's server: the
// product's handler plus the ceiling route, in a process of its own so the
// load generator does not share its Go runtime.
const ceilingCommand = "ceiling-server"

// ceilingPath serves a pre-rendered scan page from memory through the same
// router and middleware as /q/{token}: what the scan page would cost if
// everything but the HTTP edge were free.
const ceilingPath = "/bench/ceiling"

// ceilingGzipPath serves the same page already compressed: the stricter
// ceiling, reported beside the target's.
const ceilingGzipPath = "/bench/ceiling-gz"

// serveCeiling is the ceiling server: it starts like cmd/honestmeasure's
// serve (database.Open, Migrate, SeedReference, app.New with the same
// logger), renders the scan page of -token once through the engine, and
// adds ceilingPath serving those bytes. Like serve it runs the scan
// watermark (unless -watermark=false, to measure scans that query). The
// notification worker is left out: nothing it does is on the scan path.
func serveCeiling(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(ceilingCommand, flag.ContinueOnError)
	driver := fs.String("db", "sqlite", "sqlite or mysql")
	dsn := fs.String("dsn", "", "database")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	token := fs.String("token", "", "token of the scan page served as the ceiling")
	profile := fs.String("cpuprofile", "", "write the server's CPU profile to this file")
	watermark := fs.Bool("watermark", true, "run the scan watermark, as cmd/honestmeasure serve does")
	if err := fs.Parse(args); err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(*profile)
	if err != nil {
		return err
	}
	defer stopProfile()
	log := slog.New(slog.NewTextHandler(stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))
	db, err := database.Open(ctx, database.Options{Driver: *driver, DSN: *dsn, Logger: log})
	if err != nil {
		return err
	}
	if _, err := database.Migrate(ctx, db); err != nil {
		return err
	}
	ref, err := reference.Load(configs.Changzhou())
	if err != nil {
		return err
	}
	if err := storage.New(db).SeedReference(ctx, ref); err != nil {
		return err
	}
	opts := app.Options{DB: db, Ref: ref, Logger: log, BaseURL: "http://" + *addr, Secret: []byte(benchSecret),
		AuditKey: audit.KeyFromSecret([]byte(benchSecret)), ReportLimits: intake.Limits{}}
	if *watermark {
		w, err := scan.NewWatermark(storage.New(db), log)
		if err != nil {
			return err
		}
		wctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- w.Run(wctx) }()
		defer func() { stop(); <-done }()
		opts.ScanWatermark = w
	}
	h, err := app.New(opts)
	if err != nil {
		return err
	}
	engine, ok := h.(*gin.Engine)
	if !ok {
		return fmt.Errorf("app.New returned %T, not *gin.Engine", h)
	}
	// One real scan page, rendered by the real handler. ceilingPath sends
	// its HTML through the compress middleware, as issue 6 defines the
	// ceiling; ceilingGzipPath sends the bytes the scan handler sends a
	// phone, compressed once, so it does everything a cached scan does
	// except find out which page is current.
	render := func(encoding string) (*httptest.ResponseRecorder, error) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/q/"+*token, nil)
		req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9")
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		engine.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return nil, fmt.Errorf("rendering the ceiling page /q/%s: HTTP %d", *token, rec.Code)
		}
		return rec, nil
	}
	html, err := render("")
	if err != nil {
		return err
	}
	gz, err := render("gzip")
	if err != nil {
		return err
	}
	if gz.Header().Get("Content-Encoding") != "gzip" {
		return errors.New("the scan page was not sent gzipped")
	}
	page, gzPage := html.Body.Bytes(), gz.Body.Bytes()
	engine.GET(ceilingPath, func(c *gin.Context) {
		c.Header("Cache-Control", "no-cache")
		c.Data(http.StatusOK, "text/html; charset=utf-8", page)
	})
	engine.GET(ceilingGzipPath, func(c *gin.Context) {
		c.Header("Cache-Control", "no-cache")
		c.Header("Content-Encoding", "gzip")
		c.Data(http.StatusOK, "text/html; charset=utf-8", gzPage)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	log.Info("ceiling server listening", "addr", ln.Addr().String(), "page_bytes", len(page))
	return server.Serve(ctx, ln, engine, 15*time.Second, log)
}

// proc is a server running as a process of its own.
type proc struct {
	name    string
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:port
	logPath string
	logFile *os.File
	done    chan error
	stopped bool
}

// freeAddr picks a free port on 127.0.0.1.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startProc starts bin and waits until /healthz answers.
func startProc(ctx context.Context, name, bin string, args, env []string, addr, work string) (*proc, error) {
	logPath := filepath.Join(work, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	p := &proc{name: name, cmd: cmd, base: "http://" + addr, logPath: logPath, logFile: f, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case err := <-p.done:
			p.stopped = true
			f.Close()
			return nil, fmt.Errorf("%s exited before it was ready (%v): %s", name, err, lastLines(logPath, 5))
		case <-ctx.Done():
			_ = p.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := client.Get(p.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			_ = p.stop()
			return nil, fmt.Errorf("%s did not answer /healthz within 2 minutes: %s", name, lastLines(logPath, 5))
		}
	}
}

// stop ends the process with SIGTERM (graceful shutdown), SIGKILL after 30 s.
func (p *proc) stop() error {
	if p.stopped {
		return nil
	}
	p.stopped = true
	defer p.logFile.Close()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			return fmt.Errorf("%s: %v", p.name, err)
		}
		return nil
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not stop within 30 s of SIGTERM and was killed", p.name)
	}
}

// peakRSS is the process's VmHWM, the most resident memory it ever had.
func (p *proc) peakRSS() string {
	kb, err := vmHWM(p.cmd.Process.Pid)
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return fmt.Sprintf("%.1f MB", float64(kb)/1024)
}

func vmHWM(pid int) (int64, error) { return statusKB(pid, "VmHWM") }

// vmRSS is the process's resident memory now, in kB.
func vmRSS(pid int) (int64, error) { return statusKB(pid, "VmRSS") }

// statusKB reads a "Key:   123 kB" line of /proc/<pid>/status.
func statusKB(pid int, key string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/<pid>/status", key)
}

// cpuTime is the CPU time (user and system) the process has used so far.
func (p *proc) cpuTime() time.Duration { return pidCPU(p.cmd.Process.Pid) }

// pidCPU is the CPU time (user and system) process pid has used so far; 0
// when it cannot be read.
func pidCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	// Clock ticks are 1/100 s on Linux (USER_HZ).
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// errorLines counts the server's logged errors, so a failed request can be
// explained from the server's side.
func (p *proc) errorLines() (int, string) {
	f, err := os.Open(p.logPath)
	if err != nil {
		return 0, ""
	}
	defer f.Close()
	n, first := 0, ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "level=ERROR") {
			if n == 0 {
				first = sc.Text()
			}
			n++
		}
	}
	return n, first
}

func lastLines(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], " | ")
}

// buildServer builds cmd/honestmeasure into the work folder.
func buildServer(ctx context.Context, work string, p *progress) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(work, "honestmeasure")
	p.say("building cmd/honestmeasure")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/honestmeasure")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/honestmeasure: %v: %s", err, out)
	}
	return bin, nil
}

func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run hmbench from inside the honestmeasure module (go run ./cmd/hmbench)")
	}
	return filepath.Dir(gomod), nil
}

// startProduct runs the built cmd/honestmeasure on the bench database.
func (b *bench) startProduct(ctx context.Context, bin, work, name string, env ...string) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	b.progress.say("starting %s on %s", name, addr)
	return startProc(ctx, name, bin, []string{"serve"}, append(b.serverEnv(addr), env...), addr, work)
}

// startCeiling runs this program's ceiling server on the bench database.
func (b *bench) startCeiling(ctx context.Context, work, token string) (*proc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	b.progress.say("starting the ceiling server on %s", addr)
	args := []string{ceilingCommand, "-db", b.o.driver, "-dsn", b.o.dsn, "-addr", addr, "-token", token,
		"-watermark=" + strconv.FormatBool(b.o.scanWatermark)}
	if b.o.serverProfile != "" {
		args = append(args, "-cpuprofile", b.o.serverProfile)
	}
	return startProc(ctx, "ceiling-server", self, args, b.serverEnv(addr), addr, work)
}
