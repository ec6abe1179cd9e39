// Command honestmeasure runs the honest-measurement platform.
//
//	honestmeasure [-config FILE] [-demo] [serve]   run the web server (default)
//	honestmeasure [-config FILE] migrate           apply database migrations and exit
//	honestmeasure [-config FILE] user create ...   create an account
//	honestmeasure [-config FILE] audit verify      check the audit log's hash chain and MACs
//	honestmeasure [-config FILE] backup FILE       copy the embedded SQLite database while it runs
//	honestmeasure draw verify FILE                 reproduce a published spot-check draw (no database, no config)
//
// Configuration comes from the optional YAML file and HM_* environment
// variables (see configs/honestmeasure.example.yaml). Every failure is
// printed as one line naming the problem, with exit status 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"gorm.io/gorm"

	"honestmeasure/configs"
	"honestmeasure/internal/accounts"
	"honestmeasure/internal/app"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/config"
	"honestmeasure/internal/database"
	"honestmeasure/internal/demo"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/metrics"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/reminders"
	"honestmeasure/internal/risk"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/verification"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := environment{args: os.Args[1:], getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	if err := run(ctx, env); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "honestmeasure: "+oneLine(err))
		os.Exit(1)
	}
}

// environment is everything run takes from the process, so tests can run
// the real program in-process.
type environment struct {
	args   []string
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// ready, when set, receives the listening address once the server accepts
	// connections.
	ready func(addr string)
}

