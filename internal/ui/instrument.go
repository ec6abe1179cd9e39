package ui

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/instruments"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/units"
)

type instrumentFormData struct {
	Unit       *model.Unit
	Instrument *model.Instrument // nil when adding
	Form       instruments.Form
	// Verification is the new-instrument form's optional certificate.
	Verification instruments.VerificationForm
	Errors       form.Errors
	Types        []model.InstrumentType
	Bodies       []model.VerificationBody // offered for the certificate's body
	Type         *model.InstrumentType    // nil: the form chooses it (the certificate fields' hint)
	// SerialLocked: a certificate names the instrument, so its serial
	// number is shown read-only (instruments.SerialChangeAllowed).
	SerialLocked bool
}

func (h *Handler) instrumentFormPage(c *gin.Context, status int, d instrumentFormData) {
	ctx := c.Request.Context()
	types, err := h.Store.InstrumentTypes(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Types = types
	title := server.Printer(c).T("instrument.add_title")
	if d.Instrument != nil {
		title = server.Printer(c).T("instrument.edit_title")
		records, err := h.Store.Verifications(ctx, d.Instrument.ID)
		if err != nil {
			h.serverError(c, err)
			return
		}
		d.SerialLocked = instruments.SerialLocked(len(records))
	} else {
		if d.Verification.Result == "" {
			d.Verification.Result = string(model.ResultPass)
		}
		if d.Bodies, err = h.Store.VerificationBodies(ctx); err != nil {
			h.serverError(c, err)
			return
		}
	}
	h.render(c, status, "instrument_form", h.page(c, title, d))
}

func instrumentFormFromPost(c *gin.Context) instruments.Form {
	return instruments.Form{TypeID: c.PostForm("type_id"), Model: c.PostForm("model"), Maker: c.PostForm("maker"),
		SerialNo: c.PostForm("serial_no"), Location: c.PostForm("location"), Quantity: c.PostForm("quantity"),
		IdentityCode: c.PostForm("identity_code")}
}

// verificationFormFromPost reads the certificate fields, the same on the
// instrument page and in the new-instrument form.
func verificationFormFromPost(c *gin.Context) instruments.VerificationForm {
	return instruments.VerificationForm{CertificateNo: c.PostForm("certificate_no"), BodyName: c.PostForm("body_name"),
		VerifiedOn: c.PostForm("verified_on"), ValidUntil: c.PostForm("valid_until"), Result: c.PostForm("result")}
}

// ownInstrument loads the signed-in merchant's instrument :iid and its unit,
// or answers 404.
func (h *Handler) ownInstrument(c *gin.Context) (*model.Instrument, *model.Unit, bool) {
	id, ok := h.idParam(c, "iid")
	if !ok {
		return nil, nil, false
	}
	in, u, err := h.Store.InstrumentForOwner(c.Request.Context(), id, currentUser(c).ID)
	if !h.found(c, err) {
		return nil, nil, false
	}
	return in, u, true
}

// writableUnit loads the signed-in merchant's unit :id to add instruments
// to, or answers 404: a revoked unit's records are frozen.
func (h *Handler) writableUnit(c *gin.Context) (*model.Unit, bool) {
	u, ok := h.ownUnit(c)
	if ok && !units.RecordsOpen(u.Status) {
		h.ErrorPage(c, http.StatusNotFound)
		return nil, false
	}
	return u, ok
}

// editableInstrument loads the signed-in merchant's instrument :iid and its
// unit to change or add a certificate to, or answers 404: only an
// instrument in use, of a unit whose records are open, changes.
func (h *Handler) editableInstrument(c *gin.Context) (*model.Instrument, *model.Unit, bool) {
	in, u, ok := h.ownInstrument(c)
	if ok && !units.InstrumentEditable(u, in) {
		h.ErrorPage(c, http.StatusNotFound)
		return nil, nil, false
	}
	return in, u, ok
}

// saveInstruments validates the posted form for instrument in of unit u and
// hands the valid instrument to save. A serial number already taken or
// locked is shown on the form again like any invalid field. ok is true
// once saved; when false, a response was sent.
func (h *Handler) saveInstruments(c *gin.Context, u *model.Unit, in *model.Instrument, save func(context.Context, []model.Instrument) error) ([]model.Instrument, bool) {
	ctx := c.Request.Context()
	f := instrumentFormFromPost(c)
	types, err := h.Store.InstrumentTypes(ctx)
	if err != nil {
		h.serverError(c, err)
		return nil, false
	}
	list, errs := f.Validate(types, u.ID, false)
	if errs == nil {
		if err := units.SerialRefusal(save(ctx, list)); err != nil {
			h.refused(c, err, func(status int, errs form.Errors) {
				h.instrumentFormPage(c, status, instrumentFormData{Unit: u, Instrument: in, Form: f, Errors: errs})
			})
			return nil, false
		}
	}
	if errs.Any() {
		h.instrumentFormPage(c, http.StatusUnprocessableEntity, instrumentFormData{Unit: u, Instrument: in, Form: f, Errors: errs})
		return nil, false
	}
	return list, true
}
