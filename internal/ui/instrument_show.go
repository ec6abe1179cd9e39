package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/instruments"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/units"
)

type instrumentPageData struct {
	Unit         *model.Unit
	Instrument   *model.Instrument
	Type         *model.InstrumentType
	State        model.VerificationState
	Records      []model.VerificationRecord
	Verification instruments.VerificationForm
	Errors       form.Errors
	Writable     bool
	Bodies       []model.VerificationBody // offered for the certificate's body
	Printable    bool
	// Conflicts are the open disagreements between a body's records and
	// the merchant's declarations about this instrument; RevokedBy says how
	// each revoked record was revoked (superseded or cancelled).
	Conflicts []merchantConflict
	RevokedBy map[int64]model.RecordKind
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
	// The state is judged as the scan page judges it: revoked records and
	// cancellations say nothing, a body's fail notice outweighs a later
	// declaration (model.Current).
	latest := model.Current(recs)
	conflicts, err := h.ownConflicts(c, in.ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if vf.Result == "" {
		vf.Result = string(model.ResultPass)
	}
	d := instrumentPageData{Unit: u, Instrument: in, Type: typ, State: model.StateOfInstrument(*in, latest, *typ, h.now()), Records: recs,
		Verification: vf, Errors: errs, Writable: units.InstrumentEditable(u, in), Conflicts: conflicts, RevokedBy: revokedHow(recs)}
	d.Printable = d.Writable && units.Printable(u)
	if d.Writable {
		if d.Bodies, err = h.Store.VerificationBodies(ctx); err != nil {
			h.serverError(c, err)
			return
		}
	}
	h.render(c, status, "instrument", h.page(c, server.Printer(c).Pick(typ.NameZh, typ.NameEn)+" "+in.SerialNo, d))
}

func (h *Handler) instrumentShow(c *gin.Context) {
	in, u, ok := h.ownInstrument(c)
	if !ok {
		return
	}
	h.instrumentPage(c, http.StatusOK, in, u, instruments.VerificationForm{}, nil)
}
