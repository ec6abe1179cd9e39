// Package database opens the SQLite or MySQL/MariaDB database behind GORM and
// applies the versioned migrations. It knows nothing of the domain: queries
// live in internal/storage.
package database

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"
	sqlite "github.com/libtnb/sqlite"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	moderncsqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The embedded engine is modernc.org/sqlite (SQLite translated to Go: no cgo,
// so CGO_ENABLED=0 builds and the static Docker image keep working) behind
// the GORM dialector github.com/libtnb/sqlite. That dialector is the
// maintained continuation of github.com/glebarez/sqlite (same API and
// migrator), but it drives the upstream modernc driver directly: the SQLite
// in the binary is the one modernc.org/sqlite in go.mod carries (3.54.1 in
// v1.62.0), not the one a fork of the driver last copied (glebarez/go-sqlite
// v1.21.2: 3.41.2, March 2023). It implements gorm.ErrorTranslator on
// modernc's extended result codes, which TranslateError in Open relies on.
// Passed over: gorm.io/driver/sqlite with DriverName "sqlite" (it imports
// mattn/go-sqlite3, which compiles a second, cgo SQLite into every build that
// has a C compiler, and its Translate cannot read modernc's errors);
// glebarez/sqlite with go-sqlite v1.23.0 (still a fork, on modernc v1.55);
// github.com/ncruces/go-sqlite3 (its gormlite dialector is not served by the
// module proxy this project builds from).
// Importing the dialector also turns on, process-wide, modernc's
// StrictPragmas (a _pragma holding two statements is refused), Linux OFD
// locks and fdatasync commits (see libtnb/sqlite's init).

// Dialect names the SQL flavour; migrations render their column types from it.
type Dialect string

const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// Options selects and tunes the database.
type Options struct {
	Driver       string // "sqlite" or "mysql"
	DSN          string // empty for SQLite means DataDir/honestmeasure.db
	DataDir      string
	MaxOpenConns int // 0: 4 for SQLite, 20 for MySQL
	Logger       *slog.Logger
}

func init() {
	// The MySQL driver writes connection noise to the standard logger; the
	// caller reports the error once, in one line.
	_ = mysqldrv.SetLogger(log.New(io.Discard, "", 0))
}

// Open connects, checks the connection and returns a ready *gorm.DB.
// Errors are single sentences suitable for printing to an operator.
func Open(ctx context.Context, opt Options) (*gorm.DB, error) {
	gcfg := &gorm.Config{
		Logger:                 newGormLogger(opt.Logger),
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		// Unique-key and foreign-key violations come back as
		// gorm.ErrDuplicatedKey and gorm.ErrForeignKeyViolated on both
		// engines, whatever the driver's message says.
		TranslateError: true,
	}
	var (
		db  *gorm.DB
		err error
	)
	switch opt.Driver {
	case "sqlite":
		dsn := opt.DSN
		if dsn == "" {
			if err := EnsureWritableDir(opt.DataDir); err != nil {
				return nil, err
			}
			dsn = filepath.Join(opt.DataDir, "honestmeasure.db")
		}
		db, err = gorm.Open(sqlite.Open(sqliteDSN(dsn)), gcfg)
		if err != nil {
			return nil, fmt.Errorf("cannot open SQLite database %s: %v", dsn, err)
		}
	case "mysql":
		dsn, addr, perr := mysqlDSN(opt.DSN)
		if perr != nil {
			return nil, perr
		}
		db, err = gorm.Open(mysql.New(mysql.Config{DSN: dsn, DefaultStringSize: 255}), gcfg)
		if err != nil {
			return nil, fmt.Errorf("cannot reach the MySQL database at %s: %v", addr, rootCause(err))
		}
	default:
		return nil, fmt.Errorf("unknown database driver %q: use sqlite or mysql", opt.Driver)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	maxOpen := opt.MaxOpenConns
	switch {
	case maxOpen > 0:
	case opt.Driver == "sqlite":
		// SQLite writes one transaction at a time, and each connection
		// keeps megabytes of page cache and schema: beyond a few readers,
		// connections only cost memory.
		maxOpen = 4
	default:
		maxOpen = 20
	}
	sqlDB.SetMaxOpenConns(maxOpen)
	sqlDB.SetMaxIdleConns(maxOpen)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		if opt.Driver == "mysql" {
			_, addr, _ := mysqlDSN(opt.DSN)
			return nil, fmt.Errorf("cannot reach the MySQL database at %s: %v", addr, rootCause(err))
		}
		return nil, fmt.Errorf("cannot open SQLite database: %v", err)
	}
	return db, nil
}

// DialectOf tells which SQL flavour db speaks.
func DialectOf(db *gorm.DB) Dialect {
	if db.Dialector.Name() == "mysql" {
		return MySQL
	}
	return SQLite
}

// sqliteDSN adds the settings every connection needs: foreign keys enforced,
// WAL so readers never wait for the writer, a busy timeout instead of
// instant "database is locked", and IMMEDIATE transactions so two writers
// queue up rather than deadlock on lock upgrade. Times are written in UTC as
// "2006-01-02 15:04:05.999999999+00:00" (the format the database has always
// held, so text comparisons and ORDER BY stay chronological whatever zone a
// caller's time.Time carries) and read back in UTC; as before, only columns
// declared DATE/DATETIME/TIMESTAMP are parsed into time.Time (_texttotime=0
// and _inttotime=0 override the dialector's defaults, which would also turn
// date-shaped expression results and integers into times).
func sqliteDSN(path string) string {
	if strings.HasPrefix(path, "file:") || strings.Contains(path, "?") {
		return path
	}
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	q.Set("_timezone", "UTC")
	q.Set("_texttotime", "0")
	q.Set("_inttotime", "0")
	return "file:" + path + "?" + q.Encode()
}

// mysqlDSN forces the settings the schema depends on: utf8mb4 for Chinese
// text, times parsed into time.Time in UTC, and a bounded dial timeout so an
// unreachable server is reported instead of hanging start-up.
//
// It also has the driver interpolate arguments into the SQL text itself
// (InterpolateParams), so that each statement is one COM_QUERY. By default a
// statement with arguments is sent as three commands — prepare, execute,
// close — and on a Galera cluster that lost transactions' atomicity: when
// another node's write set aborted a transaction (a brute-force abort)
// while one of those commands was under way, the client did not always
// get the 1213 on the statement that followed. The server had rolled the
// transaction back, so the statements after it ran, and committed, one by
// one in autocommit mode, while the caller went on and retried. Measured
// with TestAuditAppendsRaceAcrossClusterNodes (24 appenders on 3 nodes): in 3
// runs of 6 the log held entries of attempts reported as failed (one event
// stored two or three times) and two entries with the same prev_hash; with
// interpolation, none in 9. (A directed test shows the autocommit part: after
// a 1213 the session is outside any transaction. Aborts landing while the
// client is idle before a prepare, or between a prepare and its execute,
// were reported correctly; which step loses the error was not pinned down.)
// Interpolation is also one round trip instead of three. It is safe here:
// the connection's character set is utf8mb4, and the driver escapes
// according to the server's NO_BACKSLASH_ESCAPES flag. Statements prepared
// explicitly (storage.ScanStamp's) are still prepared on the server; they
// are single reads outside any transaction.
func mysqlDSN(dsn string) (string, string, error) {
	c, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return "", "", fmt.Errorf("HM_DB_DSN is not a valid MySQL DSN (user:password@tcp(host:3306)/dbname): %v", err)
	}
	c.ParseTime = true
	c.Loc = time.UTC
	c.Collation = "utf8mb4_unicode_ci"
	c.InterpolateParams = true
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	// Sessions compare and store in UTC regardless of the server's zone.
	c.Params["time_zone"] = "'+00:00'"
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Second
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = 30 * time.Second
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = 30 * time.Second
	}
	addr := c.Net + "(" + c.Addr + ")/" + c.DBName
	return c.FormatDSN(), addr, nil
}

