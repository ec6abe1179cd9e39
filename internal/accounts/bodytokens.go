package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/throttle"
)

// A verification body's own system sends its records through the API with a
// bearer token the city admin creates for the body. A token is 32 random
// bytes, base64url without padding, after the prefix BodyTokenPrefix (so a
// token pasted into the wrong place is recognised for what it is). It is
// shown once, when it is made; only its SHA-256 is stored, with its first
// characters (the hint) so that the admin can tell tokens apart. A token
// works until it is revoked.
const (
	BodyTokenPrefix = "hmb_"
	// MaxBodyTokenName bounds a token's name (body_api_tokens.name).
	MaxBodyTokenName = 100
	bodyTokenBytes   = 32
	bodyTokenHint    = 8
	// bodyTokenTouch: a token's last use is written at most this often,
	// not on every request of a busy system.
	bodyTokenTouch = time.Minute
)

// bodyTokenLen is the length of every token this package makes.
var bodyTokenLen = len(BodyTokenPrefix) + base64.RawURLEncoding.EncodedLen(bodyTokenBytes)

// Failed token checks are counted per client address (an IPv6 /64 as one):
// beyond bodyTokenFailLimit in bodyTokenFailWindow every request from there
// is refused until the window ends, right token or not. A token has 256
// random bits, so this is not what keeps it from being guessed; it keeps a
// guesser from using the API as a fast oracle at all.
const (
	bodyTokenFailWindow = 15 * time.Minute
	bodyTokenFailLimit  = 30
)

var (
	// errBadBodyToken: no such token, or not a token at all. Never says which.
	errBadBodyToken = fail.New(fail.Unauthorized, "unknown API token")
	// errRevokedBodyToken answers the same to the client; it is not counted
	// as a guess, as whoever holds it held a valid token once.
	errRevokedBodyToken = fail.New(fail.Unauthorized, "revoked API token")
	// errNotCityAdmin: only the city admin manages tokens.
	errNotCityAdmin = fail.New(fail.NotFound, "only the city admin manages API tokens")
)

func bodyTokenHash(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// wellFormedBodyToken reports whether raw has the shape of a token this
// package makes: the prefix and exactly 32 bytes in base64url.
func wellFormedBodyToken(raw string) bool {
	if len(raw) != bodyTokenLen || !strings.HasPrefix(raw, BodyTokenPrefix) {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(raw[len(BodyTokenPrefix):])
	return err == nil && len(b) == bodyTokenBytes
}

func mayManageBodyTokens(who audit.Actor) bool {
	return who.User != nil && who.User.Role == model.RoleCityAdmin && !who.User.Disabled
}

// CreateBodyToken makes a new API token named name for verification body
// bodyID and returns it in clear (raw) with its stored row. raw is never
// stored, logged or audited: the caller shows it once and forgets it.
// A missing or over-long name is a fail.Invalid on field "name"; an unknown
// body, or a caller who is not the city admin, a fail.NotFound.
func (s *Service) CreateBodyToken(ctx context.Context, who audit.Actor, bodyID int64, name string) (string, *model.BodyAPIToken, error) {
	if !mayManageBodyTokens(who) {
		return "", nil, errNotCityAdmin
	}
	name = form.Clean(strings.ToValidUTF8(name, ""))
	switch {
	case name == "":
		return "", nil, invalid("name", "form.required")
	case form.TooLong(name, MaxBodyTokenName):
		return "", nil, invalid("name", "form.too_long", MaxBodyTokenName)
	}
	body, err := s.Store.VerificationBodyByID(ctx, bodyID)
	if err != nil {
		return "", nil, err
	}
	secret := make([]byte, bodyTokenBytes)
	if _, err := rand.Read(secret); err != nil {
		return "", nil, err
	}
	encoded := base64.RawURLEncoding.EncodeToString(secret)
	raw := BodyTokenPrefix + encoded
	now := s.now()
	t := &model.BodyAPIToken{VerificationBodyID: body.ID, Name: name, TokenHash: bodyTokenHash(raw),
		Hint: encoded[:bodyTokenHint], CreatedBy: &who.User.ID, CreatedAt: now}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.CreateBodyToken(ctx, t); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event{Action: audit.ActionBodyTokenCreate, ObjectType: audit.ObjectBodyToken,
			ObjectID: strconv.FormatInt(t.ID, 10), At: now,
			After: map[string]any{"verification_body_id": body.ID, "verification_body": body.Code, "name": t.Name, "hint": t.Hint}}.By(who))
	})
	if err != nil {
		return "", nil, err
	}
	return raw, t, nil
}

