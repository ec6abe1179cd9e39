package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"honestmeasure/internal/intake"
)

func TestNginxConfigShape(t *testing.T) {
	cfg := NginxConfig([]string{"127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"}, "127.0.0.1:8088")
	for _, want := range []string{
		"daemon off;", "master_process on;", "pid nginx.pid;",
		"upstream honestmeasure {", "keepalive 64;",
		"server 127.0.0.1:9001 ", "server 127.0.0.1:9002 ", "server 127.0.0.1:9003 ",
		"listen 127.0.0.1:8088;", "proxy_pass http://honestmeasure;",
		"proxy_http_version 1.1;", "upstream=$upstream_addr", `proxy_set_header Connection "";`,
		"proxy_set_header X-Forwarded-For $remote_addr;", "proxy_set_header X-Real-IP $remote_addr;",
		fmt.Sprintf("client_max_body_size %d;", MaxUploadBytes()),
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("configuration lacks %q:\n%s", want, cfg)
		}
	}
	if MaxUploadBytes() < intake.MaxReportBody {
		t.Errorf("largest upload %d is smaller than a report's limit %d", MaxUploadBytes(), intake.MaxReportBody)
	}
	// Nothing outside the prefix: every path nginx writes is relative.
	paths := regexp.MustCompile(`(?m)^\s*(pid|error_log|access_log|\w+_temp_path)\s+(\S+)`)
	found := paths.FindAllStringSubmatch(cfg, -1)
	if len(found) != 8 {
		t.Errorf("found %d path directives, want pid, two logs and five temporary paths", len(found))
	}
	for _, m := range found {
		if strings.HasPrefix(m[2], "/") {
			t.Errorf("%s %s is absolute: nginx -p would write outside its directory", m[1], m[2])
		}
	}
	if strings.Count(cfg, "{") != strings.Count(cfg, "}") {
		t.Errorf("unbalanced braces:\n%s", cfg)
	}
}

// TestNginxBalancesAndNamesTheClient runs nginx in front of two receivers:
// both get requests, each sees the client's address in X-Forwarded-For
// (not what the client wrote there), and a body the size of a report with
// five photos passes.
func TestNginxBalancesAndNamesTheClient(t *testing.T) {
	if _, err := os.Stat(NginxPath); err != nil {
		t.Skip("no nginx at " + NginxPath)
	}
	var mu sync.Mutex
	hits := map[string]int{}
	forwarded := map[string]bool{}
	var upstreams []string
	for i := range 2 {
		name := fmt.Sprintf("instance-%d", i+1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n, _ := io.Copy(io.Discard, r.Body)
			mu.Lock()
			hits[name]++
			forwarded[r.Header.Get("X-Forwarded-For")] = true
			mu.Unlock()
			fmt.Fprintf(w, "%s %d", name, n)
		}))
		t.Cleanup(srv.Close)
		upstreams = append(upstreams, strings.TrimPrefix(srv.URL, "http://"))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close()
	ng, err := StartNginx(context.Background(), t.TempDir(), NginxConfig(upstreams, listen))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ng.Stop(); err != nil {
			t.Error(err)
		}
	})

	for range 10 {
		req, _ := http.NewRequest(http.MethodGet, "http://"+listen+"/q/x", nil)
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	body := bytes.Repeat([]byte("x"), int(intake.MaxReportBody)-1024)
	resp, err := http.Post("http://"+listen+"/api/v1/reports", "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasSuffix(string(got), fmt.Sprint(len(body))) {
		t.Errorf("a %d-byte body: status %d, %q", len(body), resp.StatusCode, got)
	}
	mu.Lock()
	defer mu.Unlock()
	if hits["instance-1"] == 0 || hits["instance-2"] == 0 {
		t.Errorf("requests per instance %v: nginx did not balance", hits)
	}
	if len(forwarded) != 1 || !forwarded["127.0.0.1"] {
		t.Errorf("X-Forwarded-For seen by the instances: %v, want only the client's address 127.0.0.1", forwarded)
	}
}
