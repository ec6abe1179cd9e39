// Package config turns the optional YAML file and the HM_* environment
// variables into one validated Config. It does not open databases or files
// other than the config file itself: checks that need the outside world
// (is the data folder writable, is MySQL reachable) belong to the caller, so
// that each failure can be reported as one clear line.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Mode decides how strict start-up is. Production refuses to invent a secret.
type Mode string

const (
	Development Mode = "development"
	Production  Mode = "production"
)

// Config is everything the server needs to start. Field names follow the
// YAML keys documented in configs/honestmeasure.example.yaml.
type Config struct {
	Mode Mode   `yaml:"mode"`
	Addr string `yaml:"addr"`
	// MetricsAddr is where the Prometheus metrics are served (GET
	// /metrics), on a listener of their own that the public one never
	// answers for; empty (the default) serves none.
	MetricsAddr string `yaml:"metrics_addr"`
	BaseURL     string `yaml:"base_url"`
	DataDir     string `yaml:"data_dir"`
	Secret      string `yaml:"secret"`
	// AuditKey keys the audit log's MACs (HM_AUDIT_KEY). Empty in
	// development means one derived from the secret.
	AuditKey string `yaml:"audit_key"`
	Demo     bool   `yaml:"demo"`

	Database Database `yaml:"database"`

	// ReferenceDir holds districts, agencies, instrument types, the pledge
	// text and the holiday calendar. Empty means the Changzhou data built
	// into the binary.
	ReferenceDir string `yaml:"reference_dir"`

	// Reports accepted per client address each hour, and reports about one
	// unit in an hour beyond which their cases are marked as a burst (never
	// refused); 0 turns either off (the benchmark does).
	ReportLimitPerIP   int `yaml:"report_limit_per_ip"`
	ReportBurstPerUnit int `yaml:"report_burst_per_unit"`

	// One-time codes (sign-up and password reset, by SMS or e-mail) sent
	// per client address and over all clients each hour; 0 turns a limit
	// off. Each login gets at most three an hour whatever these say.
	SignupLimitPerIP   int `yaml:"signup_limit_per_ip"`
	SignupLimitPerHour int `yaml:"signup_limit_per_hour"`

	// ScanCacheMB bounds the memory each instance spends on rendered scan
	// pages (about 2 KB per code and language).
	ScanCacheMB int `yaml:"scan_cache_mb"`

	// UploadSpoolMB bounds the disk space each instance gives to uploaded
	// files while their requests are handled (in TMPDIR); an upload that
	// does not fit is answered "busy, try again".
	UploadSpoolMB int `yaml:"upload_spool_mb"`

	// DraftMaxAgeDays: a unit draft not changed for this many days is
	// deleted (drafts reserve no credit code, so this only keeps abandoned
	// work from piling up); 0 keeps drafts for ever.
	DraftMaxAgeDays int `yaml:"draft_max_age_days"`

	// ExpiryReminderDays are the days before a certificate's valid-until
	// date on which its merchant is reminded (internal/reminders); the day
	// after and a week after expiry are reminded of in any case.
	ExpiryReminderDays []int `yaml:"expiry_reminder_days"`

	// PhotoMemoryMB bounds the memory all photos being decoded at once may
	// take together (see photos.Limiter); it also caps what one photo may
	// need.
	PhotoMemoryMB int `yaml:"photo_memory_mb"`

	// UnconfirmedAfterDays: a merchant's declared certificate that no
	// verification body's record confirms within this many days becomes a
	// conflict in the supervising bureau's queue.
	UnconfirmedAfterDays int `yaml:"unconfirmed_after_days"`

	// Notifications: e-mail through SMTP and signed webhooks, delivered from
	// the outbox by a worker in every instance.
	SMTP          SMTP   `yaml:"smtp"`
	WebhookSecret string `yaml:"webhook_secret"`
	SMS           SMS    `yaml:"sms"`

	// TrustedProxies lists the reverse proxies (IPs or CIDRs) whose
	// X-Forwarded-For is believed; empty means the peer address is the client.
	TrustedProxies []string `yaml:"trusted_proxies"`

	LogFormat string `yaml:"log_format"` // text or json
	LogLevel  string `yaml:"log_level"`  // debug, info, warn, error

	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
}

// Database selects the storage engine.
type Database struct {
	Driver string `yaml:"driver"` // sqlite or mysql
	DSN    string `yaml:"dsn"`
	// MaxOpenConns bounds the pool; MySQL deployments tune it per instance.
	// 0 means the driver's default: 20 for MySQL, 4 for SQLite.
	MaxOpenConns int `yaml:"max_open_conns"`
}

