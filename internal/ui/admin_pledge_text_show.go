package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
)

type adminPledgeData struct {
	adminNav
	Text                                           *model.PledgeText
	Current                                        bool
	Signed                                         int64
	ClausesZh, ClausesEn, KeyPointsZh, KeyPointsEn []string
}

func (h *Handler) adminPledgeTextShow(c *gin.Context) {
	ctx := c.Request.Context()
	p, ok := loadParam(h, c, "id", h.Store.PledgeTextByID)
	if !ok {
		return
	}
	cur, err := h.Store.CurrentPledgeText(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	signed, err := h.Store.PledgeCounts(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.adminRender(c, http.StatusOK, "admin_pledge_text", "admin.pledge.view", &adminPledgeData{Text: p, Current: cur.ID == p.ID,
		Signed: signed[p.ID], ClausesZh: adminLines(p.BodyZh), ClausesEn: adminLines(p.BodyEn),
		KeyPointsZh: adminLines(p.KeyPointsZh), KeyPointsEn: adminLines(p.KeyPointsEn)})
}
