package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"honestmeasure/internal/api"
	"honestmeasure/internal/server"
	"honestmeasure/internal/ui"
)

// NginxPath is Debian's nginx, which the tests and the benchmark use.
const NginxPath = "/usr/sbin/nginx"

// MaxUploadBytes is the largest body any route of the app takes: the
// balancer must let it through, or it would refuse with its own 413 what
// the app would have taken (and explained).
func MaxUploadBytes() int64 {
	var largest int64 = server.FormBodyLimit
	for _, routes := range []map[string]server.Upload{ui.Uploads, api.Uploads} {
		for _, u := range routes {
			largest = max(largest, u.MaxBytes)
		}
	}
	return largest
}

// NginxConfig is an nginx configuration that balances listen (host:port)
// over upstreams (host:port each, the instances' HM_ADDR) in turn, as
// docs/scale-out.md recommends. Every path (pid, logs,
// temporary files) is relative to nginx's prefix (-p), so it runs from a
// directory of its own without touching /var. The instances must trust the
// balancer's address (HM_TRUSTED_PROXIES): nginx is the edge here, so it
// replaces X-Forwarded-For with the peer's address rather than appending to
// what a client sent, which a client could otherwise forge.
func NginxConfig(upstreams []string, listen string) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("# Written by honestmeasure/internal/cluster; paths are relative to nginx -p.")
	w("daemon off;")
	w("master_process on;")
	w("worker_processes auto;")
	w("pid nginx.pid;")
	w("error_log logs/error.log warn;")
	w("events { worker_connections 4096; }")
	w("http {")
	// Which instance served each request, and how long it took there.
	w(`  log_format upstreams '$remote_addr [$time_local] "$request" $status $body_bytes_sent '`)
	w(`                       'upstream=$upstream_addr rt=$request_time urt=$upstream_response_time';`)
	w("  access_log logs/access.log upstreams buffer=64k flush=1s;")
	w("  client_body_temp_path tmp/body;")
	w("  proxy_temp_path tmp/proxy;")
	w("  fastcgi_temp_path tmp/fastcgi;")
	w("  uwsgi_temp_path tmp/uwsgi;")
	w("  scgi_temp_path tmp/scgi;")
	// The largest upload the app takes; bodies are buffered (a report's
	// photos up to 2 MB in memory, beyond that in tmp/body) so a slow phone
	// holds an nginx buffer, not an instance's connection.
	w("  client_max_body_size %d;", MaxUploadBytes())
	w("  client_body_buffer_size 2m;")
	w("  upstream honestmeasure {")
	// Round robin (nginx's default), not least_conn: an instance whose
	// database node is down answers 503 at once, and least_conn, which
	// favours whoever finishes fastest, then sends it most of the traffic
	// (TestFailoverUnderReportLoad: 769 reports taken instead of 1,778 in
	// the same 11 s). Open-source nginx only sees refused connections and
	// timeouts as failures, never a 503 to a POST.
	for _, u := range upstreams {
		// One failure takes an instance out for 5 s; requests that had not
		// reached it go to the next one (nginx never resends a POST it has
		// already sent: proxy_next_upstream lacks non_idempotent).
		w("    server %s max_fails=1 fail_timeout=5s;", u)
	}
	// Idle connections kept open to the instances, per nginx worker; the
	// instances keep idle connections for 2 minutes, longer than nginx's
	// default 60 s, so nginx is the one to close them.
	w("    keepalive 64;")
	w("  }")
	w("  server {")
	w("    listen %s;", listen)
	w("    location / {")
	w("      proxy_pass http://honestmeasure;")
	w("      proxy_http_version 1.1;")
	w(`      proxy_set_header Connection "";`)
	w("      proxy_set_header Host $http_host;")
	w("      proxy_set_header X-Forwarded-For $remote_addr;")
	w("      proxy_set_header X-Real-IP $remote_addr;")
	w("      proxy_set_header X-Forwarded-Proto $scheme;")
	w("      proxy_next_upstream error timeout http_502 http_503;")
	w("      proxy_connect_timeout 2s;")
	// The instances' own write timeout: a long upload or export is theirs
	// to cut short, not the balancer's.
	w("      proxy_read_timeout 120s;")
	w("      proxy_send_timeout 120s;")
	w("    }")
	w("  }")
	w("}")
	return b.String()
}

// Nginx is an nginx process started by StartNginx.
type Nginx struct {
	Dir  string // its prefix: nginx.conf, logs/, tmp/
	cmd  *exec.Cmd
	done chan error
}

// StartNginx writes cfg to dir/nginx.conf, runs nginx with dir as its
// prefix and waits until the address cfg listens on accepts connections.
// Run as root, the workers stay root (dir is usually a test's private
// temporary directory, which nginx's default worker user could not enter).
func StartNginx(ctx context.Context, dir, cfg string) (*Nginx, error) {
	listen, err := listenAddr(cfg)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	if os.Geteuid() == 0 {
		cfg = "user root;\n" + cfg
	}
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	prefix := strings.TrimRight(dir, "/") + "/"
	// -e: the error log from the very start, before the configuration is
	// read (otherwise nginx first opens the compiled-in /var/log path).
	cmd := exec.Command(NginxPath, "-p", prefix, "-c", "nginx.conf", "-e", "logs/error.log")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	// Should the caller die without stopping it (a test binary killed at
	// its timeout), nginx is told to quit rather than left holding the port.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGQUIT}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	n := &Nginx{Dir: dir, cmd: cmd, done: make(chan error, 1)}
	go func() { n.done <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", listen, 200*time.Millisecond); err == nil {
			c.Close()
			return n, nil
		}
		select {
		case err := <-n.done:
			n.done <- err
			return nil, fmt.Errorf("nginx exited at start (%v): %s", err, n.ErrorLog())
		case <-ctx.Done():
			_ = n.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = n.Stop()
			return nil, fmt.Errorf("nginx does not accept connections on %s after 10 s: %s", listen, n.ErrorLog())
		}
	}
}

// Stop shuts nginx down gracefully (SIGQUIT: requests in flight finish),
// killing it after 10 s.
func (n *Nginx) Stop() error {
	if n.cmd.ProcessState != nil {
		return nil
	}
	_ = n.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case err := <-n.done:
		n.done <- err
	case <-time.After(10 * time.Second):
		_ = n.cmd.Process.Kill()
		n.done <- <-n.done
		return errors.New("nginx did not stop within 10 s of SIGQUIT and was killed")
	}
	return nil
}

// Pid is the nginx master's process id (its workers are its children).
func (n *Nginx) Pid() int { return n.cmd.Process.Pid }

// ErrorLog is the tail of nginx's error log, for failure messages.
func (n *Nginx) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(n.Dir, "logs", "error.log"))
	s := strings.TrimSpace(string(b))
	if len(s) > 2000 {
		s = "…" + s[len(s)-2000:]
	}
	return s
}

// listenAddr finds the address a configuration from NginxConfig listens on.
func listenAddr(cfg string) (string, error) {
	for _, line := range strings.Split(cfg, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "listen "); ok {
			return strings.TrimSuffix(strings.Fields(rest)[0], ";"), nil
		}
	}
	return "", errors.New("nginx configuration without a listen directive")
}
