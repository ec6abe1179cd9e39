package ui

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/server"
)

// confirmations are the moderation digests the form's boxes confirmed: the
// held texts the person agreed to publish with their personal data masked.
func confirmations(c *gin.Context) []string {
	return c.PostFormArray(moderation.ConfirmField)
}

type moderationData struct {
	Moderation *model.Moderation
	Actor      *model.User
	Agency     *model.Agency
	Kinds      []string // the kinds of personal data masked
}

// moderationShow reads back a masked text's original: supervisors of the
// publishing agency and the city admin only (moderation.Service.Original;
// anyone else gets 404), audited, never cached.
func (h *Handler) moderationShow(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	m, err := h.Moderation.Original(ctx, h.caseActor(c), id)
	if err != nil {
		h.refused(c, err, nil)
		return
	}
	d := moderationData{Moderation: m, Kinds: strings.Split(m.Kinds, ",")}
	if m.ActorUserID != nil {
		if d.Actor, err = h.Store.UserByID(ctx, *m.ActorUserID); !h.found(c, err) {
			return
		}
	}
	if m.AgencyID != nil {
		if d.Agency, err = h.Store.AgencyByID(ctx, *m.AgencyID); !h.found(c, err) {
			return
		}
	}
	c.Header("Cache-Control", "no-store")
	h.render(c, http.StatusOK, "staff_moderation", h.page(c, server.Printer(c).T("moderation.original_title"), d))
}
