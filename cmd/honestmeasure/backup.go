package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"honestmeasure/internal/config"
	"honestmeasure/internal/database"
)

// backup copies the embedded SQLite database to a new file while the
// server keeps running (honestmeasure backup FILE), checks the copy and
// prints one line about it. MySQL and MariaDB have their own tools; the
// error says which. It neither migrates nor seeds.
func backup(ctx context.Context, cfg config.Config, log *slog.Logger, env environment, args []string) error {
	if len(args) != 1 || args[0] == "" {
		return errors.New("usage: honestmeasure backup FILE (a new file; the embedded SQLite database only)")
	}
	if cfg.Database.Driver != "sqlite" {
		return errors.New("honestmeasure backup copies the embedded SQLite database only: back up MySQL/MariaDB with mysqldump --single-transaction or mariabackup (docs/operations.md)")
	}
	// Opening a missing SQLite file would create an empty database, and
	// back that up.
	src := cfg.Database.DSN
	if src == "" {
		src = filepath.Join(cfg.DataDir, "honestmeasure.db")
	}
	if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no database at %s (HM_DB_DSN, HM_DATA_DIR): nothing to back up", src)
	}
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDB(db)
	started := time.Now()
	res, err := database.BackupSQLite(ctx, db, args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "backed up %s to %s: %d bytes, schema version %d, checked, took %s\n",
		src, res.Path, res.Bytes, res.Version, time.Since(started).Round(time.Millisecond))
	return nil
}
