package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
)

func adminRuleFormOf(r *model.RoutingRule) adminRuleForm {
	return adminRuleForm{Name: r.Name, Category: string(r.Category), BusinessType: string(r.BusinessType),
		DistrictID: adminIDString(r.DistrictID), AgencyID: adminIDString(r.AgencyID), Priority: strconv.Itoa(int(r.Priority)), Enabled: r.Enabled}
}

func (h *Handler) adminRuleEdit(c *gin.Context) {
	if r, ok := h.adminRule(c); ok {
		h.adminRuleFormPage(c, http.StatusOK, &adminRuleFormData{Rule: r, Form: adminRuleFormOf(r)})
	}
}

func (h *Handler) adminRuleUpdate(c *gin.Context) {
	if r, ok := h.adminRule(c); ok {
		h.adminSaveRule(c, r)
	}
}
