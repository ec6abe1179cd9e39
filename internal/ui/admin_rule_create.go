package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/routing"
)

func (h *Handler) adminRuleNew(c *gin.Context) {
	h.adminRuleFormPage(c, http.StatusOK, &adminRuleFormData{Form: adminRuleForm{Priority: strconv.Itoa(int(routing.DefaultPriority)), Enabled: true}})
}

func (h *Handler) adminRuleCreate(c *gin.Context) { h.adminSaveRule(c, nil) }
