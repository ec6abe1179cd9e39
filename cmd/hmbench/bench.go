package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"gorm.io/gorm"

	"honestmeasure/configs"
	"honestmeasure/internal/database"
	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/storage"
)

// bench is the seeded database and what the load phases draw from it.
type bench struct {
	o        options
	db       *gorm.DB
	st       *storage.Store
	ref      *reference.Data
	signer   *qr.Signer
	progress *progress

	unitTokens       []string // live token of every published unit
	instrumentTokens []string // live token of every instrument in use
	districtCodes    []string
	agency           *model.Agency // the agency whose officer the queue is measured as
}

func openBench(ctx context.Context, o options, p *progress) (*bench, error) {
	if o.driver == "sqlite" && !o.skipSeed && (o.defaultDSN || o.fresh) {
		if err := os.MkdirAll(filepath.Dir(o.dsn), 0o750); err != nil {
			return nil, err
		}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(o.dsn + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, err
			}
		}
	}
	db, err := database.Open(ctx, database.Options{Driver: o.driver, DSN: o.dsn, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	b := &bench{o: o, db: db, st: storage.New(db), signer: qr.NewSigner([]byte(benchSecret)), progress: p}
	if o.driver == "mysql" && o.fresh && !o.skipSeed {
		if err := dropAllTables(ctx, db); err != nil {
			b.close()
			return nil, err
		}
	}
	if _, err := database.Migrate(ctx, db); err != nil {
		b.close()
		return nil, err
	}
	if b.ref, err = reference.Load(configs.Changzhou()); err != nil {
		b.close()
		return nil, err
	}
	if err := b.st.SeedReference(ctx, b.ref); err != nil {
		b.close()
		return nil, err
	}
	units, err := b.st.CountUnits(ctx)
	if err != nil {
		b.close()
		return nil, err
	}
	switch {
	case o.skipSeed && units == 0:
		b.close()
		return nil, errors.New("-skip-seed: the database holds no units; run once without -skip-seed")
	case !o.skipSeed && units > 0:
		b.close()
		return nil, errors.New("the database already holds data: use -skip-seed to reuse it, or -fresh to drop it and seed again")
	}
	for _, d := range b.ref.Districts {
		b.districtCodes = append(b.districtCodes, d.Code)
	}
	if b.agency, err = b.st.AgencyByCode(ctx, benchAgencyCode); err != nil {
		b.close()
		return nil, fmt.Errorf("agency %s: %w", benchAgencyCode, err)
	}
	return b, nil
}

// dropAllTables empties a MySQL database for -fresh.
func dropAllTables(ctx context.Context, db *gorm.DB) error {
	return db.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		var tables []string
		if err := conn.Raw("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&tables).Error; err != nil {
			return err
		}
		if err := conn.Exec("SET FOREIGN_KEY_CHECKS = 0").Error; err != nil {
			return err
		}
		for _, t := range tables {
			if err := conn.Exec("DROP TABLE `" + t + "`").Error; err != nil {
				return err
			}
		}
		return conn.Exec("SET FOREIGN_KEY_CHECKS = 1").Error
	})
}

func (b *bench) close() {
	if sqlDB, err := b.db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

// serverEnv is the environment of a server process on the bench database.
func (b *bench) serverEnv(addr string) []string {
	env := []string{"HM_DB_DRIVER=" + b.o.driver, "HM_DB_DSN=" + b.o.dsn, "HM_ADDR=" + addr,
		"HM_BASE_URL=http://" + addr, "HM_SECRET=" + benchSecret,
		"HM_REPORT_LIMIT_PER_IP=0", "HM_REPORT_BURST_PER_UNIT=0", "HM_DATA_DIR=" + os.TempDir()}
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "GODEBUG", "GOGC", "GOMEMLIMIT"} { // Go's own, to try other GC settings
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// loadTargets reads the live QR tokens the scan phases pick from.
func (b *bench) loadTargets(ctx context.Context) error {
	var toks []model.QRToken
	err := b.db.WithContext(ctx).Raw(`SELECT t.kind, t.target_id, t.version FROM qr_tokens t
		LEFT JOIN instruments i ON t.kind = ? AND i.id = t.target_id
		LEFT JOIN units u ON t.kind = ? AND u.id = t.target_id
		WHERE t.revoked_at IS NULL AND (i.status = ? OR u.status = ?)`,
		model.QRInstrument, model.QRUnit, model.InstrumentInUse, model.UnitApproved).Scan(&toks).Error
	if err != nil {
		return err
	}
	b.unitTokens, b.instrumentTokens = nil, nil
	for _, t := range toks {
		tok, err := b.signer.Token(qr.Ref{Kind: t.Kind, ID: t.TargetID, Version: t.Version})
		if err != nil {
			return err
		}
		if t.Kind == model.QRUnit {
			b.unitTokens = append(b.unitTokens, tok)
		} else {
			b.instrumentTokens = append(b.instrumentTokens, tok)
		}
	}
	if len(b.unitTokens) == 0 || len(b.instrumentTokens) == 0 {
		return errors.New("the database holds no live unit or instrument codes")
	}
	return nil
}

func (b *bench) countReports(ctx context.Context) (int64, error) {
	var n int64
	err := b.db.WithContext(ctx).Model(&model.Report{}).Count(&n).Error
	return n, err
}

func (b *bench) machineLine() string {
	var version string
	q := "SELECT sqlite_version()"
	name := "SQLite"
	if b.o.driver == "mysql" {
		q, name = "SELECT VERSION()", "MySQL/MariaDB"
	}
	if err := b.db.Raw(q).Scan(&version).Error; err != nil {
		version = "?"
	}
	return fmt.Sprintf("machine: %d CPUs, %s/%s, %s; database: %s %s", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH,
		runtime.Version(), name, version)
}

// progress writes timestamped progress lines, so a long run shows it is alive.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

func newProgress(w io.Writer) *progress { return &progress{w: w, start: time.Now()} }

func (p *progress) say(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "[%6.1fs] %s\n", time.Since(p.start).Seconds(), fmt.Sprintf(format, args...))
}
