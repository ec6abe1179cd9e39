package ui

import "github.com/gin-gonic/gin"

// registerAdmin declares the city admin's routes under /admin.
func (h *Handler) registerAdmin(g *gin.RouterGroup) {}
