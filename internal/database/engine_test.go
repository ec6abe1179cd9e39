package database_test

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/database"
	"honestmeasure/internal/database/dbtest"
)

// probe is a throw-away table for the engine tests, created with the
// migrations' own type placeholders so it is what a real table would be.
type probe struct {
	ID    int64
	Code  string
	At    time.Time
	Plain *time.Time
}

func (probe) TableName() string { return "engine_probe" }

func probeTable(t *testing.T, db *gorm.DB) {
	t.Helper()
	m := database.Migration{Version: 1, Name: "probe", SQL: `
CREATE TABLE engine_probe (
  id {{PK}},
  code VARCHAR(40) NOT NULL,
  at {{TS}} NOT NULL,
  plain {{TS}} NULL
){{TABLE}};
CREATE UNIQUE INDEX ux_engine_probe_code ON engine_probe(code);
CREATE TABLE engine_probe_child (
  id {{PK}},
  probe_id {{ID}} NOT NULL,
  FOREIGN KEY (probe_id) REFERENCES engine_probe(id)
){{TABLE}};
`}
	for _, stmt := range m.Statements(database.DialectOf(db)) {
		if err := db.Exec(stmt).Error; err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}

// A time in another zone, with a sub-second part, comes back as the same
// instant in UTC on both engines (milliseconds: MySQL's DATETIME(3)), and is
// stored in UTC, so comparisons with times bound in any zone are right.
func TestTimesRoundTripInUTC(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t).WithContext(ctx)
	probeTable(t, db)

	shanghai := time.FixedZone("CST", 8*3600)
	written := time.Date(2026, 3, 2, 4, 30, 15, 123_000_000, shanghai) // 2026-03-01 20:30:15.123 UTC
	in := probe{Code: "zoned", At: written}
	if err := db.Create(&in).Error; err != nil {
		t.Fatal(err)
	}
	var out probe
	if err := db.Take(&out, in.ID).Error; err != nil {
		t.Fatal(err)
	}
	if !out.At.Equal(written) {
		t.Errorf("read %v, wrote %v: not the same instant", out.At, written)
	}
	if out.At.Location() != time.UTC {
		t.Errorf("read back in %v, want UTC", out.At.Location())
	}
	if database.DialectOf(db) == database.SQLite {
		var text string
		if err := db.Raw("SELECT CAST(at AS TEXT) FROM engine_probe WHERE id = ?", in.ID).Scan(&text).Error; err != nil {
			t.Fatal(err)
		}
		if want := "2026-03-01 20:30:15.123+00:00"; text != want {
			t.Errorf("stored as %q, want %q (UTC, the format the database has always held)", text, want)
		}
	}
	// Bound in another zone again, as a filter: equal, earlier and later.
	var n int64
	db.Model(&probe{}).Where("at = ?", written.In(time.FixedZone("EST", -5*3600))).Count(&n)
	if n != 1 {
		t.Errorf("WHERE at = the same instant in another zone matched %d rows, want 1", n)
	}
	db.Model(&probe{}).Where("at < ?", written.Add(time.Millisecond).In(shanghai)).Count(&n)
	if n != 1 {
		t.Errorf("WHERE at < a millisecond later matched %d rows, want 1", n)
	}
	db.Model(&probe{}).Where("at > ?", written.Add(-time.Hour).In(shanghai)).Count(&n)
	if n != 1 {
		t.Errorf("WHERE at > an hour earlier (written in +08:00) matched %d rows, want 1", n)
	}
	db.Model(&probe{}).Where("at > ?", written.Add(time.Hour).UTC()).Count(&n)
	if n != 0 {
		t.Errorf("WHERE at > an hour later matched %d rows, want 0", n)
	}
}

