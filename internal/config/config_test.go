package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultsNeedNothing(t *testing.T) {
	cfg, err := Load("", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":8080" || cfg.Database.Driver != "sqlite" || cfg.BaseURL != "http://localhost:8080" || cfg.Mode != Development ||
		cfg.MetricsAddr != "" {
		t.Fatalf("defaults: %+v", cfg)
	}
}

func TestExampleFileLoadsAndEnvironmentWins(t *testing.T) {
	env := map[string]string{"HM_ADDR": "127.0.0.1:9999", "HM_BASE_URL": "https://jl.example.gov.cn", "HM_DEMO": "1"}
	cfg, err := Load(filepath.Join("..", "..", "configs", "honestmeasure.example.yaml"), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9999" || !cfg.Demo || !cfg.SecureCookies() || cfg.PublicBaseURL() != "https://jl.example.gov.cn" {
		t.Fatalf("env overrides not applied: %+v", cfg)
	}
}

func TestPhotoMemory(t *testing.T) {
	cfg, err := Load("", func(string) string { return "" })
	if err != nil || cfg.PhotoMemoryMB != 192 {
		t.Fatalf("default: %d %v", cfg.PhotoMemoryMB, err)
	}
	cfg, err = Load("", func(k string) string { return map[string]string{"HM_PHOTO_MEMORY_MB": "512"}[k] })
	if err != nil || cfg.PhotoMemoryMB != 512 {
		t.Fatalf("HM_PHOTO_MEMORY_MB=512: %d %v", cfg.PhotoMemoryMB, err)
	}
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("adress: ':80'\n"), 0o600)
	if _, err := Load(bad, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "adress") {
		t.Fatalf("misspelt key: %v", err)
	}
	empty := filepath.Join(dir, "empty.yaml")
	os.WriteFile(empty, nil, 0o600)
	if _, err := Load(empty, func(string) string { return "" }); err != nil {
		t.Fatalf("empty file: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml"), func(string) string { return "" }); err == nil {
		t.Fatal("missing file accepted")
	}
}

func TestValidate(t *testing.T) {
	long := strings.Repeat("k", 32)
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"production with secret and audit key", map[string]string{"HM_MODE": "production", "HM_SECRET": long, "HM_AUDIT_KEY": strings.Repeat("a", 32)}, ""},
		{"production without secret", map[string]string{"HM_MODE": "production", "HM_AUDIT_KEY": strings.Repeat("a", 32)}, "HM_SECRET is required"},
		{"production without audit key", map[string]string{"HM_MODE": "production", "HM_SECRET": long}, "HM_AUDIT_KEY is required in production"},
		{"development without audit key", map[string]string{"HM_SECRET": long}, ""},
		{"short audit key", map[string]string{"HM_AUDIT_KEY": strings.Repeat("a", 31)}, "HM_AUDIT_KEY is too short: 31 characters"},
		{"audit key equal to the secret", map[string]string{"HM_SECRET": long, "HM_AUDIT_KEY": long}, "HM_AUDIT_KEY must differ from HM_SECRET"},
		{"unknown mode", map[string]string{"HM_MODE": "staging"}, "HM_MODE"},
		{"unknown driver", map[string]string{"HM_DB_DRIVER": "oracle"}, "unknown database driver"},
		{"mysql needs dsn", map[string]string{"HM_DB_DRIVER": "mysql"}, "HM_DB_DSN"},
		{"base URL with path", map[string]string{"HM_BASE_URL": "https://x.cn/app"}, "path"},
		{"metrics on a port of their own", map[string]string{"HM_METRICS_ADDR": "127.0.0.1:9090"}, ""},
		{"metrics without a port", map[string]string{"HM_METRICS_ADDR": "localhost"}, "HM_METRICS_ADDR must be host:port"},
		{"metrics on the public listener", map[string]string{"HM_ADDR": ":8080", "HM_METRICS_ADDR": ":8080"}, "HM_METRICS_ADDR must differ"},
		{"bad pool size", map[string]string{"HM_DB_MAX_OPEN_CONNS": "0"}, "HM_DB_MAX_OPEN_CONNS"},
		{"bad scan cache size", map[string]string{"HM_SCAN_CACHE_MB": "0"}, "HM_SCAN_CACHE_MB"},
		{"bad upload spool size", map[string]string{"HM_UPLOAD_SPOOL_MB": "-1"}, "HM_UPLOAD_SPOOL_MB"},
		{"photo memory not a number", map[string]string{"HM_PHOTO_MEMORY_MB": "lots"}, "HM_PHOTO_MEMORY_MB"},
		{"photo memory too small", map[string]string{"HM_PHOTO_MEMORY_MB": "8"}, "HM_PHOTO_MEMORY_MB"},
		{"bad log format", map[string]string{"HM_LOG_FORMAT": "xml"}, "HM_LOG_FORMAT"},
		{"SMS gateway", map[string]string{"HM_SMS_WEBHOOK_URL": "https://sms.example.gov.cn/send", "HM_SMS_WEBHOOK_SECRET": "k"}, ""},
		{"SMS gateway without key", map[string]string{"HM_SMS_WEBHOOK_URL": "https://sms.example.gov.cn/send"}, "HM_SMS_WEBHOOK_SECRET"},
		{"SMS gateway not a URL", map[string]string{"HM_SMS_WEBHOOK_URL": "sms.example.gov.cn", "HM_SMS_WEBHOOK_SECRET": "k"}, "HM_SMS_WEBHOOK_URL"},
		{"bad sign-up limit", map[string]string{"HM_SIGNUP_LIMIT_PER_IP": "-1"}, "HM_SIGNUP_LIMIT_PER_IP"},
		{"sign-up limit off", map[string]string{"HM_SIGNUP_LIMIT_PER_HOUR": "0"}, ""},
	}
	for _, tt := range tests {
		_, err := Load("", func(k string) string { return tt.env[k] })
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// The audit key is taken verbatim, like the secret: spaces are part of it.
func TestAuditKeyFromFileAndEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte("audit_key: "+strings.Repeat("f", 40)+"\n"), 0o600)
	cfg, err := Load(path, func(string) string { return "" })
	if err != nil || cfg.AuditKey != strings.Repeat("f", 40) {
		t.Fatalf("from file: %q %v", cfg.AuditKey, err)
	}
	key := " " + strings.Repeat("e", 40) + " "
	cfg, err = Load(path, func(k string) string { return map[string]string{"HM_AUDIT_KEY": key}[k] })
	if err != nil || cfg.AuditKey != key {
		t.Fatalf("from environment: %q %v", cfg.AuditKey, err)
	}
}
