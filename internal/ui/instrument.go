package ui

import (
	"context"
	"errors"
	"net/http"

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
	// SerialLocked: a certificate names the instrument, so its serial
	// number is shown read-only (instruments.SerialChangeAllowed).
	SerialLocked bool
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
		records, err := h.Store.Verifications(c.Request.Context(), d.Instrument.ID)
		if err != nil {
			h.serverError(c, err)
			return
		}
		d.SerialLocked = instruments.SerialLocked(len(records))
	}
	h.render(c, status, "instrument_form", h.page(c, title, d))
}

func instrumentFormFromPost(c *gin.Context) instruments.Form {
	return instruments.Form{TypeID: c.PostForm("type_id"), Model: c.PostForm("model"), Maker: c.PostForm("maker"),
		SerialNo: c.PostForm("serial_no"), Location: c.PostForm("location"), Quantity: c.PostForm("quantity"),
		IdentityCode: c.PostForm("identity_code")}
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

// saveInstruments validates the posted instrument form for unit u and hands
// the valid list to save; in is the instrument changed, nil when adding
// (only then may the form ask for several). A serial number already taken
// is shown on the form again like any invalid field. ok is true once saved;
// when false, a response was sent.
func (h *Handler) saveInstruments(c *gin.Context, u *model.Unit, in *model.Instrument, save func(context.Context, []model.Instrument) error) ([]model.Instrument, bool) {
	ctx := c.Request.Context()
	f := instrumentFormFromPost(c)
	types, err := h.Store.InstrumentTypes(ctx)
	if err != nil {
		h.serverError(c, err)
		return nil, false
	}
	list, errs := f.Validate(types, u.ID, in == nil)
	if errs == nil {
		var dup *storage.DuplicateSerialError
		var locked *storage.SerialLockedError
		err := save(ctx, list)
		switch {
		case errors.As(err, &dup):
			errs = form.Errors{}
			errs.Add("serial_no", "instrument.serial_taken", dup.Serial)
		case errors.As(err, &locked):
			errs = form.Errors{}
			errs.Add("serial_no", "instrument.serial_locked", locked.Serial)
		case err != nil:
			h.serverError(c, err)
			return nil, false
		}
	}
	if errs.Any() {
		h.instrumentFormPage(c, http.StatusUnprocessableEntity, instrumentFormData{Unit: u, Instrument: in, Form: f, Errors: errs})
		return nil, false
	}
	return list, true
}
