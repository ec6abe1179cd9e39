package ui

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/uscc"
)

// reviewStatuses are the lists an officer can open.
var reviewStatuses = []model.UnitStatus{model.UnitSubmitted, model.UnitApproved, model.UnitSuspended, model.UnitReturned, model.UnitExpired, model.UnitRevoked}

type applicationsData struct {
	// USCC is the credit code searched for ("" when listing by status).
	USCC      string
	Status    model.UnitStatus
	Statuses  []model.UnitStatus
	Units     []model.Unit
	Districts map[int64]model.District
}

func (h *Handler) applications(c *gin.Context) {
	status := model.UnitStatus(c.DefaultQuery("status", string(model.UnitSubmitted)))
	known := false
	for _, s := range reviewStatuses {
		known = known || s == status
	}
	if !known {
		status = model.UnitSubmitted
	}
	// A search, not an entry: case does not matter here.
	code := strings.ToUpper(uscc.Normalize(c.Query("uscc")))
	if len(code) > 18 {
		code = code[:18]
	}
	var list []model.Unit
	var err error
	if code != "" {
		// A business reports that its code is held: who holds it, in any
		// status but draft (drafts hold nothing and are the merchant's own).
		list, err = h.Store.UnitsWithCreditCode(c.Request.Context(), staffAgency(currentUser(c)), code)
	} else {
		list, err = h.Store.UnitsForReview(c.Request.Context(), staffAgency(currentUser(c)), []model.UnitStatus{status}, 500)
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	districts, err := h.districtMap(c)
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.render(c, http.StatusOK, "staff_applications", h.page(c, server.Printer(c).T("review.title"),
		applicationsData{USCC: code, Status: status, Statuses: reviewStatuses, Units: list, Districts: districts}))
}
