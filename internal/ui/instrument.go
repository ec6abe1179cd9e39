package ui

import (
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

func instrumentFormFromPost(c *gin.Context) instruments.Form {
	return instruments.Form{TypeID: c.PostForm("type_id"), Model: c.PostForm("model"), Maker: c.PostForm("maker"),
		SerialNo: c.PostForm("serial_no"), Location: c.PostForm("location"), Quantity: c.PostForm("quantity")}
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
