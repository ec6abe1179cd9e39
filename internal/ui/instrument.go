package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/instruments"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

type instrumentFormData struct {
	Unit       *model.Unit
	Instrument *model.Instrument // nil when adding
	Form       instruments.Form
	Errors     form.Errors
	Types      []model.InstrumentType
}

func (h *Handler) instrumentFormPage(c *gin.Context, status int, d instrumentFormData) {
	types, err := h.Store.InstrumentTypes(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Types = types
	title := server.Printer(c).T("instrument.add_title")
	if d.Instrument != nil {
		title = server.Printer(c).T("instrument.edit_title")
	}
	h.render(c, status, "instrument_form", h.page(c, title, d))
}

// unitWritable: a revoked unit's records are frozen (units.RecordsOpen).
func unitWritable(u *model.Unit) bool { return units.RecordsOpen(u.Status) }

func (h *Handler) instrumentNew(c *gin.Context) {
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	if !unitWritable(u) {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	h.instrumentFormPage(c, http.StatusOK, instrumentFormData{Unit: u, Form: instruments.Form{Quantity: "1"}})
}

func instrumentFormFromPost(c *gin.Context) instruments.Form {
	return instruments.Form{TypeID: c.PostForm("type_id"), Model: c.PostForm("model"), Maker: c.PostForm("maker"),
		SerialNo: c.PostForm("serial_no"), Location: c.PostForm("location"), Quantity: c.PostForm("quantity")}
}

// instrumentCreate adds one instrument, or several identical ones whose
// serial numbers count up (a market's dozen scales), all or nothing.
func (h *Handler) instrumentCreate(c *gin.Context) {
	ctx := c.Request.Context()
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	if !unitWritable(u) {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	f := instrumentFormFromPost(c)
	types, err := h.Store.InstrumentTypes(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	list, errs := f.Validate(types, u.ID, true)
	if errs == nil {
		var dup *storage.DuplicateSerialError
		err := h.Store.CreateInstruments(ctx, list)
		switch {
		case errors.As(err, &dup):
			errs = form.Errors{}
			errs.Add("serial_no", "instrument.serial_taken", dup.Serial)
		case err != nil:
			h.serverError(c, err)
			return
		}
	}
	if errs.Any() {
		h.instrumentFormPage(c, http.StatusUnprocessableEntity, instrumentFormData{Unit: u, Form: f, Errors: errs})
		return
	}
	notice := "instrument_added"
	if len(list) > 1 {
		notice = "instruments_added"
	}
	c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok="+notice)
}

// ownInstrument loads the signed-in merchant's instrument :iid and its unit,
// or answers 404.
func (h *Handler) ownInstrument(c *gin.Context) (*model.Instrument, *model.Unit, bool) {
	id, ok := h.idParam(c, "iid")
	if !ok {
		return nil, nil, false
	}
	in, u, err := h.Store.InstrumentForOwner(c.Request.Context(), id, currentUser(c).ID)
	if errors.Is(err, storage.ErrNotFound) {
		h.ErrorPage(c, http.StatusNotFound)
		return nil, nil, false
	}
	if err != nil {
		h.serverError(c, err)
		return nil, nil, false
	}
	return in, u, true
}

type instrumentPageData struct {
	Unit         *model.Unit
	Instrument   *model.Instrument
	Type         *model.InstrumentType
	State        model.VerificationState
	Records      []model.VerificationRecord
	Verification instruments.VerificationForm
	Errors       form.Errors
	Writable     bool
	Printable    bool
}

func (h *Handler) instrumentPage(c *gin.Context, status int, in *model.Instrument, u *model.Unit, vf instruments.VerificationForm, errs form.Errors) {
	ctx := c.Request.Context()
	typ, err := h.Store.InstrumentTypeByID(ctx, in.TypeID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	recs, err := h.Store.Verifications(ctx, in.ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	var latest *model.VerificationRecord
	if len(recs) > 0 {
		latest = &recs[0]
	}
	if vf.Result == "" {
		vf.Result = string(model.ResultPass)
	}
	d := instrumentPageData{Unit: u, Instrument: in, Type: typ, State: model.StateOf(latest, *typ, h.now()), Records: recs,
		Verification: vf, Errors: errs, Writable: unitWritable(u) && in.Status == model.InstrumentInUse}
	d.Printable = d.Writable && units.Printable(u)
	h.render(c, status, "instrument", h.page(c, server.Printer(c).Pick(typ.NameZh, typ.NameEn)+" "+in.SerialNo, d))
}

func (h *Handler) instrumentShow(c *gin.Context) {
	in, u, ok := h.ownInstrument(c)
	if !ok {
		return
	}
	h.instrumentPage(c, http.StatusOK, in, u, instruments.VerificationForm{}, nil)
}

func (h *Handler) instrumentEdit(c *gin.Context) {
	in, u, ok := h.ownInstrument(c)
	if !ok {
		return
	}
	if !unitWritable(u) || in.Status != model.InstrumentInUse {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	h.instrumentFormPage(c, http.StatusOK, instrumentFormData{Unit: u, Instrument: in, Form: instruments.FromInstrument(in)})
}

func (h *Handler) instrumentUpdate(c *gin.Context) {
	ctx := c.Request.Context()
	in, u, ok := h.ownInstrument(c)
	if !ok {
		return
	}
	if !unitWritable(u) || in.Status != model.InstrumentInUse {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	f := instrumentFormFromPost(c)
	types, err := h.Store.InstrumentTypes(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	list, errs := f.Validate(types, u.ID, false)
	if errs == nil {
		next := list[0]
		next.ID, next.Status = in.ID, in.Status
		var dup *storage.DuplicateSerialError
		err := h.Store.UpdateInstrument(ctx, &next)
		switch {
		case errors.As(err, &dup):
			errs = form.Errors{}
			errs.Add("serial_no", "instrument.serial_taken", dup.Serial)
		case err != nil:
			h.serverError(c, err)
			return
		}
	}
	if errs.Any() {
		h.instrumentFormPage(c, http.StatusUnprocessableEntity, instrumentFormData{Unit: u, Instrument: in, Form: f, Errors: errs})
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant/instruments/"+strconv.FormatInt(in.ID, 10)+"?ok=saved")
}

// instrumentRetire takes an instrument out of use: it leaves the public
// page, its history stays, and its serial number is free again.
func (h *Handler) instrumentRetire(c *gin.Context) {
	in, u, ok := h.ownInstrument(c)
	if !ok {
		return
	}
	if !unitWritable(u) {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	if err := h.Store.RetireInstrument(c.Request.Context(), in.ID, h.now()); err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok=instrument_retired")
}

// verificationAdd records a certificate the merchant declares; the
// verification body can confirm it later.
func (h *Handler) verificationAdd(c *gin.Context) {
	ctx := c.Request.Context()
	in, u, ok := h.ownInstrument(c)
	if !ok {
		return
	}
	if !unitWritable(u) || in.Status != model.InstrumentInUse {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	vf := instruments.VerificationForm{CertificateNo: c.PostForm("certificate_no"), BodyName: c.PostForm("body_name"),
		VerifiedOn: c.PostForm("verified_on"), ValidUntil: c.PostForm("valid_until"), Result: c.PostForm("result")}
	typ, err := h.Store.InstrumentTypeByID(ctx, in.TypeID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	rec, errs := vf.Validate(*typ, in.ID, h.now())
	if errs.Any() {
		h.instrumentPage(c, http.StatusUnprocessableEntity, in, u, vf, errs)
		return
	}
	actor := currentUser(c).ID
	rec.RecordedBy = &actor
	if err := h.Store.AddVerification(ctx, rec); err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant/instruments/"+strconv.FormatInt(in.ID, 10)+"?ok=certificate_added")
}
