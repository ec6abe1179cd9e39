package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
)

// The verification bodies and their API tokens (accounts.CreateBodyToken):
// the city admin gives a body's own system a token, sees when each was last
// used, and revokes it. A token is shown once, in the answer to the POST
// that made it (admin_body_token_create.go); this list shows only hints.

type adminBodyRow struct {
	Body   model.VerificationBody
	Tokens []model.BodyAPIToken
	Name   string      // the new token's name as typed, when the form is shown again
	Errors form.Errors // for this body's new-token form
}

type adminBodiesData struct {
	adminNav
	Bodies []adminBodyRow
	Prefix string // what every token starts with, before its hint
}

func (h *Handler) adminBodies(c *gin.Context) { h.adminBodiesPage(c, http.StatusOK, 0, "", nil) }

// adminBodiesPage lists the bodies with their tokens; formBody's form shows
// name and errs again.
func (h *Handler) adminBodiesPage(c *gin.Context, status int, formBody int64, name string, errs form.Errors) {
	ctx := c.Request.Context()
	bodies, err := h.Store.VerificationBodies(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d := &adminBodiesData{Prefix: adminBodyTokenPrefix}
	for _, b := range bodies {
		row := adminBodyRow{Body: b}
		if row.Tokens, err = h.Accounts.BodyTokens(ctx, b.ID); err != nil {
			h.serverError(c, err)
			return
		}
		if b.ID == formBody {
			row.Name, row.Errors = name, errs
		}
		d.Bodies = append(d.Bodies, row)
	}
	h.adminRender(c, status, "admin_bodies", "admin.bodies.title", d)
}
