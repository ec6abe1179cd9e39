package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
)

type adminTypesData struct {
	adminNav
	Types []model.InstrumentType
}

func (h *Handler) adminInstrumentTypes(c *gin.Context) {
	types, err := h.Store.AllInstrumentTypes(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.adminRender(c, http.StatusOK, "admin_instrument_types", "admin.types.title", &adminTypesData{Types: types})
}
