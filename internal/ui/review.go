package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/units"
	"honestmeasure/internal/uscc"
)

// staffRoles may open the staff pages: cases, and units' applications and
// status.
var staffRoles = model.StaffRoles

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

// staffAgency is the agency whose jurisdiction limits what a staff member
// sees; nil for the city admin, who sees every district
// (model.User.Jurisdiction).
func staffAgency(u *model.User) *int64 {
	agency, _ := u.Jurisdiction()
	return agency
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

// jurisdictionUnit loads unit :id if the staff member's agency has
// jurisdiction over its district, or answers 404. A draft is the merchant's
// private work until it is submitted: no staff member sees it
// (units.Service.StaffUnit).
func (h *Handler) jurisdictionUnit(c *gin.Context) (*model.Unit, bool) {
	return loadParam(h, c, "id", func(ctx context.Context, id int64) (*model.Unit, error) {
		return h.Units.StaffUnit(ctx, h.actor(c), id)
	})
}

type reviewData struct {
	*unitPageData
	Owner   *model.User
	Actions []units.Action
	Reason  string
	Errors  form.Errors
	// CanReleaseCode: the unit holds its credit code and the viewer may
	// release it (units.CanReleaseCreditCode).
	CanReleaseCode bool
}

func (h *Handler) reviewPage(c *gin.Context, status int, u *model.Unit, reason string, errs form.Errors) {
	d, err := h.unitPage(c, u)
	if err != nil {
		h.serverError(c, err)
		return
	}
	owner, err := h.Store.UserByID(c.Request.Context(), u.OwnerUserID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.render(c, status, "staff_unit", h.page(c, u.Name, reviewData{unitPageData: d, Owner: owner,
		Actions: units.Allowed(u.Status, units.ByOfficer), Reason: reason, Errors: errs,
		CanReleaseCode: units.CanReleaseCreditCode(u, currentUser(c).Role)}))
}

// reviewRefused shows the staff unit page, as the unit now is, with a
// refusal's status and messages and the reason as typed.
func (h *Handler) reviewRefused(c *gin.Context, status int, reason string, errs form.Errors) {
	if u, ok := h.jurisdictionUnit(c); ok {
		h.reviewPage(c, status, u, reason, errs)
	}
}

// releaseCode makes a unit give up the credit code it holds, so the business
// whose code it is can apply (units.Service.ReleaseCreditCode): a
// supervisor of the agency with jurisdiction or the city admin, with a
// reason that the holder is told and the audit log keeps.
func (h *Handler) releaseCode(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	if err := h.Units.ReleaseCreditCode(c.Request.Context(), h.actor(c), id, c.PostForm("release_reason")); err != nil {
		h.refused(c, err, func(status int, errs form.Errors) { h.reviewRefused(c, status, "", errs) })
		return
	}
	server.Logger(c).Info("credit code released", "unit_id", id, "by", currentUser(c).ID)
	c.Redirect(http.StatusSeeOther, "/staff/units/"+strconv.FormatInt(id, 10)+"?ok=uscc_released")
}

func (h *Handler) reviewUnit(c *gin.Context) {
	u, ok := h.jurisdictionUnit(c)
	if !ok {
		return
	}
	h.reviewPage(c, http.StatusOK, u, "", nil)
}

// reviewAction approves, returns, suspends, reinstates or revokes a unit,
// as the transition table allows (units.Service.Review); the reason is
// shown to the merchant (and for suspension and revocation, on the public
// page).
func (h *Handler) reviewAction(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	action := units.Action(c.Param("action"))
	reason := c.PostForm("reason")
	tr, err := h.Units.Review(c.Request.Context(), h.actor(c), id, action, reason)
	if err != nil {
		h.refused(c, err, func(status int, errs form.Errors) { h.reviewRefused(c, status, form.Clean(reason), errs) })
		return
	}
	server.Logger(c).Info("unit status changed", "unit_id", id, "from", string(tr.From), "to", string(tr.To), "by", currentUser(c).ID)
	c.Redirect(http.StatusSeeOther, "/staff/units/"+strconv.FormatInt(id, 10)+"?ok=unit_"+string(action))
}

// reviewPhoto shows the shop-front photo to staff with jurisdiction.
func (h *Handler) reviewPhoto(c *gin.Context) {
	if u, ok := h.jurisdictionUnit(c); ok {
		h.servePhoto(c, u.ID)
	}
}
