package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
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
	cfg, err := config.Load("", envFrom(vars))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var out bytes.Buffer
	verify := func() error {
		out.Reset()
		return auditVerify(ctx, cfg, log, environment{getenv: envFrom(vars), stdin: strings.NewReader(""), stdout: &out, stderr: &out})
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
	if err := verify(); err != nil || out.String() != "audit log OK: 0 entries, head 000000000000\n" {
		t.Fatalf("empty log: %v %q", err, out.String())
	}
	officer := int64(7)
	for i, ev := range []audit.Event{
		{ActorID: &officer, Actor: "officer@example.org", Action: audit.ActionLogin, IP: "127.0.0.1"},
		{ActorID: &officer, Actor: "officer@example.org", Action: audit.ActionCaseStatus, ObjectType: audit.ObjectCase, ObjectID: "JB202600001",
			Before: map[string]string{"status": "待受理"}, After: map[string]string{"status": "已立案"}},
		{Actor: "citizen", Action: audit.ActionCaseReply, ObjectType: audit.ObjectCase, ObjectID: "JB202600001"},
	} {
		if err := audit.Record(ctx, st, ev); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	_, head, err := st.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(); err != nil || out.String() != "audit log OK: 3 entries, head "+head[:12]+"\n" {
		t.Fatalf("intact log: %v %q", err, out.String())
	}

	es, err := st.AuditEntries(ctx, 0, 10)
	if err != nil || len(es) != 3 {
		t.Fatalf("entries: %v %d", err, len(es))
	}
	if err := db.Exec("UPDATE audit_log SET after_json = ? WHERE id = ?", `{"status":"不予立案"}`, es[1].ID).Error; err != nil {
		t.Fatal(err)
	}
	err = verify()
	want := fmt.Sprintf("audit log altered at entry %d: ", es[1].ID)
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") || out.Len() != 0 {
		t.Fatalf("altered log: err = %v, stdout %q; want one line starting %q", err, out.String(), want)
	}
}
