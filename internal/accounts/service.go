package accounts

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/storage"
)

// Limits bounds how many one-time codes (sign-up and password reset) are
// sent; zero disables a limit. Every code is an SMS the city pays for or an
// e-mail in someone's inbox, so both are counted before anything is sent.
type Limits struct {
	CodesPerAddressPerHour int // per client address (IPv6 by /64)
	CodesPerHour           int // over all clients
}

// DefaultLimits are the limits when configuration sets none.
var DefaultLimits = Limits{CodesPerAddressPerHour: 5, CodesPerHour: 200}

// Service is what a person does with their account: sign in, sign up,
// reset a forgotten password, change it. Each method owns its transaction,
// its audit entries and the messages it sends (outbox rows written in the
// same transaction), so the web pages and any other caller share one set of
// rules.
type Service struct {
	Store  *storage.Store
	Audit  *audit.Log // every audit entry is appended through it
	Secret []byte     // keys code hashes and device cookies
	Limits Limits
	Now    func() time.Time // nil: the real clock
	// Logger receives the development-only line with each one-time code
	// when LogCodes is set; never set LogCodes in production.
	Logger   *slog.Logger
	LogCodes bool
	// PasswordCheck checks a password against its hash; nil means
	// CheckPassword. Tests count the calls.
	PasswordCheck func(encoded, password string) bool
}

// Client is who is asking, as far as the request tells.
type Client struct {
	Address string // the client IP
	Locale  string // the page's language, for messages sent
	Device  string // the device cookie, if any (see DeviceToken)
}

// Refusals are errors of the one vocabulary (internal/fail): Invalid with
// a message per field; Unauthorized for a wrong login or password (never
// which); RateLimited with RetryAfter; Conflict when the state changed under
// the request (a code spent by a concurrent request, a login taken
// meanwhile). Anything else a method returns is a server error, and nothing
// was changed.
func invalid(field, key string, args ...any) *fail.Error {
	return fail.Field(fail.Invalid, field, key, args...)
}

func throttled(d time.Duration) *fail.Error { return fail.Limited(d) }

// errWrongPassword: the login or the password is wrong.
var errWrongPassword = fail.New(fail.Unauthorized, "wrong login or password")

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) checkPassword(encoded, password string) bool {
	if s.PasswordCheck != nil {
		return s.PasswordCheck(encoded, password)
	}
	return CheckPassword(encoded, password)
}

// bucket names a rate-limit row. Logins can be 254 characters long and
// the key column holds 200, so the parts are hashed.
func bucket(kind string, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return kind + ":" + hex.EncodeToString(sum[:20])
}

func (s *Service) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return m.Sum(nil)
}
