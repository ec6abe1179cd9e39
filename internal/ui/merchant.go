package ui

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
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
// for another merchant's unit, so IDs reveal nothing.
func (h *Handler) ownUnit(c *gin.Context) (*model.Unit, bool) {
	return loadParam(h, c, "id", func(ctx context.Context, id int64) (*model.Unit, error) {
		return h.Store.UnitForOwner(ctx, id, currentUser(c).ID)
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
	a := applicationFromPost(c)
	u := &model.Unit{OwnerUserID: currentUser(c).ID, Status: model.UnitDraft}
	errs, ok := h.saveUnit(c, &a, u, photo, photoErr, func(tx *storage.Store, u *model.Unit) error {
		return tx.CreateUnit(c.Request.Context(), u)
	})
	if !ok {
		return
	}
	if errs.Any() {
		h.unitFormPage(c, http.StatusUnprocessableEntity, unitFormData{Form: a, Errors: errs, AllEditable: true})
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok=draft_saved")
}

// saveUnit validates the application into u, then stores it through write
// together with the shop photo, in one transaction. It returns the field
// problems (nothing stored), or ok=false when an error page was sent.
func (h *Handler) saveUnit(c *gin.Context, a *units.Application, u *model.Unit, photo *photos.Photo, photoErr *form.Message,
	write func(tx *storage.Store, u *model.Unit) error) (form.Errors, bool) {
	ctx := c.Request.Context()
	ds, err := h.Store.Districts(ctx)
	if err != nil {
		h.serverError(c, err)
		return nil, false
	}
	errs := a.Validate(ds, u)
	if photoErr != nil {
		if errs == nil {
			errs = form.Errors{}
		}
		errs["shop_photo"] = *photoErr
	}
	if errs != nil {
		return errs, true
	}
	// A draft reserves nothing, so the unique index would let it through;
	// refusing early spares the business filling in a whole application
	// that submission would refuse. The wording says nothing about why.
	held, err := h.Store.CreditCodeHeld(ctx, u.USCC, u.ID)
	if err != nil {
		h.serverError(c, err)
		return nil, false
	}
	if held {
		return form.Errors{"uscc": {Key: "unit.uscc_unavailable"}}, true
	}
	err = h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := write(tx, u); err != nil {
			return err
		}
		return setPhoto(ctx, tx, u.ID, photo)
	})
	switch {
	case errors.Is(err, storage.ErrDuplicate):
		return form.Errors{"uscc": {Key: "unit.uscc_unavailable"}}, true
	case err != nil:
		h.serverError(c, err)
		return nil, false
	}
	return nil, true
}

func (h *Handler) unitEdit(c *gin.Context) {
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	all, contact := units.EditableFields(u.Status)
	if !contact {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	h.unitFormPage(c, http.StatusOK, unitFormData{Unit: u, Form: units.FromUnit(u), AllEditable: all})
}

// unitUpdate saves edits. Once approved, only the contact details and
// opening hours may change: what the officer approved stays as approved.
func (h *Handler) unitUpdate(c *gin.Context) {
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	all, contact := units.EditableFields(u.Status)
	if !contact {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	photo, photoErr, ok := h.shopPhoto(c)
	if !ok {
		return
	}
	a := applicationFromPost(c)
	if !all {
		locked := units.FromUnit(u)
		a.Name, a.USCC, a.BusinessType, a.Address, a.DistrictID = locked.Name, locked.USCC, locked.BusinessType, locked.Address, locked.DistrictID
	}
	errs, ok := h.saveUnit(c, &a, u, photo, photoErr, func(tx *storage.Store, u *model.Unit) error {
		return tx.UpdateUnitDetails(c.Request.Context(), u)
	})
	if !ok {
		return
	}
	if errs.Any() {
		h.unitFormPage(c, http.StatusUnprocessableEntity, unitFormData{Unit: u, Form: a, Errors: errs, AllEditable: all})
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok=saved")
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
	CanSubmit   bool
	CanRenew    bool
	Published   bool
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
	d := &unitPageData{Unit: u, District: districts[u.DistrictID], Published: u.ApprovedAt != nil && u.Status != model.UnitRevoked,
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
	d.CanRenew = units.Can(u.Status, units.ActRenew, units.ByMerchant)
	if units.Can(u.Status, units.ActSubmit, units.ByMerchant) {
		if !d.PledgeValid {
			d.Missing = append(d.Missing, "unit.missing_pledge")
		}
		if len(d.Instruments) == 0 {
			d.Missing = append(d.Missing, "unit.missing_instruments")
		}
		d.CanSubmit = len(d.Missing) == 0
	}
	return d, nil
}

// unitSubmit sends a draft or returned application for review. A pledge
// and at least one instrument are needed: an officer cannot judge a unit
// that has promised nothing and listed nothing.
func (h *Handler) unitSubmit(c *gin.Context) {
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	d, err := h.unitPage(c, u)
	if err != nil {
		h.serverError(c, err)
		return
	}
	tr, err := units.Next(u.Status, units.ActSubmit, units.ByMerchant)
	if err != nil || !d.CanSubmit {
		h.render(c, http.StatusConflict, "unit", h.pageWithNotice(c, u.Name, d, "unit.cannot_submit"))
		return
	}
	actor := currentUser(c).ID
	err = h.Store.Tx(c.Request.Context(), func(tx *storage.Store) error {
		if err := tx.ChangeUnitStatus(c.Request.Context(), storage.UnitChange{UnitID: u.ID, From: u.Status, To: tr.To, ActorID: &actor, At: h.now()}); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionUnitStatus, audit.ObjectUnit, u.ID, nil, map[string]any{"status": u.Status}, map[string]any{"status": tr.To})
	})
	if errors.Is(err, storage.ErrConflict) {
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10))
		return
	}
	if errors.Is(err, storage.ErrDuplicate) {
		// Submission reserves the code; another unit holds it. Same words
		// as on the form, whoever holds it and why.
		h.render(c, http.StatusConflict, "unit", h.pageWithNotice(c, u.Name, d, "unit.uscc_unavailable"))
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok=submitted")
}

// pageWithNotice is page with a problem notice shown above the content.
func (h *Handler) pageWithNotice(c *gin.Context, title string, data any, key string) renderPage {
	p := h.page(c, title, data)
	p.Problem = key
	return p
}

// shopPhoto reads the optional shop-front photo from a multipart form. A
// bad file is a field error; ok is false when a response was already sent.
func (h *Handler) shopPhoto(c *gin.Context) (*photos.Photo, *form.Message, bool) {
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
	return p, nil, true
}

func setPhoto(ctx context.Context, st *storage.Store, unitID int64, p *photos.Photo) error {
	if p == nil {
		return nil
	}
	return st.SetUnitPhoto(ctx, &model.UnitPhoto{UnitID: unitID, ContentType: p.ContentType, Width: p.Width, Height: p.Height, Data: p.Data})
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
