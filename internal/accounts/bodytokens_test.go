package accounts_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
)

// tokenWorld adds two verification bodies and a city admin to a service.
func tokenWorld(t *testing.T) (*accounts.Service, *clock, audit.Actor, [2]*model.VerificationBody) {
	t.Helper()
	s, clk, _ := newService(t)
	ctx := context.Background()
	var bodies [2]*model.VerificationBody
	for i, code := range []string{"CZ-IM", "CZ-OTHER"} {
		b := &model.VerificationBody{Code: code, NameZh: "检定机构" + code, NameEn: "Body " + code, CreatedAt: clk.Now()}
		if err := s.Store.DB().Create(b).Error; err != nil {
			t.Fatal(err)
		}
		bodies[i] = b
	}
	admin, err := accounts.NewUser("admin@example.gov.cn", "admin-password", "管理员", model.RoleCityAdmin, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store.CreateUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	return s, clk, audit.Actor{User: admin, IP: "198.51.100.1"}, bodies
}

// rowsText is every value of every row of table, as text.
func rowsText(t *testing.T, s *accounts.Service, table string) string {
	t.Helper()
	var rows []map[string]any
	if err := s.Store.DB().Table(table).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		for _, v := range r {
			if by, ok := v.([]byte); ok {
				v = string(by)
			}
			fmt.Fprintf(&b, "%v\n", v)
		}
	}
	return b.String()
}

func TestBodyTokenLifecycle(t *testing.T) {
	s, _, admin, bodies := tokenWorld(t)
	ctx := context.Background()
	raw, tok, err := s.CreateBodyToken(ctx, admin, bodies[0].ID, "  检定系统 生产环境 ")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, accounts.BodyTokenPrefix) || len(raw) != len(accounts.BodyTokenPrefix)+43 {
		t.Fatalf("token %q: want %s and 43 base64url characters", raw, accounts.BodyTokenPrefix)
	}
	if tok.Hint != raw[len(accounts.BodyTokenPrefix):len(accounts.BodyTokenPrefix)+8] || tok.Name != "检定系统 生产环境" {
		t.Fatalf("hint %q, name %q for token %q", tok.Hint, tok.Name, raw)
	}
	sum := sha256.Sum256([]byte(raw))
	if tok.TokenHash != hex.EncodeToString(sum[:]) {
		t.Fatalf("stored hash %q is not the SHA-256 of the token", tok.TokenHash)
	}
	// Neither the token nor its secret part is anywhere in the database:
	// not in its row, not in the audit log.
	secret := raw[len(accounts.BodyTokenPrefix):]
	for _, table := range []string{"body_api_tokens", "audit_log"} {
		if text := rowsText(t, s, table); strings.Contains(text, secret) || strings.Contains(text, secret[8:]) {
			t.Fatalf("%s holds the token:\n%s", table, text)
		}
	}
	if n := adminAudits(t, s, audit.ActionBodyTokenCreate); n != 1 {
		t.Fatalf("%d creation entries, want 1", n)
	}

	body, got, err := s.AuthenticateBodyToken(ctx, raw)
	if err != nil || body.ID != bodies[0].ID || got.ID != tok.ID || got.LastUsedAt == nil {
		t.Fatalf("AuthenticateBodyToken = %+v, %+v, %v", body, got, err)
	}
	// One character changed, the prefix missing, too long, garbage: all refused alike.
	flipped := []byte(raw)
	if flipped[20] == 'A' {
		flipped[20] = 'B'
	} else {
		flipped[20] = 'A'
	}
	for _, bad := range []string{string(flipped), secret, raw + "x", raw[:len(raw)-1], "", "hmb_" + strings.Repeat("!", 43),
		strings.Repeat("x", 1<<20), "Bearer " + raw} {
		if _, _, err := s.AuthenticateBodyToken(ctx, bad); !fail.Is(err, fail.Unauthorized) {
			t.Errorf("token %.60q: %v, want unauthorized", bad, err)
		}
	}

	list, err := s.BodyTokens(ctx, bodies[0].ID)
	if err != nil || len(list) != 1 || list[0].Hint != tok.Hint || list[0].TokenHash != "" {
		t.Fatalf("BodyTokens = %+v, %v", list, err)
	}
	if list, _ := s.BodyTokens(ctx, bodies[1].ID); len(list) != 0 {
		t.Fatalf("the other body lists %+v", list)
	}

	if err := s.RevokeBodyToken(ctx, admin, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AuthenticateBodyToken(ctx, raw); !fail.Is(err, fail.Unauthorized) {
		t.Fatalf("revoked token: %v, want unauthorized", err)
	}
	if err := s.RevokeBodyToken(ctx, admin, tok.ID); err != nil {
		t.Fatalf("second revocation: %v", err)
	}
	if n := adminAudits(t, s, audit.ActionBodyTokenRevoke); n != 1 {
		t.Fatalf("%d revocation entries, want 1", n)
	}
	if list, _ := s.BodyTokens(ctx, bodies[0].ID); len(list) != 1 || list[0].RevokedAt == nil {
		t.Fatalf("after revocation: %+v", list)
	}
	if err := s.RevokeBodyToken(ctx, admin, tok.ID+100); !fail.Is(err, fail.NotFound) {
		t.Fatalf("revoking an unknown token: %v", err)
	}
}

