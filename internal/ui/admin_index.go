package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type adminIndexData struct {
	adminNav
	Sections []struct{ Key, URL string }
}

func (h *Handler) adminIndex(c *gin.Context) {
	h.adminRender(c, http.StatusOK, "admin_index", "admin.index.title", &adminIndexData{Sections: adminSections[1:]})
}
