package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/storage"
)

type homeData struct {
	Published int64
	Target    int64
	Districts []storage.DistrictProgress
}

func (h *Handler) home(c *gin.Context) {
	progress, err := h.Store.PublishedUnitsByDistrict(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	d := homeData{Target: int64(h.Ref.City.UnitTarget), Districts: progress}
	for _, p := range progress {
		d.Published += p.Published
	}
	h.render(c, http.StatusOK, "home", h.page(c, "", d))
}
