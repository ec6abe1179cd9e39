package main

import (
	"context"
	"fmt"
	"log/slog"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/config"
	"honestmeasure/internal/database"
	"honestmeasure/internal/storage"
)

// auditVerify checks the audit log's hash chain (honestmeasure audit verify)
// and prints one line; a broken chain is an error naming the first bad
// entry, so the exit status tells a cron job or an inspector the result. It
// only reads: it neither migrates nor seeds, and can run beside the server.
func auditVerify(ctx context.Context, cfg config.Config, log *slog.Logger, env environment) error {
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDB(db)
	v, err := database.Version(ctx, db)
	if err != nil {
		return err
	}
	if v < database.LatestVersion() {
		return fmt.Errorf("database schema version %d is older than this program (%d): run honestmeasure migrate first", v, database.LatestVersion())
	}
	r, err := audit.Verify(ctx, storage.New(db))
	if err != nil {
		return fmt.Errorf("cannot verify the audit log: %w", err)
	}
	if err := r.Err(); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "audit log OK: %d entries, head %s\n", r.Entries, r.HeadHash[:12])
	return nil
}
