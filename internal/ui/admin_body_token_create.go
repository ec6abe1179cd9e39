package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
)

const adminBodyTokenPrefix = accounts.BodyTokenPrefix

type adminBodyTokenData struct {
	adminNav
	Body  *model.VerificationBody
	Token *model.BodyAPIToken
	Raw   string // the token in clear: in this one response, nowhere else
}

// adminBodyTokenCreate makes a token for body :id and shows it once, in
// this response: it is never stored, logged or put in a URL, so a reload
// cannot show it again (and no cache may keep the page).
func (h *Handler) adminBodyTokenCreate(c *gin.Context) {
	ctx := c.Request.Context()
	body, ok := loadParam(h, c, "id", h.Store.VerificationBodyByID)
	if !ok {
		return
	}
	name := c.PostForm("name")
	raw, tok, err := h.Accounts.CreateBodyToken(ctx, h.actor(c), body.ID, name)
	if err != nil {
		h.refused(c, err, func(status int, errs form.Errors) { h.adminBodiesPage(c, status, body.ID, name, errs) })
		return
	}
	server.Logger(c).Info("body API token created", "token_id", tok.ID, "verification_body", body.Code, "by", currentUser(c).ID)
	c.Header("Cache-Control", "no-store")
	h.adminRender(c, http.StatusOK, "admin_body_token", "admin.body_token.created_title", &adminBodyTokenData{Body: body, Token: tok, Raw: raw})
}
