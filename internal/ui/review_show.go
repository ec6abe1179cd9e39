package ui

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/units"
)

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
	// DecisionReason is the reason typed for a change request's decision.
	DecisionReason string
	Errors         form.Errors
	// Held is the preview of the reason, if the moderation gate held it
	// for personal data (a suspension's reason is public).
	Held *moderation.Preview
	// CanReleaseCode: the unit holds its credit code and the viewer may
	// release it (units.CanReleaseCreditCode).
	CanReleaseCode bool
	// Photo is the shop-front photo's moderation (nil: no photo); the
	// redaction panel shows RedactRows and RedactReason as typed.
	Photo        *units.PhotoReview
	RedactRows   []redactRow
	RedactReason string
	MaxRects     int
}

// reviewForm is what the staff unit page's forms show again after a refusal.
type reviewForm struct {
	Reason, DecisionReason string
	Errors                 form.Errors
	Held                   *moderation.Preview
	Redact                 *redactForm // the redaction panel's form, nil: blank
}

func (h *Handler) reviewPage(c *gin.Context, status int, u *model.Unit, reason string, errs form.Errors) {
	h.reviewPageWith(c, status, u, reviewForm{Reason: reason, Errors: errs})
}

func (h *Handler) reviewPageWith(c *gin.Context, status int, u *model.Unit, f reviewForm) {
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
	photo, err := h.Units.PhotoReviewOf(c.Request.Context(), h.actor(c), u)
	if err != nil {
		h.serverError(c, err)
		return
	}
	rd := reviewData{unitPageData: d, Owner: owner,
		Actions: units.Allowed(u.Status, units.ByOfficer), Reason: f.Reason, DecisionReason: f.DecisionReason, Errors: f.Errors, Held: f.Held,
		CanReleaseCode: units.CanReleaseCreditCode(u, currentUser(c).Role),
		Photo:          photo, RedactRows: f.Redact.rowsShown(), MaxRects: photos.MaxRedactRects}
	if f.Redact != nil {
		rd.RedactReason = f.Redact.Reason
	}
	h.render(c, status, "staff_unit", h.page(c, u.Name, rd))
}

// reviewRefused shows the staff unit page, as the unit now is, with a
// refusal's status and messages and the reason as typed.
func (h *Handler) reviewRefused(c *gin.Context, status int, reason string, errs form.Errors) {
	if u, ok := h.jurisdictionUnit(c); ok {
		h.reviewPage(c, status, u, reason, errs)
	}
}

func (h *Handler) reviewUnit(c *gin.Context) {
	u, ok := h.jurisdictionUnit(c)
	if !ok {
		return
	}
	h.reviewPage(c, http.StatusOK, u, "", nil)
}

// reviewPhoto shows the shop-front photo to staff with jurisdiction.
func (h *Handler) reviewPhoto(c *gin.Context) {
	if u, ok := h.jurisdictionUnit(c); ok {
		h.servePhoto(c, u.ID)
	}
}