// SMTP is the mail relay for notifications; an empty Addr keeps e-mails
// waiting in the outbox until one is configured.
type SMTP struct {
	Addr     string `yaml:"addr"` // host:port
	User     string `yaml:"user"`
	Password string `yaml:"password"`
	From     string `yaml:"from"`
	StartTLS bool   `yaml:"starttls"`
}

// SMS is the city's SMS gateway, reached by a signed webhook; an empty
// WebhookURL keeps text messages waiting in the outbox.
type SMS struct {
	WebhookURL    string `yaml:"webhook_url"`
	WebhookSecret string `yaml:"webhook_secret"`
}

// Defaults returns the configuration a newcomer gets with no file and no
// environment: development mode, SQLite under ./data, port 8080.
func Defaults() Config {
	return Config{
		Mode:            Development,
		Addr:            ":8080",
		BaseURL:         "http://localhost:8080",
		DataDir:         "./data",
		Database:        Database{Driver: "sqlite"},
		LogFormat:       "text",
		LogLevel:        "info",
		ShutdownTimeout: 15 * time.Second,
		// A person reports a few problems a day; a market full of angry
		// shoppers might send a few dozen about one stall in an hour.
		ReportLimitPerIP:   10,
		ReportBurstPerUnit: 60,
		// A person signs up or resets a password once or twice; a shop's
		// shared Wi-Fi may hold a few people doing so in an hour. Every code
		// is an SMS the city pays for.
		SignupLimitPerIP:   5,
		SignupLimitPerHour: 200,
		ScanCacheMB:        64,
		// A hundred reports with five phone photos each arriving at once.
		UploadSpoolMB: 512,
		// A business gathering its instruments' certificates needs days,
		// not months, and each change restarts the count.
		DraftMaxAgeDays:      30,
		PhotoMemoryMB:        192,
		UnconfirmedAfterDays: 30,
		// A month to book the verification body, a fortnight, a week, and
		// the day before.
		ExpiryReminderDays: []int{30, 15, 7, 1},
	}
}

// Load reads the YAML file at path (skipped when path is empty), then applies
// environment overrides from getenv, then validates.
func Load(path string, getenv func(string) string) (Config, error) {
	cfg := Defaults()
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("cannot read config file: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		// An empty file decodes to io.EOF: it simply sets nothing.
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
			return cfg, fmt.Errorf("config file %s: %v", path, err)
		}
	}
	if err := applyEnv(&cfg, getenv); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