// A plain DATETIME written by SQL itself ("YYYY-MM-DD HH:MM:SS", what
// CURRENT_TIMESTAMP gives) reads as that wall time in UTC and compares
// correctly with bound times.
func TestPlainDatetimeReadsAsUTC(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t).WithContext(ctx)
	probeTable(t, db)

	if err := db.Exec("INSERT INTO engine_probe (code, at, plain) VALUES ('plain', '2026-03-01 12:30:15', '2026-03-01 12:30:15')").Error; err != nil {
		t.Fatal(err)
	}
	var out probe
	if err := db.Where("code = ?", "plain").Take(&out).Error; err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 3, 1, 12, 30, 15, 0, time.UTC)
	for name, got := range map[string]*time.Time{"at": &out.At, "plain": out.Plain} {
		if got == nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s = %v, want %v in UTC", name, got, want)
		}
	}
	shanghai := time.FixedZone("CST", 8*3600)
	for _, c := range []struct {
		cond string
		arg  time.Time
		want int64
	}{
		{"plain < ?", want.Add(time.Second).In(shanghai), 1},
		{"plain > ?", want.Add(-time.Second).In(shanghai), 1},
		{"plain > ?", want.Add(time.Second), 0},
		{"plain < ?", want.Add(-time.Second), 0},
		{"plain BETWEEN ? AND ?", want.Add(-time.Minute), 1},
	} {
		args := []any{c.arg}
		if strings.Contains(c.cond, "BETWEEN") {
			args = append(args, want.Add(time.Minute).In(shanghai))
		}
		var n int64
		if err := db.Model(&probe{}).Where(c.cond, args...).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != c.want {
			t.Errorf("WHERE %s (%v) matched %d rows, want %d", c.cond, c.arg, n, c.want)
		}
	}
	// A time written through GORM sorts with the plain one chronologically.
	later := probe{Code: "later", At: want.Add(500 * time.Millisecond).In(shanghai)}
	if err := db.Create(&later).Error; err != nil {
		t.Fatal(err)
	}
	var codes []string
	db.Model(&probe{}).Order("at DESC").Pluck("code", &codes)
	if strings.Join(codes, ",") != "later,plain" {
		t.Errorf("ORDER BY at DESC = %v, want later, plain", codes)
	}
}

// With TranslateError both engines report constraint violations as GORM's
// errors, which storage maps to its own (ErrDuplicate).
func TestConstraintViolationsAreTranslated(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t).WithContext(ctx)
	probeTable(t, db)
	now := time.Now().UTC()
	if err := db.Create(&probe{Code: "taken", At: now}).Error; err != nil {
		t.Fatal(err)
	}
	err := db.Create(&probe{Code: "taken", At: now}).Error
	if !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Errorf("duplicate code: %v, want gorm.ErrDuplicatedKey", err)
	}
	err = db.Exec("INSERT INTO engine_probe_child (probe_id) VALUES (?)", 999999).Error
	if !errors.Is(err, gorm.ErrForeignKeyViolated) {
		t.Errorf("dangling foreign key: %v, want gorm.ErrForeignKeyViolated", err)
	}
	var missing probe
	if err := db.Where("code = ?", "nobody").Take(&missing).Error; !errors.Is(err, gorm.ErrRecordNotFound) {
		t.Errorf("missing row: %v, want gorm.ErrRecordNotFound", err)
	}
}

// The connection settings of sqliteDSN hold on every pooled connection.
func TestSQLiteConnectionSettings(t *testing.T) {
	ctx := context.Background()
	db := dbtest.OpenSQLite(t).WithContext(ctx)
	var version string
	if err := db.Raw("SELECT sqlite_version()").Scan(&version).Error; err != nil {
		t.Fatal(err)
	}
	t.Logf("SQLite %s", version)
	if parts := strings.SplitN(version, ".", 3); len(parts) < 2 || parts[0] != "3" || atoi(parts[1]) < 50 {
		t.Errorf("SQLite %s: the embedded engine went back to an old release", version)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	// Hold several connections at once so the checks do not all land on one.
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range 3 {
		c, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000", "synchronous": "1"} {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
			}
		}
	}
	// Transactions begin IMMEDIATE: an open one, even before it writes,
	// keeps another writer out, which then reports the database as busy.
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	other := conns[0]
	if _, err := other.ExecContext(ctx, "PRAGMA busy_timeout = 50"); err != nil {
		t.Fatal(err)
	}
	_, err = other.ExecContext(ctx, "BEGIN IMMEDIATE")
	if err == nil {
		_, _ = other.ExecContext(ctx, "ROLLBACK")
		t.Fatal("a second writer began while a transaction was open: transactions are not IMMEDIATE")
	}
	if !database.IsUnavailable(err) {
		t.Errorf("busy error %v is not reported as unavailable", err)
	}
	// Give the connection back to the pool as the others are.
	if _, err := other.ExecContext(ctx, "PRAGMA busy_timeout = 10000"); err != nil {
		t.Fatal(err)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
