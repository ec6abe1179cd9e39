package main

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"honestmeasure/internal/database"
	"honestmeasure/internal/model"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestMetricsOnTheirOwnListener: with HM_METRICS_ADDR the program serves
// /metrics there, and the public listener knows nothing of it.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	vars := testVars(t)
	metricsAddr := freeAddr(t)
	vars["HM_METRICS_ADDR"] = metricsAddr
	base, logs, stop := startServer(t, vars)
	get(t, base+"/")
	if code, _, _ := get(t, base+"/metrics"); code != http.StatusNotFound {
		t.Errorf("public listener answers /metrics with %d", code)
	}
	code, body, _ := get(t, "http://"+metricsAddr+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics = %d\n%s", code, logs)
	}
	for _, want := range []string{`honestmeasure_http_requests_total{code="200",method="GET",route="/"} 1`,
		`route="unmatched"`, "go_sql_open_connections", "honestmeasure_outbox_pending", "honestmeasure_build_info"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if code, _, _ := get(t, "http://"+metricsAddr+"/"); code != http.StatusNotFound {
		t.Errorf("metrics listener answers / with %d", code)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestBackupWhileServing copies the SQLite database of a running server,
// and the copy opens with the data in it.
func TestBackupWhileServing(t *testing.T) {
	vars := testVars(t)
	if vars["HM_DB_DRIVER"] != "sqlite" {
		t.Skip("backup copies SQLite only")
	}
	vars["HM_DEMO"] = "1"
	vars["HM_DB_DSN"] = filepath.Join(vars["HM_DATA_DIR"], "live.db")
	_, _, stop := startServer(t, vars)
	defer stop()

	file := filepath.Join(t.TempDir(), "copy.db")
	var out syncBuffer
	env := environment{args: []string{"backup", file}, getenv: envFrom(vars), stdout: &out, stderr: &out}
	if err := run(context.Background(), env); err != nil {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "backed up") || !strings.Contains(out.String(), "checked") {
		t.Errorf("backup said %q", out.String())
	}
	copyDB, err := database.Open(context.Background(), database.Options{Driver: "sqlite", DSN: file})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB(copyDB)
	var live, copied int64
	copyDB.Model(&model.Unit{}).Count(&copied)
	liveDB, err := database.Open(context.Background(), database.Options{Driver: "sqlite", DSN: vars["HM_DB_DSN"]})
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB(liveDB)
	liveDB.Model(&model.Unit{}).Count(&live)
	if copied == 0 || copied != live {
		t.Errorf("units: %d in the copy, %d live", copied, live)
	}

	// Never over an existing file; never of MySQL; never of nothing.
	env.args = []string{"backup", file}
	if err := run(context.Background(), env); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	mysqlVars := map[string]string{"HM_DB_DRIVER": "mysql", "HM_DB_DSN": "hm:hm@tcp(127.0.0.1:1)/x"}
	if err := run(context.Background(), environment{args: []string{"backup", file + "2"}, getenv: envFrom(mysqlVars), stdout: &out, stderr: &out}); err == nil ||
		!strings.Contains(err.Error(), "mysqldump --single-transaction") {
		t.Errorf("backup of MySQL: %v", err)
	}
	noneVars := map[string]string{"HM_DATA_DIR": t.TempDir()}
	if err := run(context.Background(), environment{args: []string{"backup", file + "3"}, getenv: envFrom(noneVars), stdout: &out, stderr: &out}); err == nil ||
		!strings.Contains(err.Error(), "nothing to back up") {
		t.Errorf("backup of no database: %v", err)
	}
}
