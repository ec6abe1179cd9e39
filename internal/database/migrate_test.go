package database_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"gorm.io/gorm"

	"honestmeasure/internal/database"
	"honestmeasure/internal/database/dbtest"
)

// shape is what must agree between engines: tables, their columns with
// nullability, and the named indexes with their columns and uniqueness.
type shape map[string][]string

func schemaShape(t *testing.T, db *gorm.DB) shape {
	t.Helper()
	out := shape{}
	add := func(table, item string) { out[table] = append(out[table], item) }
	switch database.DialectOf(db) {
	case database.SQLite:
		var tables []string
		db.Raw("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'").Scan(&tables)
		for _, tb := range tables {
			var cols []struct {
				Name    string
				NotNull int `gorm:"column:notnull"`
				Pk      int
			}
			db.Raw("SELECT name, \"notnull\", pk FROM pragma_table_info(?)", tb).Scan(&cols)
			for _, c := range cols {
				// SQLite lets PRIMARY KEY columns be NULL unless declared;
				// MySQL forces NOT NULL. Both reject NULL keys in practice.
				add(tb, fmt.Sprintf("col %s notnull=%v", c.Name, c.NotNull == 1 || c.Pk > 0))
			}
			var idx []struct {
				Name   string
				Unique int
			}
			db.Raw("SELECT name, \"unique\" FROM pragma_index_list(?) WHERE origin = 'c'", tb).Scan(&idx)
			for _, ix := range idx {
				var icols []string
				db.Raw("SELECT name FROM pragma_index_info(?) ORDER BY seqno", ix.Name).Scan(&icols)
				add(tb, fmt.Sprintf("index %s unique=%v (%s)", ix.Name, ix.Unique == 1, strings.Join(icols, ",")))
			}
		}
	case database.MySQL:
		var cols []struct {
			TableName  string
			ColumnName string
			IsNullable string
		}
		db.Raw(`SELECT table_name AS table_name, column_name AS column_name, is_nullable AS is_nullable
			FROM information_schema.columns WHERE table_schema = DATABASE()`).Scan(&cols)
		for _, c := range cols {
			add(c.TableName, fmt.Sprintf("col %s notnull=%v", c.ColumnName, c.IsNullable == "NO"))
		}
		var idx []struct {
			TableName string
			IndexName string
			NonUnique int
			Cols      string
		}
		db.Raw(`SELECT table_name AS table_name, index_name AS index_name, MIN(non_unique) AS non_unique,
			GROUP_CONCAT(column_name ORDER BY seq_in_index SEPARATOR ',') AS cols
			FROM information_schema.statistics WHERE table_schema = DATABASE() AND index_name <> 'PRIMARY'
			GROUP BY table_name, index_name`).Scan(&idx)
		for _, ix := range idx {
			add(ix.TableName, fmt.Sprintf("index %s unique=%v (%s)", ix.IndexName, ix.NonUnique == 0, ix.Cols))
		}
	}
	for tb := range out {
		sort.Strings(out[tb])
	}
	return out
}

func TestMigrateTwiceIsNoop(t *testing.T) {
	db := dbtest.Open(t) // already migrated once
	before := schemaShape(t, db)
	applied, err := database.Migrate(context.Background(), db)
	if err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if applied != 0 {
		t.Fatalf("second migrate applied %d migrations, want 0", applied)
	}
	v, err := database.Version(context.Background(), db)
	if err != nil || v != database.LatestVersion() {
		t.Fatalf("version = %d, %v; want %d", v, err, database.LatestVersion())
	}
	if after := schemaShape(t, db); !reflect.DeepEqual(before, after) {
		t.Fatalf("schema changed on second migrate")
	}
}