func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// EnsureWritableDir creates dir if needed and proves a file can be written
// in it, so an unwritable data folder is reported at start-up by name.
func EnsureWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("data folder %q cannot be created: %v", dir, rootCause(err))
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("data folder %q is not writable: %v", dir, rootCause(err))
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}

// Ping checks that the database answers within the context's deadline; it
// backs /readyz.
func Ping(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

type gormSlog struct{ l *slog.Logger }

func (g gormSlog) Printf(format string, args ...any) {
	g.l.Warn(strings.TrimSpace(fmt.Sprintf(format, args...)), "component", "gorm")
}

func newGormLogger(l *slog.Logger) logger.Interface {
	if l == nil {
		return logger.Discard
	}
	return logger.New(gormSlog{l}, logger.Config{
		SlowThreshold:             500 * time.Millisecond,
		LogLevel:                  logger.Warn,
		IgnoreRecordNotFoundError: true,
		ParameterizedQueries:      true, // never write reporters' data into logs
		Colorful:                  false,
	})
}

// IsUnavailable reports whether err means the database could not be reached
// (as opposed to a bad query): the UI answers those with 503 "not saved, try
// again" instead of 500. A conflict storage.Tx gave up retrying is one too:
// nothing was written, and the same request a moment later normally goes
// through.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if IsRetryable(err) {
		return true
	}
	var me *mysqldrv.MySQLError
	if errors.As(err, &me) && me.Number == 1047 {
		// A Galera node outside the primary component ("WSREP has not yet
		// prepared node for application use") refuses every statement
		// until it rejoins.
		return true
	}
	var se *moderncsqlite.Error
	if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED) {
		return true // busy beyond the busy timeout
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysqldrv.ErrInvalidConn) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "database is locked") ||
		strings.Contains(msg, "sql: database is closed") || strings.Contains(msg, "invalid connection")
}
