package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

// changeView is a change request as the unit pages show it: each approved
// field as it was and as asked for.
type changeView struct {
	Request *model.UnitChangeRequest
	Rows    []changeRow
}

type changeRow struct {
	Label    string // locale key of the field
	Old, New string
	Changed  bool
}

// changeViewOf words r's fields for the page, in its language.
func (h *Handler) changeViewOf(c *gin.Context, r *model.UnitChangeRequest, districts map[int64]model.District) *changeView {
	l := server.Printer(c)
	district := func(id int64) string { d := districts[id]; return l.Pick(d.NameZh, d.NameEn) }
	row := func(label, old, new string) changeRow {
		return changeRow{Label: label, Old: old, New: new, Changed: old != new}
	}
	return &changeView{Request: r, Rows: []changeRow{
		row("unit.name", r.FromName, r.Name),
		row("unit.uscc", r.FromUSCC, r.USCC),
		row("unit.business_type", l.T("business."+string(r.FromBusinessType)), l.T("business."+string(r.BusinessType))),
		row("unit.district", district(r.FromDistrictID), district(r.DistrictID)),
		row("unit.address", r.FromAddress, r.Address),
	}}
}

// latestChange is the view of unit u's newest change request, or nil.
func (h *Handler) latestChange(c *gin.Context, u *model.Unit, districts map[int64]model.District) (*changeView, error) {
	r, err := h.Store.LatestChangeRequest(c.Request.Context(), u.ID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return h.changeViewOf(c, r, districts), nil
}

type changeFormData struct {
	Unit          *model.Unit
	Form          units.Application
	Reason        string
	Errors        form.Errors
	Districts     []model.District
	BusinessTypes []model.BusinessType
}

func (h *Handler) changeFormPage(c *gin.Context, status int, d changeFormData) {
	ds, err := h.Store.Districts(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Districts, d.BusinessTypes = ds, model.BusinessTypes
	h.render(c, status, "unit_change", h.page(c, server.Printer(c).T("unitchange.title"), d))
}

// changeRequestForm offers the owner of an approved unit the form to ask
// for a change of its approved details, filled with them as they are. With
// a request open already, the unit page shows it instead.
func (h *Handler) changeRequestForm(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	u, open, err := h.Units.ChangeForm(c.Request.Context(), h.actor(c), id)
	switch {
	case errors.Is(err, units.ErrChangeNotAllowed):
		h.ErrorPage(c, http.StatusNotFound)
		return
	case !h.found(c, err):
		return
	case open != nil:
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"#change-request")
		return
	}
	h.changeFormPage(c, http.StatusOK, changeFormData{Unit: u, Form: units.FromUnit(u)})
}

// changeRequestSend sends the change request (units.Service.RequestChange).
func (h *Handler) changeRequestSend(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	p := &units.ChangeProposal{Form: applicationFromPost(c), Reason: c.PostForm("reason")}
	_, err := h.Units.RequestChange(c.Request.Context(), h.actor(c), id, p)
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(id, 10)+"?ok=change_requested#change-request")
	case errors.Is(err, units.ErrChangeNotAllowed):
		h.ErrorPage(c, http.StatusNotFound)
	case errors.Is(err, units.ErrChangeOpen):
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(id, 10)+"#change-request")
	default:
		h.refused(c, err, func(status int, errs form.Errors) {
			u, ok := h.ownUnit(c)
			if !ok {
				return
			}
			h.changeFormPage(c, status, changeFormData{Unit: u, Form: p.Form, Reason: form.Clean(p.Reason), Errors: errs})
		})
	}
}

// changeRequestWithdraw takes back the open change request.
func (h *Handler) changeRequestWithdraw(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	err := h.Units.WithdrawChange(c.Request.Context(), h.actor(c), id)
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(id, 10)+"?ok=change_withdrawn#change-request")
	case errors.Is(err, units.ErrChanged):
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(id, 10)+"#change-request")
	default:
		h.refused(c, err, nil)
	}
}

// changeRequestDecide approves or rejects a change request
// (units.Service.DecideChange); refusals show the staff unit page with the
// problem and the reason as typed.
func (h *Handler) changeRequestDecide(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	var approve bool
	switch c.Param("decision") {
	case "approve":
		approve = true
	case "reject":
	default:
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	why := c.PostForm("decision_reason")
	ctx := c.Request.Context()
	r, err := h.Units.DecideChange(ctx, h.actor(c), id, approve, why)
	if err == nil {
		server.Logger(c).Info("unit change request decided", "request_id", id, "unit_id", r.UnitID, "state", string(r.State), "by", currentUser(c).ID)
		c.Redirect(http.StatusSeeOther, "/staff/units/"+strconv.FormatInt(r.UnitID, 10)+"?ok=change_"+string(r.State))
		return
	}
	h.refused(c, err, func(status int, errs form.Errors) {
		_, u, err := h.Units.StaffChangeRequest(ctx, h.actor(c), id)
		if !h.found(c, err) {
			return
		}
		h.reviewPageWith(c, status, u, reviewForm{DecisionReason: form.Clean(why), Errors: errs})
	})
}
