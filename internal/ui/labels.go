package ui

import (
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
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
	ctx := c.Request.Context()
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	if !units.Printable(u) {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	views, err := h.Store.InstrumentsOfUnits(ctx, []int64{u.ID}, false)
	if err != nil {
		h.serverError(c, err)
		return
	}
	by := currentUser(c).ID
	now := h.now()
	d := labelsData{Unit: u}
	for _, v := range views {
		url, tok, err := scan.URLFor(ctx, h.Store, h.QR, h.BaseURL, model.QRInstrument, v.Instrument.ID, &by)
		if err != nil {
			h.serverError(c, err)
			return
		}
		svg, err := qrSVG(url)
		if err != nil {
			h.serverError(c, err)
			return
		}
		d.Labels = append(d.Labels, label{View: v, State: v.State(now), QR: svg, Version: tok.Version})
	}
	h.render(c, http.StatusOK, "print_labels", h.page(c, u.Name, d))
}