func TestMigrateAppliesEveryVersionOnEmptyDatabase(t *testing.T) {
	driver, dsn := dbtest.Options(t)
	db := dbtest.OpenEmpty(t, driver, dsn)
	applied, err := database.Migrate(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if applied != database.LatestVersion() {
		t.Fatalf("applied %d, want %d", applied, database.LatestVersion())
	}
	if len(schemaShape(t, db)) < 20 {
		t.Fatalf("expected the whole domain model, got tables %v", keys(schemaShape(t, db)))
	}
}

// Every index name must be prefixed idx_/ux_ with its table's name, so names
// never clash across tables on SQLite (where they are global).
func TestIndexNamesFollowConvention(t *testing.T) {
	db := dbtest.OpenSQLite(t)
	for table, items := range schemaShape(t, db) {
		for _, it := range items {
			if !strings.HasPrefix(it, "index ") {
				continue
			}
			name := strings.Fields(it)[1]
			if !strings.HasPrefix(name, "idx_"+table+"_") && !strings.HasPrefix(name, "ux_"+table+"_") {
				t.Errorf("index %s on %s does not follow idx_<table>_… / ux_<table>_…", name, table)
			}
		}
	}
}

func TestSchemaShapeIsTheSameOnSQLiteAndMySQL(t *testing.T) {
	if dbtest.MySQLDSN() == "" {
		t.Skip(dbtest.EnvMySQLDSN + " not set: nothing to compare SQLite with")
	}
	lite := schemaShape(t, dbtest.OpenSQLite(t))
	my := schemaShape(t, dbtest.OpenMySQL(t))
	if !reflect.DeepEqual(keys(lite), keys(my)) {
		t.Fatalf("tables differ:\nsqlite %v\nmysql  %v", keys(lite), keys(my))
	}
	for tb := range lite {
		// MySQL adds an index for a foreign key only when none exists; the
		// convention test above makes sure we always name our own.
		if !reflect.DeepEqual(lite[tb], my[tb]) {
			t.Errorf("table %s differs:\nsqlite %v\nmysql  %v", tb, lite[tb], my[tb])
		}
	}
}

func TestNewerDatabaseIsRefused(t *testing.T) {
	db := dbtest.Open(t)
	if err := db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', CURRENT_TIMESTAMP)", database.LatestVersion()+1).Error; err != nil {
		t.Fatal(err)
	}
	_, err := database.Migrate(context.Background(), db)
	if err == nil || !strings.Contains(err.Error(), "newer than this program") {
		t.Fatalf("err = %v, want a refusal naming the newer schema", err)
	}
}

func TestStatementsRenderPerDialect(t *testing.T) {
	m := database.Migration{Version: 1, Name: "x", SQL: "-- note\nCREATE TABLE a (\n  id {{PK}},\n  b {{BLOB}}\n){{TABLE}};\nCREATE INDEX idx_a_b ON a(b);\n"}
	lite := m.Statements(database.SQLite)
	my := m.Statements(database.MySQL)
	if len(lite) != 2 || len(my) != 2 {
		t.Fatalf("want 2 statements each, got %d and %d", len(lite), len(my))
	}
	if !strings.Contains(lite[0], "AUTOINCREMENT") || strings.Contains(lite[0], "ENGINE") {
		t.Errorf("sqlite rendering wrong: %s", lite[0])
	}
	if !strings.Contains(my[0], "AUTO_INCREMENT") || !strings.Contains(my[0], "utf8mb4") || !strings.Contains(my[0], "MEDIUMBLOB") {
		t.Errorf("mysql rendering wrong: %s", my[0])
	}
}

func keys(s shape) []string {
	var k []string
	for name := range s {
		k = append(k, name)
	}
	sort.Strings(k)
	return k
}

// Two instances starting together against two nodes of a Galera cluster
// (where GET_LOCK would hold on one node only) migrate once: one takes the
// lease and migrates, the other waits and finds nothing to do.
func TestTwoMigratorsOnTwoClusterNodesMigrateOnce(t *testing.T) {
	dsns := dbtest.GaleraNodes(t)
	dbs := []*gorm.DB{dbtest.OpenEmpty(t, "mysql", dsns[0]), dbtest.OpenEmpty(t, "mysql", dsns[1])}
	type result struct {
		applied int
		err     error
	}
	start := make(chan struct{})
	results := make(chan result, len(dbs))
	for _, db := range dbs {
		go func() {
			<-start
			n, err := database.Migrate(context.Background(), db)
			results <- result{n, err}
		}()
	}
	close(start)
	total := 0
	for range dbs {
		r := <-results
		if r.err != nil {
			t.Fatalf("migrate: %v", r.err)
		}
		total += r.applied
	}
	if total != database.LatestVersion() {
		t.Errorf("%d migrations applied in all, want %d (each once)", total, database.LatestVersion())
	}
	for i, db := range dbs {
		var rows []struct {
			Version int
			N       int
		}
		if err := db.Raw("SELECT version, COUNT(*) AS n FROM schema_migrations GROUP BY version ORDER BY version").Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != database.LatestVersion() {
			t.Errorf("node %d: %d versions recorded, want %d", i+1, len(rows), database.LatestVersion())
		}
		for _, r := range rows {
			if r.N != 1 {
				t.Errorf("node %d: version %d recorded %d times", i+1, r.Version, r.N)
			}
		}
	}
	if a, b := schemaShape(t, dbs[0]), schemaShape(t, dbs[1]); !reflect.DeepEqual(a, b) {
		t.Errorf("the nodes' schemas differ:\n%v\n%v", a, b)
	}
}
