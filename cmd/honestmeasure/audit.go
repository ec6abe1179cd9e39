package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/config"
	"honestmeasure/internal/database"
	"honestmeasure/internal/storage"
)

// anchorFlags collects repeated -anchor ID:HASH values.
type anchorFlags []audit.Anchor

func (a *anchorFlags) String() string {
	s := make([]string, len(*a))
	for i, x := range *a {
		s[i] = x.String()
	}
	return strings.Join(s, " ")
}

func (a *anchorFlags) Set(v string) error {
	x, err := audit.ParseAnchor(v)
	if err != nil {
		return err
	}
	*a = append(*a, x)
	return nil
}

// auditVerify checks the audit log's hash chain and MACs (honestmeasure
// audit verify [-anchor ID:HASH]…) and prints one line ending in the head's
// anchor, to be kept outside the database; a broken log is an error naming
// the first bad entry, so the exit status tells a cron job or an inspector
// the result. It only reads: it neither migrates nor seeds, and can run
// beside the server.
func auditVerify(ctx context.Context, cfg config.Config, log *slog.Logger, env environment, args []string) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	var anchors anchorFlags
	fs.Var(&anchors, "anchor", "ID:HASH of an entry recorded earlier (as printed after \"head\"); repeatable")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit verify takes no arguments besides -anchor, got %q", fs.Arg(0))
	}
	key, err := resolveAuditKey(cfg)
	if err != nil {
		return err
	}
	auditLog, err := audit.New(key)
	if err != nil {
		return err
	}
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
	r, err := auditLog.Verify(ctx, storage.New(db), anchors...)
	if err != nil {
		return fmt.Errorf("cannot verify the audit log: %w", err)
	}
	if err := r.Err(); err != nil {
		return err
	}
	hashOnly := ""
	if r.HashOnly > 0 {
		hashOnly = fmt.Sprintf(" (%d from before the MAC checked by hash only, vouched for by the anchor)", r.HashOnly)
	}
	if r.HeadID == 0 {
		fmt.Fprintln(env.stdout, "audit log OK: 0 entries")
		return nil
	}
	fmt.Fprintf(env.stdout, "audit log OK: %d entries%s, %d anchor(s) matched, head %s\n", r.Entries, hashOnly, len(anchors), r.Head())
	return nil
}

// resolveAuditKey returns HM_AUDIT_KEY, or in development a key derived from
// the secret (config.Validate has already refused production without one).
func resolveAuditKey(cfg config.Config) ([]byte, error) {
	if cfg.AuditKey != "" {
		return []byte(cfg.AuditKey), nil
	}
	secret, err := resolveSecret(cfg)
	if err != nil {
		return nil, err
	}
	return audit.KeyFromSecret(secret), nil
}
