package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
)

type adminPledgeListData struct {
	adminNav
	Texts     []model.PledgeText
	CurrentID int64
	Signed    map[int64]int64
}

func (h *Handler) adminPledgeTexts(c *gin.Context) {
	ctx := c.Request.Context()
	texts, err := h.Store.PledgeTexts(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	signed, err := h.Store.PledgeCounts(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d := &adminPledgeListData{Texts: texts, Signed: signed}
	if len(texts) > 0 {
		d.CurrentID = texts[0].ID // listed current first, as CurrentPledgeText picks it
	}
	h.adminRender(c, http.StatusOK, "admin_pledge_texts", "admin.pledge.title", d)
}
