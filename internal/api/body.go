package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
)

// The verification bodies' API, under /api/v1/body: a body's own system
// authenticates with the bearer token the city admin created for the body
// (accounts.CreateBodyToken) and acts for that body only.

// bodyKey is where bodyAuth leaves the authenticated body in the context.
const bodyKey = "api.verification_body"

// bodyAuth lets a request through only with "Authorization: Bearer
// <token>" of a live body token; anything else is a 401 with
// WWW-Authenticate (a 429 when the address has failed too often lately).
func (h *Handler) bodyAuth(c *gin.Context) {
	private(c)
	raw, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="honestmeasure"`)
		refused(c, fail.New(fail.Unauthorized, "no bearer token"), "attempts")
		c.Abort()
		return
	}
	body, token, err := h.Accounts.AuthenticateBodyTokenFrom(c.Request.Context(), accounts.Client{Address: c.ClientIP()}, raw)
	if err != nil {
		if fail.Is(err, fail.Unauthorized) {
			c.Header("WWW-Authenticate", `Bearer realm="honestmeasure", error="invalid_token"`)
		}
		refused(c, err, "failed attempts")
		c.Abort()
		return
	}
	server.Logger(c).Debug("body API request", "verification_body", body.Code)
	c.Set(bodyKey, body)
	c.Set(tokenHintKey, token.Hint)
	c.Next()
}

// bearerToken reads the credentials of a Bearer authorization (the scheme
// is case-insensitive, RFC 9110 §11.1).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

const tokenHintKey = "api.body_token_hint"

// tokenHintOf is the hint of the token the request came with, for the audit.
func tokenHintOf(c *gin.Context) string { return c.GetString(tokenHintKey) }

// bodyOf is the verification body bodyAuth authenticated; nil outside the
// /api/v1/body group.
func bodyOf(c *gin.Context) *model.VerificationBody {
	if v, ok := c.Get(bodyKey); ok {
		if b, ok := v.(*model.VerificationBody); ok {
			return b
		}
	}
	return nil
}

type bodyJSON struct {
	Code   string `json:"code"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
}

// bodyMe says which body the token belongs to, so that a body's system can
// check its configuration.
func (h *Handler) bodyMe(c *gin.Context) {
	b := bodyOf(c)
	c.JSON(http.StatusOK, bodyJSON{Code: b.Code, NameZh: b.NameZh, NameEn: b.NameEn})
}
