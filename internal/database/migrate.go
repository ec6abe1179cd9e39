package database

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Migration is one released schema change. Its SQL is written once, with
// placeholders for the few types the two dialects spell differently, so the
// same list serves SQLite and MySQL. A released migration is never edited:
// add a new one.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// typeNames maps each placeholder to its spelling per dialect.
var typeNames = map[Dialect]*strings.Replacer{
	SQLite: strings.NewReplacer(
		"{{PK}}", "INTEGER PRIMARY KEY AUTOINCREMENT",
		"{{ID}}", "INTEGER",
		"{{TS}}", "DATETIME",
		"{{DATE}}", "DATE",
		"{{TEXT}}", "TEXT",
		"{{BLOB}}", "BLOB",
		"{{TABLE}}", "",
	),
	MySQL: strings.NewReplacer(
		"{{PK}}", "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
		"{{ID}}", "BIGINT",
		"{{TS}}", "DATETIME(3)",
		"{{DATE}}", "DATE",
		"{{TEXT}}", "MEDIUMTEXT",
		"{{BLOB}}", "MEDIUMBLOB",
		"{{TABLE}}", " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci",
	),
}

// dropIndexOn is the {{ON table}} placeholder: MySQL's DROP INDEX names the
// table, SQLite's must not.
var dropIndexOn = regexp.MustCompile(`\{\{ON (\w+)\}\}`)

// Statements renders m for dialect d, one statement per element.
func (m Migration) Statements(d Dialect) []string {
	on := ""
	if d == MySQL {
		on = " ON $1"
	}
	sql := dropIndexOn.ReplaceAllString(typeNames[d].Replace(m.SQL), on)
	var out []string
	for _, stmt := range strings.Split(sql, ";\n") {
		var lines []string
		for _, line := range strings.Split(stmt, "\n") {
			if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "--") {
				lines = append(lines, line)
			}
		}
		if s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.Join(lines, "\n")), ";")); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// LatestVersion is the schema version this binary expects.
func LatestVersion() int { return len(Migrations) }

// Version reports the schema version recorded in db (0 for an empty database).
func Version(ctx context.Context, db *gorm.DB) (int, error) {
	if !db.Migrator().HasTable("schema_migrations") {
		return 0, nil
	}
	var v int
	err := db.WithContext(ctx).Raw("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v).Error
	return v, err
}

// Migrate applies every migration newer than the recorded version, in order.
// Running it on an up-to-date database does nothing. Instances starting
// together take turns through the migration lease (lease.go), which holds
// across the nodes of a cluster: the first migrates, the others wait for it
// and then find nothing to do.
func Migrate(ctx context.Context, db *gorm.DB) (applied int, err error) {
	for i, m := range Migrations {
		if m.Version != i+1 {
			return 0, fmt.Errorf("migration list is broken: entry %d has version %d", i+1, m.Version)
		}
	}
	d := DialectOf(db)
	upToDate := func() bool {
		v, err := Version(ctx, db)
		return err == nil && v == LatestVersion()
	}
	lease, err := takeMigrateLease(ctx, db, upToDate)
	if err != nil || lease == nil {
		return 0, err
	}
	defer lease.release()
	err = db.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		create := `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER NOT NULL PRIMARY KEY,
  name VARCHAR(200) NOT NULL,
  applied_at {{TS}} NOT NULL
){{TABLE}}`
		if err := conn.Exec(typeNames[d].Replace(create)).Error; err != nil {
			return fmt.Errorf("cannot create schema_migrations: %w", err)
		}
		current, err := Version(ctx, conn)
		if err != nil {
			return err
		}
		if current > LatestVersion() {
			return fmt.Errorf("database schema version %d is newer than this program (%d): run the newer release", current, LatestVersion())
		}
		for _, m := range Migrations[current:] {
			if err := lease.check(); err != nil {
				return err
			}
			if err := apply(conn, d, m); err != nil {
				return err
			}
			applied++
		}
		return nil
	})
	return applied, err
}

// apply runs one migration. On SQLite it is atomic; MySQL commits each DDL
// statement implicitly, so there a failed migration is reported with the
// statement that failed and must be repaired by hand before retrying.
func apply(conn *gorm.DB, d Dialect, m Migration) error {
	run := func(tx *gorm.DB) error {
		for _, stmt := range m.Statements(d) {
			if err := tx.Exec(stmt).Error; err != nil {
				return fmt.Errorf("migration %d (%s) failed: %v\nstatement: %s", m.Version, m.Name, err, firstLine(stmt))
			}
		}
		return tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.Version, m.Name, time.Now().UTC()).Error
	}
	if d == SQLite {
		return conn.Transaction(run)
	}
	return run(conn)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
