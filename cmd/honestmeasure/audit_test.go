package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/config"
	"honestmeasure/internal/database"
	"honestmeasure/internal/storage"
)

func TestAuditVerifyCommand(t *testing.T) {
	ctx := context.Background()
	vars := testVars(t)
	vars["HM_AUDIT_KEY"] = "audit-key-of-this-deployment-0123456789"
	cfg, err := config.Load("", envFrom(vars))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var out bytes.Buffer
	verify := func(args ...string) error {
		out.Reset()
		return auditVerify(ctx, cfg, log, environment{getenv: envFrom(vars), stdin: strings.NewReader(""), stdout: &out, stderr: &out}, args)
	}

	if err := verify(); err == nil || !strings.Contains(err.Error(), "run honestmeasure migrate first") {
		t.Fatalf("unmigrated database: err = %v", err)
	}

	db, err := openDB(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB(db)
	if _, err := database.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	st := storage.New(db)
	if err := verify(); err != nil || out.String() != "audit log OK: 0 entries\n" {
		t.Fatalf("empty log: %v %q", err, out.String())
	}
	auditLog, err := audit.New([]byte(vars["HM_AUDIT_KEY"]))
	if err != nil {
		t.Fatal(err)
	}
	officer := int64(7)
	for i, ev := range []audit.Event{
		{ActorID: &officer, Actor: "officer@example.org", Action: audit.ActionLogin, IP: "127.0.0.1"},
		{ActorID: &officer, Actor: "officer@example.org", Action: audit.ActionCaseStatus, ObjectType: audit.ObjectCase, ObjectID: "JB202600001",
			Before: map[string]string{"status": "待受理"}, After: map[string]string{"status": "已立案"}},
		{Actor: "citizen", Action: audit.ActionCaseReply, ObjectType: audit.ObjectCase, ObjectID: "JB202600001"},
	} {
		if err := auditLog.Record(ctx, st, ev); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	headID, head, err := st.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	anchor := fmt.Sprintf("%d:%s", headID, head)
	if err := verify(); err != nil || out.String() != "audit log OK: 3 entries, 0 anchor(s) matched, head "+anchor+"\n" {
		t.Fatalf("intact log: %v %q", err, out.String())
	}
	if err := verify("-anchor", anchor); err != nil || !strings.Contains(out.String(), "1 anchor(s) matched") {
		t.Fatalf("with its anchor: %v %q", err, out.String())
	}
	if err := verify("-anchor", "3:nothex"); err == nil || !strings.Contains(err.Error(), "an anchor is an entry id") {
		t.Fatalf("bad anchor: %v", err)
	}

	// Someone with write access to the database changes entry 2 and
	// recomputes its plain hash, the next entry's link and the head: the
	// chain is consistent again, the MAC is not.
	es, err := st.AuditEntries(ctx, 0, 10)
	if err != nil || len(es) != 3 {
		t.Fatalf("entries: %v %d", err, len(es))
	}
	forged := `{"status":"不予立案"}`
	es[1].AfterJSON = &forged
	prev := es[0].Hash
	for i := 1; i < 3; i++ {
		es[i].PrevHash = prev
		es[i].Hash = audit.Hash(prev, &es[i])
		prev = es[i].Hash
		if err := db.Exec("UPDATE audit_log SET after_json = ?, prev_hash = ?, hash = ? WHERE id = ?", es[i].AfterJSON, es[i].PrevHash, es[i].Hash, es[i].ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Exec("UPDATE audit_head SET last_hash = ? WHERE id = 1", prev).Error; err != nil {
		t.Fatal(err)
	}
	err = verify()
	want := fmt.Sprintf("audit log altered at entry %d: its MAC does not match", es[1].ID)
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") || out.Len() != 0 {
		t.Fatalf("altered log: err = %v, stdout %q; want one line starting %q", err, out.String(), want)
	}

	// Verified under another key, the first entry is already wrong.
	vars["HM_AUDIT_KEY"] = "some-other-key-0123456789-abcdefghijkl"
	cfg.AuditKey = vars["HM_AUDIT_KEY"]
	if err := verify(); err == nil || !strings.HasPrefix(err.Error(), fmt.Sprintf("audit log altered at entry %d: its MAC does not match", es[0].ID)) {
		t.Fatalf("other key: %v", err)
	}
}

// In development, without HM_AUDIT_KEY, the server and audit verify agree on
// a key derived from the development secret; a different key fails.
func TestDevelopmentAuditKeyComesFromTheSecret(t *testing.T) {
	vars := testVars(t)
	base, _, stop := startServer(t, vars)
	resp, err := http.PostForm(base+"/login", url.Values{"login": {"nobody@example.org"}, "password": {"wrong-password"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("failed login: %d", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	run := func() error {
		out.Reset()
		return run(context.Background(), environment{args: []string{"audit", "verify"}, getenv: envFrom(vars), stdin: strings.NewReader(""), stdout: &out, stderr: &out})
	}
	if err := run(); err != nil || !strings.HasPrefix(out.String(), "audit log OK: 1 entries") {
		t.Fatalf("verify with the derived key: %v %q", err, out.String())
	}
	vars["HM_AUDIT_KEY"] = "not-the-key-the-server-used-0123456789"
	if err := run(); err == nil || !strings.Contains(err.Error(), "its MAC does not match") {
		t.Fatalf("verify with another key: %v %q", err, out.String())
	}
}