func run(ctx context.Context, env environment) error {
	fs := flag.NewFlagSet("honestmeasure", flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	configPath := fs.String("config", env.getenv("HM_CONFIG"), "YAML configuration file (HM_CONFIG)")
	demoFlag := fs.Bool("demo", false, "load demo data into an empty database (HM_DEMO=1)")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "usage: honestmeasure [-config FILE] [-demo] [serve | migrate | user create -h | audit verify | backup FILE | draw verify FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(env.args); err != nil {
		return err
	}
	// A published draw is checked by strangers with nothing but the binary
	// and the file: no configuration is read, no database opened.
	if fs.Arg(0) == "draw" {
		if fs.NArg() < 2 || fs.Arg(1) != "verify" {
			return errors.New("usage: honestmeasure draw verify FILE")
		}
		return drawVerify(env, fs.Args()[2:])
	}
	cfg, err := config.Load(*configPath, env.getenv)
	if err != nil {
		return err
	}
	if *demoFlag {
		cfg.Demo = true
	}
	log := newLogger(cfg, env.stdout)

	cmd := fs.Args()
	if len(cmd) == 0 {
		cmd = []string{"serve"}
	}
	switch cmd[0] {
	case "serve":
		return serve(ctx, cfg, log, env)
	case "migrate":
		db, applied, err := openMigrated(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer closeDB(db)
		fmt.Fprintf(env.stdout, "applied %d migration(s); schema version %d\n", applied, database.LatestVersion())
		return nil
	case "audit":
		if len(cmd) < 2 || cmd[1] != "verify" {
			return errors.New("usage: honestmeasure audit verify [-anchor ID:HASH]…")
		}
		return auditVerify(ctx, cfg, log, env, cmd[2:])
	case "backup":
		return backup(ctx, cfg, log, env, cmd[1:])
	case "user":
		if len(cmd) < 2 || cmd[1] != "create" {
			return errors.New("usage: honestmeasure user create -login L -role R [-agency CODE] [-body CODE] [-name N] [-password-stdin]")
		}
		return userCreate(ctx, cfg, log, env, cmd[2:])
	default:
		return fmt.Errorf("unknown command %q: use serve, migrate, user create, audit verify, backup FILE or draw verify FILE", cmd[0])
	}
}

// serverGCPercent is the server's GOGC unless the environment sets one.
const serverGCPercent = 30

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, env environment) error {
	// Most of the live heap is the scan page cache, which lives long: with
	// Go's default the heap would grow to twice it before each collection.
	// Collecting at 30% growth keeps the process small (peak RSS under a
	// scan load ~133 MB instead of ~175 MB, see hmbench) for little CPU,
	// and unlike a fixed memory limit it leaves room when photos arrive.
	// GOGC (and GOMEMLIMIT), when set, are Go's own and win.
	if env.getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
	secret, err := resolveSecret(cfg)
	if err != nil {
		return err
	}
	auditKey, err := resolveAuditKey(cfg)
	if err != nil {
		return err
	}
	if cfg.AuditKey == "" {
		log.Warn("HM_AUDIT_KEY not set: the audit log's MACs use a key derived from HM_SECRET (development only)")
	}
	db, applied, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeDB(db)
	if applied > 0 {
		log.Info("migrated database", "applied", applied, "version", database.LatestVersion())
	}
	st, ref, err := seededStore(ctx, cfg, db)
	if err != nil {
		return err
	}
	if n, err := st.FillSerialKeys(ctx); err != nil {
		return fmt.Errorf("deriving instrument serial keys: %w", err)
	} else if n > 0 {
		log.Info("derived serial keys of instruments stored before schema 8", "instruments", n)
	}
	if cfg.Demo {
		if err := loadDemo(ctx, st, ref, secret, auditKey, log); err != nil {
			return err
		}
	}
	// The watermark polls until serve returns (ctx ended, or start-up
	// failed); it lets go of its connection before the database closes.
	watermark, err := scan.NewWatermark(st, log)
	if err != nil {
		return err
	}
	watermarkCtx, stopWatermark := context.WithCancel(ctx)
	watermarkDone := make(chan error, 1)
	go func() { watermarkDone <- watermark.Run(watermarkCtx) }()
	defer func() { stopWatermark(); <-watermarkDone }()
	opts := app.Options{DB: db, Ref: ref, Logger: log, BaseURL: cfg.PublicBaseURL(), Secret: secret, AuditKey: auditKey,
		SecureCookies: cfg.SecureCookies(), TrustedProxies: cfg.TrustedProxies,
		ReportLimits:  intake.Limits{PerIPPerHour: cfg.ReportLimitPerIP, UnitBurstPerHour: cfg.ReportBurstPerUnit},
		AccountLimits: accounts.Limits{CodesPerAddressPerHour: cfg.SignupLimitPerIP, CodesPerHour: cfg.SignupLimitPerHour},
		// A developer without an SMS gateway reads sign-up and reset codes
		// from the log; production never logs them.
		LogCodes:       cfg.Mode == config.Development,
		ScanCacheBytes: cfg.ScanCacheMB << 20, ScanWatermark: watermark, Spool: server.NewSpool("", int64(cfg.UploadSpoolMB)<<20), DraftMaxAge: draftMaxAge(cfg),
		PhotoMemoryBytes: int64(cfg.PhotoMemoryMB) << 20, UnconfirmedAfterDays: cfg.UnconfirmedAfterDays,
		ReminderOffsets: cfg.ExpiryReminderDays}
	var metricsLn net.Listener
	if cfg.MetricsAddr != "" {
		opts.Metrics = metrics.New()
		if metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return fmt.Errorf("cannot listen on %s (HM_METRICS_ADDR): %v", cfg.MetricsAddr, errors.Unwrap(err))
		}
		defer metricsLn.Close() // on the paths that return before serving it
	}
	handler, err := app.New(opts)
	if err != nil {
		return err
	}
	jobs, err := app.NewJobs(opts)
	if err != nil {
		return err
	}

	worker := &outbox.Worker{Store: st, Logger: log, Config: outbox.Config{SMTPAddr: cfg.SMTP.Addr, SMTPUser: cfg.SMTP.User,
		SMTPPassword: cfg.SMTP.Password, From: cfg.SMTP.From, SMTPTLS: cfg.SMTP.StartTLS, WebhookSecret: []byte(cfg.WebhookSecret),
		SMSWebhookURL: cfg.SMS.WebhookURL, SMSWebhookSecret: []byte(cfg.SMS.WebhookSecret)},
		Attempted: opts.Metrics.DeliveryAttempt}
	if err := worker.Config.Check(); err != nil {
		return fmt.Errorf("notification settings (HM_SMTP_*, HM_SMS_*): %v", err)
	}
	if cfg.SMS.WebhookURL == "" {
		log.Warn("HM_SMS_WEBHOOK_URL not set: text messages (sign-up and reset codes) wait in the outbox until it is")
	}
	if cfg.SMTP.Addr == "" {
		log.Warn("HM_SMTP_ADDR not set: e-mail notifications wait in the outbox until it is")
	}
	workerDone := make(chan error, 1)
	go func() { workerDone <- worker.Run(ctx) }()
	go purge(ctx, st, log)
	// Every instance imports waiting upload batches (a lease gives each
	// batch to one at a time) and looks for unconfirmed declarations
	// (idempotent: one conflict per declaration).
	bodies := jobs.Verification
	go bodies.Work(ctx, 2*time.Second, func(msg string, args ...any) { log.Error(msg, args...) })
	go checkUnconfirmed(ctx, bodies, log)
	if age := draftMaxAge(cfg); age > 0 {
		go sweepDrafts(ctx, st, age, time.Hour, log)
	}
	go recomputeRisk(ctx, jobs.Risk, time.Hour, log)
	go sendReminders(ctx, &reminders.Service{Store: st, Offsets: cfg.ExpiryReminderDays, BaseURL: cfg.PublicBaseURL()}, time.Hour, log)

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (HM_ADDR): %v", cfg.Addr, errors.Unwrap(err))
	}
	log.Info("honestmeasure is listening", "addr", ln.Addr().String(), "base_url", cfg.PublicBaseURL(),
		"database", cfg.Database.Driver, "mode", string(cfg.Mode))
	metricsDone := make(chan error, 1)
	if metricsLn != nil {
		log.Info("metrics are served", "addr", metricsLn.Addr().String(), "path", "/metrics")
		go func() { metricsDone <- serveMetrics(ctx, metricsLn, opts.Metrics, cfg.ShutdownTimeout, log) }()
	} else {
		metricsDone <- nil
	}
	if env.ready != nil {
		env.ready(ln.Addr().String())
	}
	serveErr := server.Serve(ctx, ln, handler, cfg.ShutdownTimeout, log)
	if serveErr != nil {
		return serveErr
	}
	// Serve returned because ctx ended; the worker stops with it.
	if err := <-workerDone; err != nil {
		return fmt.Errorf("notification worker: %w", err)
	}
	if err := <-metricsDone; err != nil {
		return fmt.Errorf("metrics listener (HM_METRICS_ADDR): %w", err)
	}
	return nil
}

