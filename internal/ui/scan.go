package ui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

type scanData struct {
	Token      string
	Status     scan.Status
	Unit       *scan.PublicUnit
	Instrument *scan.PublicInstrument // set for an instrument code
	// CurrentURL is where a replaced code's unit lives now (empty when the
	// unit is no longer listed).
	CurrentURL string
}

// Replaced reports whether the scanned code was superseded by a reprint.
func (d scanData) Replaced() bool { return d.Status == scan.Replaced }

// scanPage is /q/{token}: the URL printed on every code. It must work
// without JavaScript and arrive in the first round trip.
func (h *Handler) scanPage(c *gin.Context) {
	ctx := c.Request.Context()
	token := strings.TrimSpace(c.Param("token"))
	res, err := scan.Resolve(ctx, h.Store, h.QR, token)
	if err != nil {
		h.serverError(c, err)
		return
	}
	l := server.Printer(c)
	d := scanData{Token: token, Status: res.Status}
	if res.Status == scan.NotIssued {
		c.Header("Cache-Control", "no-store")
		h.render(c, http.StatusNotFound, "scan_invalid", h.page(c, l.T("scan.invalid_title"), d))
		return
	}
	unitID := res.Ref.ID
	if res.Ref.Kind == model.QRInstrument {
		in, err := h.Store.InstrumentByID(ctx, res.Ref.ID)
		if err != nil {
			h.scanError(c, err)
			return
		}
		unitID = in.UnitID
	}
	d.Unit, err = scan.LoadUnit(ctx, h.Store, h.QR, h.BaseURL, unitID, h.now())
	if err != nil {
		h.scanError(c, err)
		return
	}
	if res.Ref.Kind == model.QRInstrument {
		for i := range d.Unit.Instruments {
			if d.Unit.Instruments[i].Instrument.ID == res.Ref.ID {
				d.Instrument = &d.Unit.Instruments[i]
			}
		}
		if d.Instrument == nil {
			// Retired since the label was printed: the label vouches for nothing.
			d.Status = scan.Replaced
		}
	}
	if d.Status == scan.Replaced && d.Unit.Badge != scan.BadgeNotListed && d.Unit.Unit.Status != model.UnitRevoked {
		d.CurrentURL = d.Unit.URL
	}
	// Statuses change at any moment and a suspension must show at once:
	// browsers and proxies must ask again every time.
	c.Header("Cache-Control", "no-cache")
	h.render(c, http.StatusOK, "scan", h.page(c, d.Unit.Unit.Name, d))
}

// scanError: a genuine code whose unit or instrument row is gone is treated
// like a code the platform does not stand behind.
func (h *Handler) scanError(c *gin.Context, err error) {
	if errors.Is(err, storage.ErrNotFound) {
		h.render(c, http.StatusNotFound, "scan_invalid", h.page(c, server.Printer(c).T("scan.invalid_title"), scanData{Status: scan.NotIssued}))
		return
	}
	h.serverError(c, err)
}