func applyEnv(cfg *Config, getenv func(string) string) error {
	str := func(name string, dst *string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	str("HM_ADDR", &cfg.Addr)
	str("HM_METRICS_ADDR", &cfg.MetricsAddr)
	str("HM_BASE_URL", &cfg.BaseURL)
	str("HM_DATA_DIR", &cfg.DataDir)
	str("HM_DB_DRIVER", &cfg.Database.Driver)
	str("HM_DB_DSN", &cfg.Database.DSN)
	str("HM_REFERENCE_DIR", &cfg.ReferenceDir)
	str("HM_LOG_FORMAT", &cfg.LogFormat)
	str("HM_LOG_LEVEL", &cfg.LogLevel)
	str("HM_SMTP_ADDR", &cfg.SMTP.Addr)
	str("HM_SMTP_USER", &cfg.SMTP.User)
	str("HM_SMTP_FROM", &cfg.SMTP.From)
	if v := getenv("HM_SMTP_PASSWORD"); v != "" {
		cfg.SMTP.Password = v
	}
	if v := getenv("HM_WEBHOOK_SECRET"); v != "" {
		cfg.WebhookSecret = v
	}
	str("HM_SMS_WEBHOOK_URL", &cfg.SMS.WebhookURL)
	if v := getenv("HM_SMS_WEBHOOK_SECRET"); v != "" {
		cfg.SMS.WebhookSecret = v
	}
	if v := strings.TrimSpace(getenv("HM_SMTP_STARTTLS")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("HM_SMTP_STARTTLS must be 1 or 0, got %q", v)
		}
		cfg.SMTP.StartTLS = b
	}
	// The secret is taken verbatim: surrounding spaces would be part of it.
	if v := getenv("HM_SECRET"); v != "" {
		cfg.Secret = v
	}
	if v := getenv("HM_AUDIT_KEY"); v != "" {
		cfg.AuditKey = v
	}
	for name, dst := range map[string]*int{"HM_REPORT_LIMIT_PER_IP": &cfg.ReportLimitPerIP, "HM_REPORT_BURST_PER_UNIT": &cfg.ReportBurstPerUnit,
		"HM_SIGNUP_LIMIT_PER_IP": &cfg.SignupLimitPerIP, "HM_SIGNUP_LIMIT_PER_HOUR": &cfg.SignupLimitPerHour} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("%s must be a number ≥ 0 (0 turns the limit off), got %q", name, v)
			}
			*dst = n
		}
	}
	if v := strings.TrimSpace(getenv("HM_DRAFT_MAX_AGE_DAYS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 3650 {
			return fmt.Errorf("HM_DRAFT_MAX_AGE_DAYS must be a number of days from 0 to 3650 (0 keeps drafts), got %q", v)
		}
		cfg.DraftMaxAgeDays = n
	}
	if v := strings.TrimSpace(getenv("HM_UNCONFIRMED_AFTER_DAYS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			return fmt.Errorf("HM_UNCONFIRMED_AFTER_DAYS must be a number of days from 1 to 3650, got %q", v)
		}
		cfg.UnconfirmedAfterDays = n
	}
	if v := strings.TrimSpace(getenv("HM_EXPIRY_REMINDER_DAYS")); v != "" {
		var days []int
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return fmt.Errorf("HM_EXPIRY_REMINDER_DAYS must be comma-separated numbers of days before expiry, such as 30,15,7,1; got %q", v)
			}
			days = append(days, n)
		}
		cfg.ExpiryReminderDays = days
	}
	if v := strings.TrimSpace(getenv("HM_TRUSTED_PROXIES")); v != "" {
		cfg.TrustedProxies = strings.Split(strings.ReplaceAll(v, " ", ""), ",")
	}
	if v := strings.TrimSpace(getenv("HM_MODE")); v != "" {
		cfg.Mode = Mode(v)
	}
	if v := strings.TrimSpace(getenv("HM_DEMO")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("HM_DEMO must be 1 or 0, got %q", v)
		}
		cfg.Demo = b
	}
	if v := strings.TrimSpace(getenv("HM_DB_MAX_OPEN_CONNS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("HM_DB_MAX_OPEN_CONNS must be a positive number, got %q", v)
		}
		cfg.Database.MaxOpenConns = n
	}
	if v := strings.TrimSpace(getenv("HM_SCAN_CACHE_MB")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("HM_SCAN_CACHE_MB must be a positive number of megabytes, got %q", v)
		}
		cfg.ScanCacheMB = n
	}
	if v := strings.TrimSpace(getenv("HM_UPLOAD_SPOOL_MB")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("HM_UPLOAD_SPOOL_MB must be a positive number of megabytes, got %q", v)
		}
		cfg.UploadSpoolMB = n
	}
	if v := strings.TrimSpace(getenv("HM_PHOTO_MEMORY_MB")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("HM_PHOTO_MEMORY_MB must be a positive number of megabytes, got %q", v)
		}
		cfg.PhotoMemoryMB = n
	}
	return nil
}

// MinPhotoMemoryMB is the least HM_PHOTO_MEMORY_MB: a 10 MB file's buffer
// and the decoding of an ordinary phone photo.
const MinPhotoMemoryMB = 32

// MinSecretLength is the shortest HM_SECRET accepted. The secret signs
// sessions and printed QR codes, so a short one would let codes be forged.
const MinSecretLength = 32

// MinAuditKeyLength is the shortest HM_AUDIT_KEY accepted (the audit
// package's own minimum, in bytes).
const MinAuditKeyLength = 32

