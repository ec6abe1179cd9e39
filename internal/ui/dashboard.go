package ui

import "github.com/gin-gonic/gin"

// registerDashboard declares the dashboard routes under /staff.
func (h *Handler) registerDashboard(st *gin.RouterGroup) {}
