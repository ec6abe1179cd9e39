// Package dbtest gives tests a fresh, migrated database: a temporary SQLite
// file by default, or a throw-away database on the MySQL/MariaDB server named
// by HM_TEST_MYSQL_DSN, so the same tests run on both engines.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"honestmeasure/internal/database"
)

// EnvMySQLDSN names the variable that switches tests to MySQL/MariaDB. Its
// user needs CREATE and DROP DATABASE: each test gets its own database.
const EnvMySQLDSN = "HM_TEST_MYSQL_DSN"

// MySQLDSN returns the configured test server DSN, or "" when unset.
func MySQLDSN() string { return os.Getenv(EnvMySQLDSN) }

// Open returns a migrated empty database on the engine the environment selects.
func Open(t testing.TB) *gorm.DB {
	t.Helper()
	if MySQLDSN() != "" {
		return OpenMySQL(t)
	}
	return OpenSQLite(t)
}

// Options returns the driver and DSN of a fresh empty database on the
// selected engine, for tests that start the whole program.
func Options(t testing.TB) (driver, dsn string) {
	t.Helper()
	if MySQLDSN() != "" {
		return "mysql", freshMySQLDatabase(t)
	}
	return "sqlite", filepath.Join(t.TempDir(), "test.db")
}

// OpenSQLite returns a migrated database in a temporary file.
func OpenSQLite(t testing.TB) *gorm.DB {
	t.Helper()
	return openMigrated(t, database.Options{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "test.db")})
}

// OpenMySQL returns a migrated database created for this test on the server
// of HM_TEST_MYSQL_DSN; the test is skipped when that is unset.
func OpenMySQL(t testing.TB) *gorm.DB {
	t.Helper()
	if MySQLDSN() == "" {
		t.Skip(EnvMySQLDSN + " not set")
	}
	return openMigrated(t, database.Options{Driver: "mysql", DSN: freshMySQLDatabase(t)})
}

// OpenEmpty opens a database without migrating it.
func OpenEmpty(t testing.TB, driver, dsn string) *gorm.DB {
	t.Helper()
	db, err := database.Open(context.Background(), database.Options{Driver: driver, DSN: dsn, MaxOpenConns: 8})
	if err != nil {
		t.Fatalf("open %s: %v", driver, err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	return db
}

func openMigrated(t testing.TB, opt database.Options) *gorm.DB {
	t.Helper()
	db := OpenEmpty(t, opt.Driver, opt.DSN)
	if _, err := database.Migrate(context.Background(), db); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// freshMySQLDatabase creates hm_t_<random> and drops it when the test ends.
func freshMySQLDatabase(t testing.TB) string {
	t.Helper()
	cfg, err := mysqldrv.ParseDSN(MySQLDSN())
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQLDSN, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "hm_t_" + hex.EncodeToString(b[:])
	admin := cfg.Clone()
	admin.DBName = ""
	root := OpenEmpty(t, "mysql", admin.FormatDSN())
	if err := root.Exec(fmt.Sprintf("CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", name)).Error; err != nil {
		t.Fatalf("create test database: %v", err)
	}
	// Cleanups run last-registered first: the test's own connections (opened
	// later) are closed before this drop, and root is still open for it.
	t.Cleanup(func() { root.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS `%s`", name)) })
	cfg.DBName = name
	return cfg.FormatDSN()
}
