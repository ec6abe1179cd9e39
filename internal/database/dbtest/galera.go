package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"gorm.io/gorm"

	"honestmeasure/internal/database"
)

// EnvGaleraDSNs names the variable that turns on the cluster tests: one DSN
// per node of a running Galera cluster, comma-separated (.ci/galera dsns
// prints it). Its user needs CREATE and DROP DATABASE, like HM_TEST_MYSQL_DSN.
const EnvGaleraDSNs = "HM_TEST_GALERA_DSNS"

// GaleraDSNs returns the configured node DSNs, or nil when unset.
func GaleraDSNs() []string {
	v := strings.TrimSpace(os.Getenv(EnvGaleraDSNs))
	if v == "" {
		return nil
	}
	var out []string
	for _, d := range strings.Split(v, ",") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// GaleraNodes creates an empty database for this test on the cluster of
// HM_TEST_GALERA_DSNS and returns one DSN per node, each naming that
// database; the test is skipped when the variable is unset. The database is
// created through the first node and the call waits until every node sees
// it (DDL replicates in total order, but a node applies it when it gets to
// it). It is dropped when the test ends. Nothing is migrated: tests that
// race migrations start from nothing; others use OpenGalera.
func GaleraNodes(t testing.TB) []string {
	t.Helper()
	nodes := GaleraDSNs()
	if len(nodes) == 0 {
		t.Skip(EnvGaleraDSNs + " not set")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	out, err := database.CreateOnNodes(context.Background(), nodes, "hm_g_"+hex.EncodeToString(b[:]))
	if err != nil {
		t.Fatalf("create cluster test database: %v", err)
	}
	// Cleanups run last-registered first: the test's own connections
	// (opened later) are closed before this drop.
	t.Cleanup(func() { _ = database.DropDatabase(context.Background(), out[0]) })
	return out
}

// OpenGalera returns a migrated database on the cluster, opened once per
// node (index i talks to node i+1). Skipped when HM_TEST_GALERA_DSNS is unset.
func OpenGalera(t testing.TB) []*gorm.DB {
	t.Helper()
	dsns := GaleraNodes(t)
	dbs := make([]*gorm.DB, len(dsns))
	for i, dsn := range dsns {
		dbs[i] = OpenEmpty(t, "mysql", dsn)
	}
	if _, err := database.Migrate(context.Background(), dbs[0]); err != nil {
		t.Fatalf("migrate on node 1: %v", err)
	}
	return dbs
}
