package ui

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/model"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

// unitCard is one of a merchant's units on the dashboard.
type unitCard struct {
	Unit     model.Unit
	District model.District
	Pledge   *model.Pledge
	Counts   map[model.VerificationState]int
	Total    int
}

// attention is an instrument that needs the merchant's action.
type attention struct {
	Unit  model.Unit
	View  storage.InstrumentView
	State model.VerificationState
}

type dashboardData struct {
	Cards     []unitCard
	Attention []attention
}

func (h *Handler) merchantHome(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	list, err := h.Store.UnitsByOwner(ctx, u.ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	districts, err := h.districtMap(c)
	if err != nil {
		h.serverError(c, err)
		return
	}
	ids := make([]int64, len(list))
	byID := map[int64]model.Unit{}
	for i, x := range list {
		ids[i] = x.ID
		byID[x.ID] = x
	}
	views, err := h.Store.InstrumentsOfUnits(ctx, ids, false)
	if err != nil {
		h.serverError(c, err)
		return
	}
	now := h.now()
	d := dashboardData{}
	counts := map[int64]map[model.VerificationState]int{}
	for _, v := range views {
		st := v.State(now)
		if counts[v.Instrument.UnitID] == nil {
			counts[v.Instrument.UnitID] = map[model.VerificationState]int{}
		}
		counts[v.Instrument.UnitID][st]++
		if st != model.StateValid {
			d.Attention = append(d.Attention, attention{Unit: byID[v.Instrument.UnitID], View: v, State: st})
		}
	}
	// Expired and failed first, then never verified, then expiring soonest.
	sort.SliceStable(d.Attention, func(i, j int) bool {
		a, b := d.Attention[i], d.Attention[j]
		if a.State.NeedsAttention() != b.State.NeedsAttention() {
			return a.State.NeedsAttention() < b.State.NeedsAttention()
		}
		return validUntil(a.View).Before(validUntil(b.View))
	})
	for _, x := range list {
		card := unitCard{Unit: x, District: districts[x.DistrictID], Counts: counts[x.ID]}
		for _, n := range card.Counts {
			card.Total += n
		}
		p, err := h.Store.CurrentPledge(ctx, x.ID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			h.serverError(c, err)
			return
		}
		card.Pledge = p
		d.Cards = append(d.Cards, card)
	}
	h.render(c, http.StatusOK, "merchant_home", h.page(c, server.Printer(c).T("merchant.title"), d))
}

func validUntil(v storage.InstrumentView) time.Time {
	if until := v.ValidUntil(); until != nil {
		return *until
	}
	return time.Time{}
}

func (h *Handler) districtMap(c *gin.Context) (map[int64]model.District, error) {
	ds, err := h.Store.Districts(c.Request.Context())
	if err != nil {
		return nil, err
	}
	m := make(map[int64]model.District, len(ds))
	for _, d := range ds {
		m[d.ID] = d
	}
	return m, nil
}

// idParam parses a numeric path parameter; anything else is a 404.
func (h *Handler) idParam(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		h.ErrorPage(c, http.StatusNotFound)
		return 0, false
	}
	return id, true
}

// loadParam reads the numeric path parameter name and loads its row with
// load, answering 404 for a malformed ID or a missing row (and an error
// page for anything else). ok is false once a response was sent.
func loadParam[T any](h *Handler, c *gin.Context, name string, load func(ctx context.Context, id int64) (*T, error)) (*T, bool) {
	id, ok := h.idParam(c, name)
	if !ok {
		return nil, false
	}
	v, err := load(c.Request.Context(), id)
	if errors.Is(err, storage.ErrNotFound) {
		h.ErrorPage(c, http.StatusNotFound)
		return nil, false
	}
	if err != nil {
		h.serverError(c, err)
		return nil, false
	}
	return v, true
}

// ownUnit loads the signed-in merchant's unit :id, or answers 404 — also
// for another merchant's unit, so IDs reveal nothing (units.Service.OwnUnit).
func (h *Handler) ownUnit(c *gin.Context) (*model.Unit, bool) {
	return loadParam(h, c, "id", func(ctx context.Context, id int64) (*model.Unit, error) {
		return h.Units.OwnUnit(ctx, h.actor(c), id)
	})
}

type unitFormData struct {
	Unit          *model.Unit // nil for a new application
	Form          units.Application
	Errors        form.Errors
	Districts     []model.District
	BusinessTypes []model.BusinessType
	AllEditable   bool
}

