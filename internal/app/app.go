// Package app assembles the HTTP handler from its parts — the edge
// (internal/server), the pages (internal/ui) — so the program and the tests
// run exactly the same wiring. It holds no logic of its own.
package app

import (
	"log/slog"
	"maps"
	"net/http"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/api"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/metrics"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/reminders"
	"honestmeasure/internal/render"
	"honestmeasure/internal/risk"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/ui"
	"honestmeasure/internal/units"
	"honestmeasure/internal/verification"
	"honestmeasure/static"
	"honestmeasure/templates"
)

// Options are the parts the handler is built from.
type Options struct {
	DB             *gorm.DB
	Ref            *reference.Data
	Logger         *slog.Logger
	BaseURL        string // public base URL, printed into QR codes
	Secret         []byte // signs QR tokens and access codes
	AuditKey       []byte // keys the audit log's MACs; at least audit.MinKeyLength bytes
	SecureCookies  bool
	TrustedProxies []string
	Now            func() time.Time // nil: the real clock
	ReportLimits   intake.Limits
	// Spool holds uploaded files while their requests are handled; nil
	// means server.DefaultSpoolBytes in the system's temporary directory.
	Spool *server.Spool
	// AccountLimits bounds the one-time codes sent (sign-up, reset); a zero
	// field turns that limit off.
	AccountLimits accounts.Limits
	// LogCodes writes every one-time code to the log, for a developer
	// without an SMS gateway. Development mode only.
	LogCodes bool
	// ScanCacheBytes bounds the rendered scan pages kept in memory; 0 means
	// 64 MB.
	ScanCacheBytes int
	// ScanWatermark, when set (and running: the caller runs and stops it),
	// lets a cached scan page be sent without a query while nothing it
	// shows changed on any instance; nil: every scan makes one query.
	ScanWatermark *scan.Watermark
	// DraftMaxAge is how long an unchanged unit draft is kept (0: for ever);
	// merchants are told on their draft's page.
	DraftMaxAge time.Duration
	// PhotoMemoryBytes sizes the one photo limiter every upload path of
	// this server goes through (0: photos.DefaultMemory, 192 MB).
	PhotoMemoryBytes int64
	// UnconfirmedAfterDays is how long a merchant's declared certificate
	// waits for a body's record before it is a conflict (0: 30).
	UnconfirmedAfterDays int
	// ReminderOffsets are the days before a certificate's valid-until date
	// on which its merchant is reminded (nil: reminders.DefaultOffsets);
	// the dashboard lists certificates from the first of them on.
	ReminderOffsets []int
	// Metrics, when set, counts requests, reports, the pool, the scan
	// cache and the outbox (served by the caller on its own listener).
	Metrics *metrics.Metrics
}

