package ui

import (
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

type label struct {
	View    storage.InstrumentView
	State   model.VerificationState
	QR      template.HTML
	Version int
}

type labelsData struct {
	Unit   *model.Unit
	Labels []label
}

// labels is the A4 sheet of instrument stickers: one per instrument in use.
func (h *Handler) labels(c *gin.Context) {
	u, ok := h.printableUnit(c)
	if !ok {
		return
	}
	views, err := h.Store.InstrumentsOfUnits(c.Request.Context(), []int64{u.ID}, false)
	if err != nil {
		h.serverError(c, err)
		return
	}
	now := h.now()
	d := labelsData{Unit: u}
	for _, v := range views {
		svg, _, version, err := h.printedQR(c, model.QRInstrument, v.Instrument.ID)
		if err != nil {
			h.serverError(c, err)
			return
		}
		d.Labels = append(d.Labels, label{View: v, State: v.State(now), QR: svg, Version: version})
	}
	h.render(c, http.StatusOK, "print_labels", h.page(c, u.Name, d))
}
