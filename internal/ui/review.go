package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

// staffRoles may review applications and manage units' status.
var staffRoles = []model.Role{model.RoleOfficer, model.RoleSupervisor, model.RoleCityAdmin}

// reviewStatuses are the lists an officer can open.
var reviewStatuses = []model.UnitStatus{model.UnitSubmitted, model.UnitApproved, model.UnitSuspended, model.UnitReturned, model.UnitExpired, model.UnitRevoked}

type applicationsData struct {
	Status    model.UnitStatus
	Statuses  []model.UnitStatus
	Units     []model.Unit
	Districts map[int64]model.District
}

// staffAgency is the agency whose jurisdiction limits what a staff member
// sees; nil for the city admin, who sees every district.
func staffAgency(u *model.User) *int64 {
	if u.Role == model.RoleCityAdmin {
		return nil
	}
	return u.AgencyID
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
	list, err := h.Store.UnitsForReview(c.Request.Context(), staffAgency(currentUser(c)), []model.UnitStatus{status}, 500)
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
		applicationsData{Status: status, Statuses: reviewStatuses, Units: list, Districts: districts}))
}

// jurisdictionUnit loads unit :id if the staff member's agency has
// jurisdiction over its district, or answers 404. A draft is the merchant's
// private work until it is submitted: no staff member sees it.
func (h *Handler) jurisdictionUnit(c *gin.Context) (*model.Unit, bool) {
	ctx := c.Request.Context()
	u, ok := loadParam(h, c, "id", h.Store.UnitByID)
	if !ok {
		return nil, false
	}
	if u.Status == model.UnitDraft {
		h.ErrorPage(c, http.StatusNotFound)
		return nil, false
	}
	if agency := staffAgency(currentUser(c)); agency != nil {
		ok, err := h.Store.AgencyHasJurisdiction(ctx, *agency, u.DistrictID)
		if err != nil {
			h.serverError(c, err)
			return nil, false
		}
		if !ok {
			h.ErrorPage(c, http.StatusNotFound)
			return nil, false
		}
	}
	return u, true
}

type reviewData struct {
	*unitPageData
	Owner   *model.User
	Actions []units.Action
	Reason  string
	Errors  form.Errors
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
		Actions: units.Allowed(u.Status, units.ByOfficer), Reason: reason, Errors: errs}))
}

func (h *Handler) reviewUnit(c *gin.Context) {
	u, ok := h.jurisdictionUnit(c)
	if !ok {
		return
	}
	h.reviewPage(c, http.StatusOK, u, "", nil)
}

// reviewAction approves, returns, suspends, reinstates or revokes a unit,
// as the transition table allows; the reason is shown to the merchant (and
// for suspension and revocation, on the public page).
func (h *Handler) reviewAction(c *gin.Context) {
	u, ok := h.jurisdictionUnit(c)
	if !ok {
		return
	}
	action := units.Action(c.Param("action"))
	reason := form.Clean(c.PostForm("reason"))
	tr, err := units.Next(u.Status, action, units.ByOfficer)
	if err != nil {
		h.reviewPage(c, http.StatusConflict, u, reason, form.Errors{"action": {Key: "review.not_allowed"}})
		return
	}
	errs := form.Errors{}
	if tr.NeedsReason && reason == "" {
		errs.Add("reason", "review.reason_required")
	} else if form.TooLong(reason, 1000) {
		errs.Add("reason", "form.too_long", 1000)
	}
	if errs.Any() {
		h.reviewPage(c, http.StatusUnprocessableEntity, u, reason, errs)
		return
	}
	actor := currentUser(c).ID
	err = h.Store.Tx(c.Request.Context(), func(tx *storage.Store) error {
		if err := tx.ChangeUnitStatus(c.Request.Context(), storage.UnitChange{UnitID: u.ID, From: u.Status, To: tr.To,
			Reason: reason, ActorID: &actor, At: h.now()}); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionUnitStatus, audit.ObjectUnit, u.ID, currentUser(c).AgencyID,
			map[string]any{"status": u.Status}, map[string]any{"status": tr.To, "reason": reason})
	})
	if errors.Is(err, storage.ErrConflict) {
		fresh, _ := h.Store.UnitByID(c.Request.Context(), u.ID)
		if fresh != nil {
			u = fresh
		}
		h.reviewPage(c, http.StatusConflict, u, reason, form.Errors{"action": {Key: "review.changed_meanwhile"}})
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	server.Logger(c).Info("unit status changed", "unit_id", u.ID, "from", string(u.Status), "to", string(tr.To), "by", actor)
	c.Redirect(http.StatusSeeOther, "/staff/units/"+strconv.FormatInt(u.ID, 10)+"?ok=unit_"+string(action))
}

// reviewPhoto shows the shop-front photo to staff with jurisdiction.
func (h *Handler) reviewPhoto(c *gin.Context) {
	if u, ok := h.jurisdictionUnit(c); ok {
		h.servePhoto(c, u.ID)
	}
}