// RevokeBodyToken revokes token tokenID for good; the body's system is
// refused from its next request. Revoking a revoked token changes nothing
// and is not audited again.
func (s *Service) RevokeBodyToken(ctx context.Context, who audit.Actor, tokenID int64) error {
	if !mayManageBodyTokens(who) {
		return errNotCityAdmin
	}
	t, err := s.Store.BodyTokenByID(ctx, tokenID)
	if err != nil {
		return err
	}
	if t.RevokedAt != nil {
		return nil
	}
	now := s.now()
	return s.Store.Tx(ctx, func(tx *storage.Store) error {
		revoked, err := tx.RevokeBodyToken(ctx, t.ID, now)
		if err != nil || !revoked { // revoked meanwhile by another request
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event{Action: audit.ActionBodyTokenRevoke, ObjectType: audit.ObjectBodyToken,
			ObjectID: strconv.FormatInt(t.ID, 10), At: now,
			Before: map[string]any{"verification_body_id": t.VerificationBodyID, "name": t.Name, "hint": t.Hint, "revoked": false},
			After:  map[string]any{"revoked": true}}.By(who))
	})
}

// BodyTokens lists body bodyID's tokens, newest first, revoked ones
// included. The rows carry no hash.
func (s *Service) BodyTokens(ctx context.Context, bodyID int64) ([]model.BodyAPIToken, error) {
	list, err := s.Store.BodyTokensOf(ctx, bodyID)
	for i := range list {
		list[i].TokenHash = ""
	}
	return list, err
}

// AuthenticateBodyToken returns the verification body whose live token raw
// is, with the token. Anything else — a malformed string, an unknown or a
// revoked token — is the same fail.Unauthorized. The token is looked up by
// its SHA-256, so no comparison of secret bytes ever runs (and a string of
// any other length is refused before it is hashed). The token's last use is
// written at most once a minute.
//
// It does not throttle: an edge facing the network calls
// AuthenticateBodyTokenFrom.
func (s *Service) AuthenticateBodyToken(ctx context.Context, raw string) (*model.VerificationBody, *model.BodyAPIToken, error) {
	if !wellFormedBodyToken(raw) {
		return nil, nil, errBadBodyToken
	}
	t, body, err := s.Store.BodyTokenByHash(ctx, bodyTokenHash(raw))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, errBadBodyToken
	}
	if err != nil {
		return nil, nil, err
	}
	if t.RevokedAt != nil {
		return nil, nil, errRevokedBodyToken
	}
	now := s.now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= bodyTokenTouch {
		if err := s.Store.TouchBodyToken(ctx, t.ID, now, now.Add(-bodyTokenTouch)); err != nil {
			return nil, nil, err
		}
		t.LastUsedAt = &now
	}
	t.TokenHash = ""
	return body, t, nil
}

// AuthenticateBodyTokenFrom is AuthenticateBodyToken for a request from
// client c: an address that has failed too often lately is refused with a
// fail.RateLimited before the token is looked at, and each failure from it
// (a malformed or unknown token; not a revoked one) is counted.
func (s *Service) AuthenticateBodyTokenFrom(ctx context.Context, c Client, raw string) (*model.VerificationBody, *model.BodyAPIToken, error) {
	b := bucket("apitoken:ip", throttle.AddressKey(c.Address))
	now := s.now()
	st, err := s.Store.RateCheck(ctx, b, now)
	if err != nil {
		return nil, nil, err
	}
	if st.Blocked {
		return nil, nil, throttled(st.RetryAfter)
	}
	body, t, err := s.AuthenticateBodyToken(ctx, raw)
	if errors.Is(err, errBadBodyToken) {
		if _, herr := s.Store.RateHit(ctx, b, bodyTokenFailWindow, bodyTokenFailLimit, now); herr != nil {
			return nil, nil, herr
		}
	}
	return body, t, err
}