func (h *Handler) unitFormPage(c *gin.Context, status int, d unitFormData) {
	ds, err := h.Store.Districts(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Districts, d.BusinessTypes = ds, model.BusinessTypes
	title := server.Printer(c).T("unit.new_title")
	if d.Unit != nil {
		title = server.Printer(c).T("unit.edit_title")
	}
	h.render(c, status, "unit_form", h.page(c, title, d))
}

func (h *Handler) unitNew(c *gin.Context) {
	h.unitFormPage(c, http.StatusOK, unitFormData{AllEditable: true})
}

func applicationFromPost(c *gin.Context) units.Application {
	return units.Application{Name: c.PostForm("name"), USCC: c.PostForm("uscc"), BusinessType: c.PostForm("business_type"),
		Address: c.PostForm("address"), DistrictID: c.PostForm("district_id"), ContactName: c.PostForm("contact_name"),
		ContactPhone: c.PostForm("contact_phone"), OpeningHours: c.PostForm("opening_hours")}
}

// unitCreate saves a new application as a draft.
func (h *Handler) unitCreate(c *gin.Context) {
	photo, photoErr, ok := h.shopPhoto(c)
	if !ok {
		return
	}
	ch := &units.Changes{Form: applicationFromPost(c), Photo: photo, PhotoProblem: photoErr}
	u, err := h.Units.Create(c.Request.Context(), h.actor(c), ch)
	if err != nil {
		h.refused(c, err, func(status int, errs form.Errors) {
			h.unitFormPage(c, status, unitFormData{Form: ch.Form, Errors: errs, AllEditable: true})
		})
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok=draft_saved")
}

// editableUnit loads the signed-in merchant's unit :id if it may be edited,
// with whether every field is open, or answers 404: there is no edit form
// for another merchant's unit, nor for one whose status allows no edit.
func (h *Handler) editableUnit(c *gin.Context) (u *model.Unit, all, ok bool) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return nil, false, false
	}
	u, all, err := h.Units.Editable(c.Request.Context(), h.actor(c), id)
	switch {
	case err == nil:
		return u, all, true
	case errors.Is(err, units.ErrNotEditable) || errors.Is(err, storage.ErrNotFound):
		h.ErrorPage(c, http.StatusNotFound)
	default:
		h.serverError(c, err)
	}
	return nil, false, false
}

func (h *Handler) unitEdit(c *gin.Context) {
	u, all, ok := h.editableUnit(c)
	if !ok {
		return
	}
	h.unitFormPage(c, http.StatusOK, unitFormData{Unit: u, Form: units.FromUnit(u), AllEditable: all})
}

// unitUpdate saves edits. Once approved, only the contact details and
// opening hours may change: what the officer approved stays as approved.
// Whether the unit may be edited is settled before its photo is decoded.
func (h *Handler) unitUpdate(c *gin.Context) {
	u, all, ok := h.editableUnit(c)
	if !ok {
		return
	}
	photo, photoErr, ok := h.shopPhoto(c)
	if !ok {
		return
	}
	ch := &units.Changes{Form: applicationFromPost(c), Photo: photo, PhotoProblem: photoErr}
	_, err := h.Units.Update(c.Request.Context(), h.actor(c), u.ID, ch)
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok=saved")
	case errors.Is(err, units.ErrNotEditable):
		h.ErrorPage(c, http.StatusNotFound)
	case errors.Is(err, units.ErrChanged):
		// Its status moved meanwhile: show the unit as it now is.
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10))
	default:
		h.refused(c, err, func(status int, errs form.Errors) {
			h.unitFormPage(c, status, unitFormData{Unit: u, Form: ch.Form, Errors: errs, AllEditable: all})
		})
	}
}

type unitPageData struct {
	Unit        *model.Unit
	District    model.District
	Pledge      *model.Pledge
	PledgeValid bool
	PledgeText  *model.PledgeText
	Instruments []instrumentRow
	Events      []model.UnitEvent
	Editable    bool
	Writable    bool // instruments may be added (units.RecordsOpen)
	Applying    bool // a draft or returned: the steps and the submit button show
	CanSubmit   bool
	CanRenew    bool
	Published   bool // it has public codes to print (units.Printable)
	HasPhoto    bool
	Missing     []string // locale keys of what is still needed before submitting
	DraftDays   int      // days an unchanged draft is kept; 0: for ever
}

type instrumentRow struct {
	storage.InstrumentView
	State model.VerificationState
}

func (h *Handler) unitShow(c *gin.Context) {
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	d, err := h.unitPage(c, u)
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.render(c, http.StatusOK, "unit", h.page(c, u.Name, d))
}