// serveMetrics answers GET /metrics on ln, and nothing else, until ctx
// ends. The edge's timeouts apply (a slow client cannot hold a connection
// by its headers).
func serveMetrics(ctx context.Context, ln net.Listener, m *metrics.Metrics, grace time.Duration, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return server.Serve(ctx, ln, mux, grace, log)
}

func draftMaxAge(cfg config.Config) time.Duration {
	return time.Duration(cfg.DraftMaxAgeDays) * 24 * time.Hour
}

// sweepDrafts deletes unit drafts unchanged for maxAge, at start-up and then
// every interval, until ctx ends. Every instance runs it: the DELETE checks
// status and age itself, so two instances sweeping at once delete each
// draft once, and there is no state to share.
func sweepDrafts(ctx context.Context, st *storage.Store, maxAge, interval time.Duration, log *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		for {
			n, err := st.DeleteStaleDrafts(ctx, time.Now().UTC().Add(-maxAge), 100)
			if err != nil {
				if ctx.Err() == nil {
					log.Error("deleting stale drafts failed", "err", err)
				}
				break
			}
			if n > 0 {
				log.Info("deleted stale unit drafts", "count", n, "max_age_days", int(maxAge.Hours()/24))
			}
			if n < 100 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// sendReminders sends the expiry reminders (certificates, then pledges) due today (the calendar day in
// model.Zone) at start-up and then every interval, until ctx ends. Every
// instance runs it: a unit's digest and each reminder are unique rows
// written with the messages in one transaction, so of instances running at
// once exactly one sends each, and a later run the same day finds nothing
// left to do (see internal/reminders).
func sendReminders(ctx context.Context, svc *reminders.Service, interval time.Duration, log *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		day := model.DateOf(time.Now())
		res, err := svc.Run(ctx, day)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("expiry reminders failed; the next run retries", "day", day.Format(time.DateOnly), "err", err,
				"digests", res.Digests, "failed_units", res.Failed)
		case res.Digests > 0:
			log.Info("expiry reminders sent", "day", day.Format(time.DateOnly), "digests", res.Digests, "reminders", res.Reminders,
				"messages", res.Messages, "taken_by_another_instance", res.Taken, "owners_opted_out", res.Off)
		default:
			log.Debug("expiry reminders: nothing due", "day", day.Format(time.DateOnly), "taken_by_another_instance", res.Taken)
		}
		pledges, err := svc.RunPledges(ctx, day)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("pledge reminders failed; the next run retries", "day", day.Format(time.DateOnly), "err", err, "sent", pledges.Sent, "failed", pledges.Failed)
		case pledges.Sent > 0:
			log.Info("pledge reminders sent", "day", day.Format(time.DateOnly), "sent", pledges.Sent, "taken_by_another_instance", pledges.Taken, "owners_opted_out", pledges.Off)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// recomputeRisk recomputes every unit's risk class at start-up and then every
// interval, until ctx ends, so that what time changes (a certificate
// expiring, a case leaving the 24-month window) shows within the hour. Every
// instance runs it: a class is written at the revision it was read at, so of
// instances running at once one writes and audits each change.
func recomputeRisk(ctx context.Context, svc *risk.Service, interval time.Duration, log *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		started := time.Now()
		sum, err := svc.Recompute(ctx, risk.AllUnits)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("risk classes: recomputation failed; the next run retries", "err", err, "units", sum.Units, "changed", sum.Changed)
		case sum.Changed > 0:
			log.Info("risk classes recomputed", "units", sum.Units, "changed", sum.Changed, "taken_by_another_instance", sum.Taken,
				"took", time.Since(started).Round(time.Millisecond))
		default:
			log.Debug("risk classes: no change", "units", sum.Units, "took", time.Since(started).Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func openDB(ctx context.Context, cfg config.Config, log *slog.Logger) (*gorm.DB, error) {
	return database.Open(ctx, database.Options{Driver: cfg.Database.Driver, DSN: cfg.Database.DSN,
		DataDir: cfg.DataDir, MaxOpenConns: cfg.Database.MaxOpenConns, Logger: log})
}

// openMigrated opens the configured database and brings its schema up to
// date, returning how many migrations it applied. The caller closes it.
func openMigrated(ctx context.Context, cfg config.Config, log *slog.Logger) (*gorm.DB, int, error) {
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return nil, 0, err
	}
	applied, err := database.Migrate(ctx, db)
	if err != nil {
		closeDB(db)
		return nil, 0, err
	}
	return db, applied, nil
}

// seededStore is the store on db with the city's reference data (agencies,
// districts, catalogue, calendar) loaded and seeded.
func seededStore(ctx context.Context, cfg config.Config, db *gorm.DB) (*storage.Store, *reference.Data, error) {
	ref, err := loadReference(cfg)
	if err != nil {
		return nil, nil, err
	}
	st := storage.New(db)
	if err := st.SeedReference(ctx, ref); err != nil {
		return nil, nil, err
	}
	return st, ref, nil
}

func closeDB(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

func loadReference(cfg config.Config) (*reference.Data, error) {
	if cfg.ReferenceDir != "" {
		return reference.Load(os.DirFS(cfg.ReferenceDir))
	}
	return reference.Load(configs.Changzhou())
}

func loadDemo(ctx context.Context, st *storage.Store, ref *reference.Data, secret, auditKey []byte, log *slog.Logger) error {
	started := time.Now()
	auditLog, err := audit.New(auditKey)
	if err != nil {
		return err
	}
	res, err := demo.Load(ctx, st, ref, secret, auditLog, time.Now())
	if errors.Is(err, demo.ErrNotEmpty) {
		log.Info("demo data not loaded: the database already holds data")
		return nil
	}
	if err != nil {
		return fmt.Errorf("loading demo data: %w", err)
	}
	log.Info("demo data loaded", "units", res.Units, "reports", len(res.Reports), "took", time.Since(started).Round(time.Millisecond).String())
	for _, l := range res.Logins {
		log.Info("demo login", "role", string(l.Role), "login", l.Login, "password", demo.Password, "note", l.Note)
	}
	for _, r := range res.Reports {
		log.Info("demo report (try it on /track)", "tracking_number", r.TrackingNo, "access_code", r.AccessCode, "status", string(r.Status))
	}
	return nil
}

// resolveSecret returns HM_SECRET, or in development a secret generated
// once and kept in the data folder, so printed QR codes stay valid across
// restarts. config.Validate has already refused production without one.
func resolveSecret(cfg config.Config) ([]byte, error) {
	if cfg.Secret != "" {
		return []byte(cfg.Secret), nil
	}
	if err := database.EnsureWritableDir(cfg.DataDir); err != nil {
		return nil, err
	}
	path := filepath.Join(cfg.DataDir, "secret")
	if b, err := os.ReadFile(path); err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < config.MinSecretLength {
			return nil, fmt.Errorf("secret file %s is shorter than %d characters: delete it to generate a new one (printed QR codes will stop verifying)", path, config.MinSecretLength)
		}
		return []byte(s), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("cannot read secret file %s: %v", path, errors.Unwrap(err))
	}
	s := randomSecret()
	// O_EXCL: two instances starting together on one data folder keep one secret.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return resolveSecret(cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot write secret file %s: %v", path, errors.Unwrap(err))
	}
	defer f.Close()
	if _, err := f.WriteString(s + "\n"); err != nil {
		return nil, fmt.Errorf("cannot write secret file %s: %v", path, err)
	}
	return []byte(s), nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// oneLine keeps an operator-facing error on a single line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// checkUnconfirmed files conflicts for declarations no body has confirmed,
// at start-up and then every hour.
func checkUnconfirmed(ctx context.Context, v *verification.Service, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := v.CheckUnconfirmed(ctx); err != nil {
			if ctx.Err() == nil {
				log.Warn("checking unconfirmed declarations failed", "err", err)
			}
		} else if n > 0 {
			log.Info("declared certificates still unconfirmed by a body", "new_conflicts", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// purge deletes old rate-limit buckets, spent codes and expired sessions
// every quarter of an hour. Every instance does it; the deletes are
// idempotent.
func purge(ctx context.Context, st *storage.Store, log *slog.Logger) {
	t := time.NewTicker(15 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := st.Purge(ctx, time.Now()); err != nil {
				log.Warn("purge failed", "err", err)
			} else {
				log.Debug("purged", "rate_limits", n.RateLimits, "rate_delays", n.RateDelays, "one_time_codes", n.OneTimeCodes, "sessions", n.Sessions, "held_photos", n.HeldPhotos)
			}
		}
	}
}