// Validate reports the first problem as one sentence naming the setting.
func (c Config) Validate() error {
	switch c.Mode {
	case Development, Production:
	default:
		return fmt.Errorf("HM_MODE must be development or production, got %q", c.Mode)
	}
	switch c.Database.Driver {
	case "sqlite":
	case "mysql":
		if c.Database.DSN == "" {
			return errors.New("HM_DB_DSN is required when HM_DB_DRIVER=mysql (for example hm:secret@tcp(127.0.0.1:3306)/honestmeasure)")
		}
	default:
		return fmt.Errorf("unknown database driver %q: HM_DB_DRIVER must be sqlite or mysql", c.Database.Driver)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("HM_BASE_URL must be an absolute http(s) URL such as https://jl.example.gov.cn, got %q", c.BaseURL)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("HM_BASE_URL must not carry a path, query or fragment, got %q", c.BaseURL)
	}
	if c.Mode == Production && c.Secret == "" {
		return errors.New("HM_SECRET is required in production mode: set it to a random string of at least 32 characters")
	}
	if c.Secret != "" && len(c.Secret) < MinSecretLength {
		return fmt.Errorf("HM_SECRET is too short: %d characters, at least %d required", len(c.Secret), MinSecretLength)
	}
	// Production needs a key of its own: the log is then verified with
	// something other than what signs sessions and codes, whoever holds it,
	// and changing one secret does not invalidate the other.
	if c.Mode == Production && c.AuditKey == "" {
		return errors.New("HM_AUDIT_KEY is required in production mode: set it to a random string of at least 32 characters, different from HM_SECRET, and keep it outside the database and its backups")
	}
	if c.AuditKey != "" && len(c.AuditKey) < MinAuditKeyLength {
		return fmt.Errorf("HM_AUDIT_KEY is too short: %d characters, at least %d required", len(c.AuditKey), MinAuditKeyLength)
	}
	if c.AuditKey != "" && c.AuditKey == c.Secret {
		return errors.New("HM_AUDIT_KEY must differ from HM_SECRET")
	}
	if c.Addr == "" {
		return errors.New("HM_ADDR must not be empty")
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
			return fmt.Errorf("HM_METRICS_ADDR must be host:port, such as 127.0.0.1:9090 (empty: no metrics), got %q", c.MetricsAddr)
		}
		if c.MetricsAddr == c.Addr {
			return errors.New("HM_METRICS_ADDR must differ from HM_ADDR: the metrics have a listener of their own")
		}
	}
	if c.DraftMaxAgeDays < 0 || c.DraftMaxAgeDays > 3650 {
		return fmt.Errorf("draft_max_age_days (HM_DRAFT_MAX_AGE_DAYS) must be from 0 to 3650, got %d", c.DraftMaxAgeDays)
	}
	if err := checkReminderDays(c.ExpiryReminderDays); err != nil {
		return err
	}
	if c.SMS.WebhookURL != "" {
		if u, err := url.Parse(c.SMS.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("HM_SMS_WEBHOOK_URL must be an absolute http(s) URL")
		}
		if c.SMS.WebhookSecret == "" {
			return errors.New("HM_SMS_WEBHOOK_SECRET is required with HM_SMS_WEBHOOK_URL: the gateway checks the signature of every request")
		}
	}
	if c.SignupLimitPerIP < 0 || c.SignupLimitPerHour < 0 {
		return errors.New("signup_limit_per_ip and signup_limit_per_hour must be ≥ 0 (0 turns a limit off)")
	}
	if c.ScanCacheMB < 1 {
		return fmt.Errorf("scan_cache_mb (HM_SCAN_CACHE_MB) must be at least 1, got %d", c.ScanCacheMB)
	}
	if c.UploadSpoolMB < 1 {
		return fmt.Errorf("upload_spool_mb (HM_UPLOAD_SPOOL_MB) must be at least 1, got %d", c.UploadSpoolMB)
	}
	// Below one file's read buffer nothing could ever be decoded.
	if c.PhotoMemoryMB < MinPhotoMemoryMB {
		return fmt.Errorf("photo_memory_mb (HM_PHOTO_MEMORY_MB) must be at least %d, got %d", MinPhotoMemoryMB, c.PhotoMemoryMB)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("HM_LOG_FORMAT must be text or json, got %q", c.LogFormat)
	}
	return nil
}

// MaxReminderDays bounds one expiry reminder offset: a year ahead.
const MaxReminderDays = 365

// checkReminderDays accepts one to ten distinct offsets from 0 (the day
// itself) to MaxReminderDays.
func checkReminderDays(days []int) error {
	if len(days) == 0 || len(days) > 10 {
		return fmt.Errorf("expiry_reminder_days (HM_EXPIRY_REMINDER_DAYS) must list 1 to 10 days, got %d", len(days))
	}
	seen := map[int]bool{}
	for _, d := range days {
		if d < 0 || d > MaxReminderDays {
			return fmt.Errorf("expiry_reminder_days (HM_EXPIRY_REMINDER_DAYS) must be days from 0 to %d before expiry, got %d", MaxReminderDays, d)
		}
		if seen[d] {
			return fmt.Errorf("expiry_reminder_days (HM_EXPIRY_REMINDER_DAYS) lists %d twice", d)
		}
		seen[d] = true
	}
	return nil
}

// PublicBaseURL is the base URL without a trailing slash, ready for joining.
func (c Config) PublicBaseURL() string { return strings.TrimRight(c.BaseURL, "/") }

// SecureCookies is true when the public URL is https: cookies then carry the
// Secure flag and responses carry HSTS.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }
