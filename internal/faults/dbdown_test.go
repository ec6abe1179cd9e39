package faults

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"honestmeasure/internal/database/dbtest"
)

// proxy forwards TCP to the database and can be cut and restored, which
// from the program's side is the database going away and coming back,
// without disturbing other tests that share the server.
type proxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{addr: freePort(t), target: target, conns: map[net.Conn]bool{}}
	p.up(t)
	t.Cleanup(p.down)
	return p
}

func (p *proxy) up(t *testing.T) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
}

func (p *proxy) pipe(c net.Conn) {
	d, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[d] = true, true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(d, c); d.Close() }()
	_, _ = io.Copy(c, d)
	c.Close()
}

// down refuses new connections and cuts the open ones.
func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

// TestDatabaseStoppedDuringLoad: while the database is unreachable every
// submission gets a clear 503 ("not saved, try again"), /readyz fails and
// nothing claims success; when it is back the same process recovers.
func TestDatabaseStoppedDuringLoad(t *testing.T) {
	if dbtest.MySQLDSN() == "" {
		t.Skip("needs a database server to stop: set " + dbtest.EnvMySQLDSN + " (the embedded SQLite cannot go away)")
	}
	_, dsn := dbtest.Options(t)
	cfg, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, cfg.Addr)
	cfg.Addr = px.addr
	cfg.Timeout = 2 * time.Second
	env := baseEnv(t)
	for i, kv := range env {
		if strings.HasPrefix(kv, "HM_DB_DSN=") {
			env[i] = "HM_DB_DSN=" + cfg.FormatDSN()
		}
		if strings.HasPrefix(kv, "HM_DB_DRIVER=") {
			env[i] = "HM_DB_DRIVER=mysql"
		}
	}
	srv := start(t, env)
	client := &http.Client{Timeout: 20 * time.Second}
	jpg := photo(t)
	ctx := context.Background()
	created := 0
	for i := 0; i < 5; i++ {
		code, tr, err := submit(ctx, client, srv.url, 1000+i, jpg)
		if err != nil || code != http.StatusCreated || tr == "" {
			t.Fatalf("before the outage: %d %v", code, err)
		}
		created++
	}

	px.down()
	for i := 0; i < 5; i++ {
		code, tr, err := submit(ctx, client, srv.url, 2000+i, jpg)
		if err != nil {
			t.Fatalf("during the outage the server must answer, got %v", err)
		}
		if code != http.StatusServiceUnavailable || tr != "" {
			t.Fatalf("during the outage: status %d tracking %q, want 503 and nothing", code, tr)
		}
	}
	// The web form says so in words, and readiness fails.
	form := url.Values{"kind": {"tip"}, "category": {"short_weight"}, "district_id": {"1"}, "business_name": {"某摊位"},
		"business_address": {"某市场"}, "incident_at": {"2026-11-20T09:30"}, "description": {"称重不足，少了二两。"},
		"idempotency_key": {"form-during-outage-0001"}}
	resp, err := client.PostForm(srv.url+"/report", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode < 500 || !strings.Contains(string(body), "没有保存") || strings.Contains(string(body), "已收到您的举报") {
		t.Fatalf("report form during the outage: %d\n%s", resp.StatusCode, body)
	}
	if r, err := http.Get(srv.url + "/readyz"); err != nil || r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz during the outage: %v %v", r, err)
	}
	if r, err := http.Get(srv.url + "/healthz"); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("/healthz during the outage: %v %v", r, err)
	}

	// Back again: the same process recovers, no restart.
	px.up(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := http.Get(srv.url + "/readyz")
		if err == nil && r.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready 30 s after the database came back\n%s", srv.logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for i := 0; i < 5; i++ {
		code, tr, err := submit(ctx, client, srv.url, 3000+i, jpg)
		if err != nil || code != http.StatusCreated || tr == "" {
			t.Fatalf("after the outage: %d %v", code, err)
		}
		created++
	}
	db := dbtest.OpenEmpty(t, "mysql", dsn)
	var rows int64
	db.Table("reports").Count(&rows)
	if rows != int64(created) {
		t.Fatalf("%d reports stored, %d answered 201", rows, created)
	}
	if srv.cmd.ProcessState != nil {
		t.Fatal("the server exited during the outage")
	}
}