func adminAudits(t *testing.T, s *accounts.Service, action string) int64 {
	t.Helper()
	var n int64
	if err := s.Store.DB().Table("audit_log").Where("action = ? AND object_type = ?", action, audit.ObjectBodyToken).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestBodyTokenRefusals(t *testing.T) {
	s, _, admin, bodies := tokenWorld(t)
	ctx := context.Background()
	for name, want := range map[string]string{"": "form.required", "  \t ": "form.required", strings.Repeat("名", 101): "form.too_long"} {
		_, _, err := s.CreateBodyToken(ctx, admin, bodies[0].ID, name)
		e, ok := fail.As(err)
		if !ok || e.Kind != fail.Invalid || e.Fields["name"].Key != want {
			t.Errorf("name %q: %v, want %s on name", name, err, want)
		}
	}
	if _, _, err := s.CreateBodyToken(ctx, admin, bodies[0].ID, strings.Repeat("名", 100)); err != nil {
		t.Errorf("a 100-character name: %v", err)
	}
	if _, _, err := s.CreateBodyToken(ctx, admin, 9999, "x"); !fail.Is(err, fail.NotFound) {
		t.Errorf("unknown body: %v", err)
	}
	merchant, err := s.Store.UserByLogin(ctx, "13800000001")
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []audit.Actor{{User: merchant}, {}} {
		if _, _, err := s.CreateBodyToken(ctx, who, bodies[0].ID, "x"); !fail.Is(err, fail.NotFound) {
			t.Errorf("created by %+v: %v", who.User, err)
		}
	}
	_, tok, err := s.CreateBodyToken(ctx, admin, bodies[0].ID, "y")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeBodyToken(ctx, audit.Actor{User: merchant}, tok.ID); !fail.Is(err, fail.NotFound) {
		t.Errorf("revoked by a merchant: %v", err)
	}
}

// A busy system's token is written at most once a minute.
func TestBodyTokenLastUseWrittenAtMostOnceAMinute(t *testing.T) {
	s, clk, admin, bodies := tokenWorld(t)
	ctx := context.Background()
	raw, tok, err := s.CreateBodyToken(ctx, admin, bodies[0].ID, "sys")
	if err != nil {
		t.Fatal(err)
	}
	lastUse := func() time.Time {
		t.Helper()
		got, err := s.Store.BodyTokenByID(ctx, tok.ID)
		if err != nil || got.LastUsedAt == nil {
			t.Fatalf("token %+v, %v", got, err)
		}
		return got.LastUsedAt.UTC()
	}
	start := clk.Now()
	if _, _, err := s.AuthenticateBodyToken(ctx, raw); err != nil {
		t.Fatal(err)
	}
	if !lastUse().Equal(start) {
		t.Fatalf("last use %v, want %v", lastUse(), start)
	}
	clk.Add(40 * time.Second)
	if _, _, err := s.AuthenticateBodyToken(ctx, raw); err != nil {
		t.Fatal(err)
	}
	if !lastUse().Equal(start) {
		t.Fatalf("last use rewritten within the minute: %v", lastUse())
	}
	clk.Add(30 * time.Second)
	if _, _, err := s.AuthenticateBodyToken(ctx, raw); err != nil {
		t.Fatal(err)
	}
	if want := start.Add(70 * time.Second); !lastUse().Equal(want) {
		t.Fatalf("last use %v, want %v", lastUse(), want)
	}
}

// Failed checks are counted per address: beyond the limit even the right
// token is refused from there, until the window ends; other addresses and
// revoked tokens are not affected.
func TestBodyTokenFailuresAreThrottledPerAddress(t *testing.T) {
	s, clk, admin, bodies := tokenWorld(t)
	ctx := context.Background()
	raw, _, err := s.CreateBodyToken(ctx, admin, bodies[0].ID, "sys")
	if err != nil {
		t.Fatal(err)
	}
	old, oldTok, err := s.CreateBodyToken(ctx, admin, bodies[0].ID, "old")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeBodyToken(ctx, admin, oldTok.ID); err != nil {
		t.Fatal(err)
	}
	attacker := accounts.Client{Address: "2001:db8:7:7::1"}
	for i := 0; i < 50; i++ {
		if _, _, err := s.AuthenticateBodyTokenFrom(ctx, accounts.Client{Address: "192.0.2.9"}, old); !fail.Is(err, fail.Unauthorized) {
			t.Fatalf("revoked token, attempt %d: %v", i, err)
		}
	}
	for i := 0; i < 30; i++ {
		c := attacker
		c.Address = fmt.Sprintf("2001:db8:7:7::%x", i+1) // the same /64
		if _, _, err := s.AuthenticateBodyTokenFrom(ctx, c, fmt.Sprintf("hmb_guess%d", i)); !fail.Is(err, fail.Unauthorized) {
			t.Fatalf("guess %d: %v, want unauthorized", i, err)
		}
	}
	_, _, err = s.AuthenticateBodyTokenFrom(ctx, attacker, raw)
	e, ok := fail.As(err)
	if !ok || e.Kind != fail.RateLimited || e.RetryAfter <= 0 || e.RetryAfter > 15*time.Minute {
		t.Fatalf("after 30 failures: %v, want rate limited for at most 15 minutes", err)
	}
	if body, _, err := s.AuthenticateBodyTokenFrom(ctx, accounts.Client{Address: "192.0.2.9"}, raw); err != nil || body.ID != bodies[0].ID {
		t.Fatalf("another address (which sent a revoked token 50 times): %v", err)
	}
	clk.Add(e.RetryAfter)
	if _, _, err := s.AuthenticateBodyTokenFrom(ctx, attacker, raw); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
}