func (h *Handler) unitPage(c *gin.Context, u *model.Unit) (*unitPageData, error) {
	ctx := c.Request.Context()
	now := h.now()
	districts, err := h.districtMap(c)
	if err != nil {
		return nil, err
	}
	d := &unitPageData{Unit: u, District: districts[u.DistrictID], Published: units.Printable(u),
		DraftDays: int(h.DraftMaxAge / (24 * time.Hour))}
	if d.Pledge, err = h.Store.CurrentPledge(ctx, u.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	if d.Pledge != nil {
		d.PledgeValid = d.Pledge.Valid(now)
		if d.PledgeText, err = h.Store.PledgeTextByID(ctx, d.Pledge.PledgeTextID); err != nil {
			return nil, err
		}
	}
	views, err := h.Store.InstrumentsOfUnits(ctx, []int64{u.ID}, false)
	if err != nil {
		return nil, err
	}
	for _, v := range views {
		d.Instruments = append(d.Instruments, instrumentRow{InstrumentView: v, State: v.State(now)})
	}
	if d.Events, err = h.Store.UnitEvents(ctx, u.ID); err != nil {
		return nil, err
	}
	if d.HasPhoto, err = h.Store.HasUnitPhoto(ctx, u.ID); err != nil {
		return nil, err
	}
	_, d.Editable = units.EditableFields(u.Status)
	d.Writable = units.RecordsOpen(u.Status)
	_, d.CanRenew = units.PledgeAllowed(u.Status)
	ready := units.SubmitReadiness(u.Status, d.PledgeValid, len(d.Instruments))
	d.Applying, d.Missing, d.CanSubmit = ready.Applying, ready.Missing, ready.Ready()
	return d, nil
}

// unitSubmit sends a draft or returned application for review
// (units.Service.Submit). A refusal shows the unit page with the reason.
func (h *Handler) unitSubmit(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	_, err := h.Units.Submit(c.Request.Context(), h.actor(c), id)
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(id, 10)+"?ok=submitted")
	case errors.Is(err, units.ErrChanged):
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(id, 10))
	default:
		h.refused(c, err, func(status int, errs form.Errors) {
			u, ok := h.ownUnit(c)
			if !ok {
				return
			}
			d, err := h.unitPage(c, u)
			if err != nil {
				h.serverError(c, err)
				return
			}
			h.render(c, status, "unit", h.pageWithNotice(c, u.Name, d, problem(errs)))
		})
	}
}

// problem is the one message of a refusal shown as a notice above a page
// rather than beside a field: the "action" one if there is one.
func problem(errs form.Errors) string {
	if m, ok := errs["action"]; ok {
		return m.Key
	}
	fields := slices.Sorted(maps.Keys(errs))
	if len(fields) == 0 {
		return "review.changed_meanwhile"
	}
	return errs[fields[0]].Key
}

// pageWithNotice is page with a problem notice shown above the content.
func (h *Handler) pageWithNotice(c *gin.Context, title string, data any, key string) renderPage {
	p := h.page(c, title, data)
	p.Problem = key
	return p
}

// shopPhoto reads the optional shop-front photo from a multipart form and
// cleans it. A bad file is a field error; ok is false when a response was
// already sent.
func (h *Handler) shopPhoto(c *gin.Context) (*model.UnitPhoto, *form.Message, bool) {
	up := server.UploadOf(c)
	if up != nil && up.Busy {
		c.Header("Retry-After", "30")
		h.ErrorPage(c, http.StatusServiceUnavailable)
		return nil, nil, false
	}
	files := up.FilesOf("shop_photo")
	if up != nil && up.TooLarge && len(files) == 0 {
		h.ErrorPage(c, http.StatusRequestEntityTooLarge)
		return nil, nil, false
	}
	if len(files) == 0 || files[0].Size == 0 {
		return nil, nil, true // no photo chosen: it is optional
	}
	// Through the same limiter as the reports' photos: read and decoded
	// only once there is memory and a CPU for it.
	p, err := photos.ProcessUpload(c.Request.Context(), files[0].ReadAll, photos.DefaultOptions())
	if err != nil {
		var pe *photos.Error
		if !errors.As(err, &pe) {
			h.serverError(c, err)
			return nil, nil, false
		}
		key, args := intake.PhotoMessage(pe.Kind, 1)
		return nil, &form.Message{Key: key, Args: args}, true
	}
	return &model.UnitPhoto{ContentType: p.ContentType, Width: p.Width, Height: p.Height, Data: p.Data}, nil, true
}

// unitPhoto serves the shop-front photo to the unit's owner.
func (h *Handler) unitPhoto(c *gin.Context) {
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	h.servePhoto(c, u.ID)
}

func (h *Handler) servePhoto(c *gin.Context, unitID int64) {
	p, err := h.Store.UnitPhoto(c.Request.Context(), unitID)
	if errors.Is(err, storage.ErrNotFound) {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Header("Cache-Control", "private, max-age=300")
	c.Data(http.StatusOK, p.ContentType, p.Data)
}