// New returns the complete HTTP handler.
func New(opt Options) (http.Handler, error) {
	renderer, err := render.New(templates.FS, static.FS)
	if err != nil {
		return nil, err
	}
	st := storage.New(opt.DB)
	auditLog, err := audit.New(opt.AuditKey)
	if err != nil {
		return nil, err
	}
	photoLimiter := photos.NewServerLimiter(opt.PhotoMemoryBytes)
	if opt.ScanCacheBytes == 0 {
		opt.ScanCacheBytes = 64 << 20
	}
	riskService := newRisk(opt, st, auditLog)
	unitService := &units.Service{Store: st, Audit: auditLog, Photos: photoLimiter, BaseURL: opt.BaseURL, Now: opt.Now}
	scanCache := scan.NewPageCache(opt.ScanCacheBytes)
	if err := watch(opt, st, scanCache); err != nil {
		return nil, err
	}
	pages := &ui.Handler{Store: st, Audit: auditLog, Renderer: renderer, Ref: opt.Ref, Logger: opt.Logger, ScanCache: scanCache,
		ScanWatermark: opt.ScanWatermark,
		SecureCookies: opt.SecureCookies, BaseURL: opt.BaseURL, QR: qr.NewSigner(opt.Secret), Now: opt.Now, DraftMaxAge: opt.DraftMaxAge,
		Cases: &cases.Service{Store: st, Audit: auditLog, Units: unitService, BaseURL: opt.BaseURL, Now: opt.Now,
			CityCode: opt.Ref.City.Code, HandoffSettle: cases.DefaultHandoffSettle},
		Units:  unitService,
		Photos: photoLimiter,
		Intake: &intake.Service{Store: st, Photos: photoLimiter, Secret: opt.Secret, Limits: opt.ReportLimits, BaseURL: opt.BaseURL, Now: opt.Now,
			Received: opt.Metrics.ReportReceived},
		Accounts: &accounts.Service{Store: st, Audit: auditLog, Secret: opt.Secret, Limits: opt.AccountLimits, Now: opt.Now, Logger: opt.Logger, LogCodes: opt.LogCodes}}
	pages.Verification = &verification.Service{Store: st, Audit: auditLog, BaseURL: opt.BaseURL, Now: opt.Now,
		UnconfirmedAfterDays: opt.UnconfirmedAfterDays, Tips: pages.Intake}
	pages.Cases.Tips = pages.Intake
	pages.Cases.Risk = riskService
	pages.Risk = riskService
	pages.Moderation = &moderation.Service{Store: st, Audit: auditLog, Now: opt.Now}
	pages.Outbox = &outbox.Operator{Store: st, Audit: auditLog, Now: opt.Now}
	pages.Reminders = &reminders.Service{Store: st, Now: opt.Now, Offsets: opt.ReminderOffsets, BaseURL: opt.BaseURL}
	uploads := maps.Clone(ui.Uploads)
	maps.Copy(uploads, api.Uploads)
	engine, err := server.NewEngine(server.Options{DB: opt.DB, Renderer: renderer, Logger: opt.Logger,
		SecureCookies: opt.SecureCookies, TrustedProxies: opt.TrustedProxies, ErrorPage: pages.ErrorPage,
		Uploads: uploads, Spool: opt.Spool, Observe: opt.Metrics.Middleware()})
	if err != nil {
		return nil, err
	}
	pages.Register(engine)
	(&api.Handler{Store: st, Intake: pages.Intake, Accounts: pages.Accounts, QR: pages.QR, BaseURL: opt.BaseURL, Now: opt.Now,
		Verification: pages.Verification, RiskPublic: opt.Ref.City.RiskPublic, CityCode: opt.Ref.City.Code}).Register(engine)
	return engine, nil
}

// watch gives the metrics, when there are any, the pool, the scan cache and
// its watermark, and the outbox to read at scrape time.
func watch(opt Options, st *storage.Store, scanCache *scan.PageCache) error {
	if opt.Metrics == nil {
		return nil
	}
	sqlDB, err := opt.DB.DB()
	if err != nil {
		return err
	}
	if err := opt.Metrics.WatchDB(sqlDB); err != nil {
		return err
	}
	if err := opt.Metrics.WatchScanCache(scanCache); err != nil {
		return err
	}
	if err := opt.Metrics.WatchScanWatermark(opt.ScanWatermark); err != nil {
		return err
	}
	return opt.Metrics.WatchOutbox(st, opt.Now)
}

// Jobs are the services the background work of an instance calls, built
// from the same options as the handler: all their state is in the
// database, so they need nothing the handler holds.
type Jobs struct {
	Verification *verification.Service
	Risk         *risk.Service // the periodic recomputation of every unit's risk class
}

// newRisk builds the risk-class service by the city's rule.
func newRisk(opt Options, st *storage.Store, auditLog *audit.Log) *risk.Service {
	return &risk.Service{Store: st, Audit: auditLog, Rule: opt.Ref.Risk, Now: opt.Now, Logger: opt.Logger, Public: opt.Ref.City.RiskPublic}
}

// NewJobs builds the background services.
func NewJobs(opt Options) (*Jobs, error) {
	st := storage.New(opt.DB)
	auditLog, err := audit.New(opt.AuditKey)
	if err != nil {
		return nil, err
	}
	return &Jobs{Verification: &verification.Service{Store: st, Audit: auditLog, BaseURL: opt.BaseURL, Now: opt.Now,
		UnconfirmedAfterDays: opt.UnconfirmedAfterDays}, Risk: newRisk(opt, st, auditLog)}, nil
}
