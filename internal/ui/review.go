package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
	"honestmeasure/internal/uscc"
)

// staffRoles may review applications and manage units' status.
var staffRoles = []model.Role{model.RoleOfficer, model.RoleSupervisor, model.RoleCityAdmin}

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
	// CanReleaseCode: the unit holds its credit code and the viewer may
	// release it (units.MayReleaseCreditCode).
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
		CanReleaseCode: u.USCCLive != nil && units.MayReleaseCreditCode(currentUser(c).Role)}))
}

// releaseCode makes a unit give up the credit code it holds, so the business
// whose code it is can apply: a supervisor of the agency with jurisdiction
// or the city admin, with a reason that the holder is told and the audit
// log keeps. The unit's status stays; if it was published on a false code,
// revoking it is a separate decision.
func (h *Handler) releaseCode(c *gin.Context) {
	u, ok := h.jurisdictionUnit(c)
	if !ok {
		return
	}
	actor := currentUser(c)
	if !units.MayReleaseCreditCode(actor.Role) {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	reason := form.Clean(c.PostForm("release_reason"))
	errs := form.Errors{}
	if reason == "" {
		errs.Add("release_reason", "review.reason_required")
	} else if form.TooLong(reason, 1000) {
		errs.Add("release_reason", "form.too_long", 1000)
	}
	if u.USCCLive == nil {
		errs.Add("action", "review.changed_meanwhile")
	}
	if errs.Any() {
		h.reviewPage(c, http.StatusUnprocessableEntity, u, "", errs)
		return
	}
	owner, err := h.Store.UserByID(c.Request.Context(), u.OwnerUserID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	ctx := c.Request.Context()
	err = h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.ReleaseCreditCode(ctx, u.ID, &actor.ID, reason, h.now(), notices.CreditCodeReleased(owner, u, reason, h.BaseURL)...); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionUnitChange, audit.ObjectUnit, u.ID, actor.AgencyID,
			map[string]any{"uscc_held": u.USCC}, map[string]any{"uscc_held": nil, "released_because": reason})
	})
	if errors.Is(err, storage.ErrConflict) {
		h.reviewPage(c, http.StatusConflict, u, "", form.Errors{"action": {Key: "review.changed_meanwhile"}})
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	server.Logger(c).Info("credit code released", "unit_id", u.ID, "by", actor.ID)
	c.Redirect(http.StatusSeeOther, "/staff/units/"+strconv.FormatInt(u.ID, 10)+"?ok=uscc_released")
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
