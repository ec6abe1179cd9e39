package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
)

// bodyTokens makes API tokens as the city admin does, through accounts.
type bodyTokens struct {
	t     *testing.T
	svc   *accounts.Service
	admin audit.Actor
}

func newBodyTokens(t *testing.T, a *apptest.App) *bodyTokens {
	t.Helper()
	log, err := audit.New([]byte(apptest.AuditKey))
	if err != nil {
		t.Fatal(err)
	}
	admin := a.CreateUser("admin@example.gov.cn", "admin-password", model.RoleCityAdmin, "")
	return &bodyTokens{t: t, svc: &accounts.Service{Store: a.Store, Audit: log, Now: a.Now}, admin: audit.Actor{User: admin, IP: "127.0.0.1"}}
}

func (b *bodyTokens) create(bodyID int64) (string, *model.BodyAPIToken) {
	b.t.Helper()
	raw, tok, err := b.svc.CreateBodyToken(context.Background(), b.admin, bodyID, "检定系统")
	if err != nil {
		b.t.Fatal(err)
	}
	return raw, tok
}

func (c *client) bodyMe(header ...string) result {
	c.t.Helper()
	req := c.newRequest(http.MethodGet, "/body/me", header...)
	scheme, token, _ := strings.Cut(req.Header.Get("Authorization"), " ")
	// Without bearer credentials the request breaks the contract (the
	// operation requires the scheme): the document must say so too.
	return c.do(req, nil, strings.EqualFold(scheme, "Bearer") && token != "")
}

type bodyMe struct {
	Code   string `json:"code"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
}

func expectUnauthorized(t *testing.T, r result) {
	t.Helper()
	expectStatus(t, r, http.StatusUnauthorized)
	if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") || string(r.Body) != `{"error":"not authorised"}` {
		t.Fatalf("401 without the bearer challenge or the usual error: %v %s", r.Header, r.Body)
	}
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("401 Cache-Control %q", r.Header.Get("Cache-Control"))
	}
}

func TestBodyTokenAuthentication(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	ctx := context.Background()
	first, err := a.Store.VerificationBodyByCode(ctx, a.Ref.VerificationBodies[0].Code)
	if err != nil {
		t.Fatal(err)
	}
	second := &model.VerificationBody{Code: "js-other", NameZh: "另一检定机构", NameEn: "Another body", CreatedAt: a.Now()}
	if err := a.Store.DB().Create(second).Error; err != nil {
		t.Fatal(err)
	}
	tokens := newBodyTokens(t, a)
	rawA, tokA := tokens.create(first.ID)
	rawB, _ := tokens.create(second.ID)

	for raw, want := range map[string]*model.VerificationBody{rawA: first, rawB: second} {
		r := c.bodyMe("Authorization", "Bearer "+raw)
		expectStatus(t, r, http.StatusOK)
		var me bodyMe
		r.decode(t, &me)
		if me != (bodyMe{Code: want.Code, NameZh: want.NameZh, NameEn: want.NameEn}) {
			t.Fatalf("token of %s answers %+v", want.Code, me)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("Cache-Control %q", r.Header.Get("Cache-Control"))
		}
	}
	// The scheme is case-insensitive.
	expectStatus(t, c.bodyMe("Authorization", "bearer "+rawA), http.StatusOK)

	expectUnauthorized(t, c.bodyMe())
	for _, bad := range []string{"Bearer garbage", "Bearer " + rawA[:len(rawA)-1] + "x", "Basic " + rawA, "Bearer " + strings.Repeat("A", 8000)} {
		expectUnauthorized(t, c.bodyMe("Authorization", bad))
	}
	if err := tokens.svc.RevokeBodyToken(ctx, tokens.admin, tokA.ID); err != nil {
		t.Fatal(err)
	}
	expectUnauthorized(t, c.bodyMe("Authorization", "Bearer "+rawA))
	// The other body's token still works.
	expectStatus(t, c.bodyMe("Authorization", "Bearer "+rawB), http.StatusOK)
	// The token itself was never stored.
	if n := countRows(t, a, "body_api_tokens", "token_hash = ? OR hint = ? OR name LIKE ?", rawB, rawB, "%"+rawB[4:]+"%"); n != 0 {
		t.Fatalf("%d rows hold the token", n)
	}
}

// Guessing tokens from one address is cut off after 30 failures: the
// 31st request gets 429, even with a good token.
func TestBodyTokenGuessesAreRateLimited(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	body, err := a.Store.VerificationBodyByCode(context.Background(), a.Ref.VerificationBodies[0].Code)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := newBodyTokens(t, a).create(body.ID)
	for i := 0; i < 30; i++ {
		expectUnauthorized(t, c.bodyMe("Authorization", "Bearer hmb_guess"))
	}
	r := c.bodyMe("Authorization", "Bearer "+raw)
	expectStatus(t, r, http.StatusTooManyRequests)
	if r.Header.Get("Retry-After") == "" {
		t.Fatalf("429 without Retry-After: %v", r.Header)
	}
}
