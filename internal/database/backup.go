package database

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gorm.io/gorm"
)

// BackupResult describes a finished copy.
type BackupResult struct {
	Path    string // absolute
	Bytes   int64
	Version int // the copy's schema version
}

// BackupSQLite writes a consistent copy of the SQLite database db to path
// while the server runs: VACUUM INTO reads one snapshot (in WAL mode writers
// carry on meanwhile) and writes it compacted to a new file. It then opens
// the copy and checks it (PRAGMA quick_check and its schema version), so a
// copy that cannot be restored is an error now rather than on the day it is
// needed. path must not exist. MySQL and MariaDB are backed up with their
// own tools (mysqldump --single-transaction, mariabackup: docs/operations.md).
func BackupSQLite(ctx context.Context, db *gorm.DB, path string) (BackupResult, error) {
	if DialectOf(db) != SQLite {
		return BackupResult{}, errors.New("backup copies the embedded SQLite database only: back up MySQL/MariaDB with mysqldump --single-transaction or mariabackup (docs/operations.md)")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return BackupResult{}, err
	}
	if _, err := os.Lstat(abs); err == nil {
		return BackupResult{}, fmt.Errorf("%s already exists: give a new file name (an old backup is never overwritten)", abs)
	}
	// Through database/sql: GORM would log the copy as a slow query.
	sqlDB, err := db.DB()
	if err != nil {
		return BackupResult{}, err
	}
	if _, err := sqlDB.ExecContext(ctx, "VACUUM INTO ?", abs); err != nil {
		return BackupResult{}, fmt.Errorf("cannot write the backup to %s: %v", abs, err)
	}
	res := BackupResult{Path: abs}
	if fi, err := os.Stat(abs); err == nil {
		res.Bytes = fi.Size()
	}
	copyDB, err := Open(ctx, Options{Driver: "sqlite", DSN: abs, MaxOpenConns: 1})
	if err != nil {
		return res, fmt.Errorf("the backup %s was written but cannot be opened: %v", abs, err)
	}
	defer func() {
		if sqlDB, err := copyDB.DB(); err == nil {
			_ = sqlDB.Close()
		}
	}()
	var check []string
	if err := copyDB.WithContext(ctx).Raw("PRAGMA quick_check").Scan(&check).Error; err != nil {
		return res, fmt.Errorf("checking the backup %s: %v", abs, err)
	}
	if len(check) != 1 || check[0] != "ok" {
		return res, fmt.Errorf("the backup %s is damaged: %s", abs, strings.Join(check, "; "))
	}
	if res.Version, err = Version(ctx, copyDB); err != nil {
		return res, fmt.Errorf("reading the backup's schema version: %v", err)
	}
	return res, nil
}
