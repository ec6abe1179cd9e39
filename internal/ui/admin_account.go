package ui

import (
	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
)

// adminUser loads account :id or answers 404.
func (h *Handler) adminUser(c *gin.Context) (*model.User, bool) {
	return loadParam(h, c, "id", h.Store.UserByID)
}
