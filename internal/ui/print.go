package ui

import (
	"errors"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

// qrSVG renders content as inline SVG for the print pages. The markup is our
// own (internal/qr), so it is safe to embed.
func qrSVG(content string) (template.HTML, error) {
	b, err := qr.SVG(content)
	if err != nil {
		return "", err
	}
	s := string(b)
	if i := strings.Index(s, "<svg"); i > 0 {
		s = s[i:] // an XML declaration is not allowed inside HTML
	}
	return template.HTML(s), nil
}

type posterData struct {
	Unit      *model.Unit
	District  model.District
	Agency    *model.Agency
	Pledge    *model.Pledge
	KeyPoints []string
	KeyEn     []string
	QR        template.HTML
	URL       string
	Version   int
}

func (h *Handler) poster(c *gin.Context) {
	ctx := c.Request.Context()
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	if !units.Printable(u) {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	d := posterData{Unit: u}
	districts, err := h.districtMap(c)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.District = districts[u.DistrictID]
	if d.District.DefaultAgencyID != nil {
		if d.Agency, err = h.Store.AgencyByID(ctx, *d.District.DefaultAgencyID); err != nil {
			h.serverError(c, err)
			return
		}
	}
	if d.Pledge, err = h.Store.CurrentPledge(ctx, u.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		h.serverError(c, err)
		return
	}
	if d.Pledge != nil {
		text, err := h.Store.PledgeTextByID(ctx, d.Pledge.PledgeTextID)
		if err != nil {
			h.serverError(c, err)
			return
		}
		d.KeyPoints, d.KeyEn = strings.Split(text.KeyPointsZh, "\n"), strings.Split(text.KeyPointsEn, "\n")
	}
	by := currentUser(c).ID
	url, tok, err := scan.URLFor(ctx, h.Store, h.QR, h.BaseURL, model.QRUnit, u.ID, &by)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if d.QR, err = qrSVG(url); err != nil {
		h.serverError(c, err)
		return
	}
	d.URL, d.Version = url, tok.Version
	h.render(c, http.StatusOK, "print_poster", h.page(c, u.Name, d))
}

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

// qrImage answers a PNG (print resolution, ?size= pixels) or SVG download.
func (h *Handler) qrImage(c *gin.Context, kind model.QRKind, id int64, name string, svg bool) {
	by := currentUser(c).ID
	url, tok, err := scan.URLFor(c.Request.Context(), h.Store, h.QR, h.BaseURL, kind, id, &by)
	if err != nil {
		h.serverError(c, err)
		return
	}
	filename := name + "-v" + strconv.Itoa(tok.Version)
	c.Header("Cache-Control", "private, no-cache")
	if svg {
		b, err := qr.SVG(url)
		if err != nil {
			h.serverError(c, err)
			return
		}
		c.Header("Content-Disposition", `attachment; filename="`+filename+`.svg"`)
		c.Data(http.StatusOK, "image/svg+xml", b)
		return
	}
	// 1200 px covers a 10 cm poster code at 300 dpi; labels need far less.
	size, err := strconv.Atoi(c.DefaultQuery("size", "1200"))
	if err != nil || size < 128 || size > 2400 {
		size = 1200
	}
	b, err := qr.PNG(url, size)
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+filename+`.png"`)
	c.Data(http.StatusOK, "image/png", b)
}

func (h *Handler) printableUnit(c *gin.Context) (*model.Unit, bool) {
	u, ok := h.ownUnit(c)
	if ok && !units.Printable(u) {
		h.ErrorPage(c, http.StatusNotFound)
		return nil, false
	}
	return u, ok
}

func (h *Handler) printableInstrument(c *gin.Context) (*model.Instrument, bool) {
	in, u, ok := h.ownInstrument(c)
	if ok && (!units.Printable(u) || in.Status != model.InstrumentInUse) {
		h.ErrorPage(c, http.StatusNotFound)
		return nil, false
	}
	return in, ok
}

func (h *Handler) unitQRPNG(c *gin.Context) {
	if u, ok := h.printableUnit(c); ok {
		h.qrImage(c, model.QRUnit, u.ID, "unit-"+strconv.FormatInt(u.ID, 10), false)
	}
}

func (h *Handler) unitQRSVG(c *gin.Context) {
	if u, ok := h.printableUnit(c); ok {
		h.qrImage(c, model.QRUnit, u.ID, "unit-"+strconv.FormatInt(u.ID, 10), true)
	}
}

func (h *Handler) instrumentQRPNG(c *gin.Context) {
	if in, ok := h.printableInstrument(c); ok {
		h.qrImage(c, model.QRInstrument, in.ID, "instrument-"+in.SerialNo, false)
	}
}

func (h *Handler) instrumentQRSVG(c *gin.Context) {
	if in, ok := h.printableInstrument(c); ok {
		h.qrImage(c, model.QRInstrument, in.ID, "instrument-"+in.SerialNo, true)
	}
}

// Reprinting issues a new version and revokes the old one at once: a
// sticker that was torn off and copied elsewhere stops vouching for anything.
func (h *Handler) unitQRReprint(c *gin.Context) {
	if u, ok := h.printableUnit(c); ok {
		h.reprint(c, model.QRUnit, u.ID, u.ID, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"/poster")
	}
}

func (h *Handler) instrumentQRReprint(c *gin.Context) {
	if in, ok := h.printableInstrument(c); ok {
		h.reprint(c, model.QRInstrument, in.ID, in.UnitID, "/merchant/instruments/"+strconv.FormatInt(in.ID, 10))
	}
}

func (h *Handler) reprint(c *gin.Context, kind model.QRKind, id, unitID int64, back string) {
	by := currentUser(c).ID
	_, err := scan.Reprint(c.Request.Context(), h.Store, kind, id, unitID, &by, h.now())
	var soon *scan.ReprintRefused
	l := server.Printer(c)
	switch {
	case errors.As(err, &soon):
		minutes := int(math.Ceil(soon.RetryAfter.Minutes()))
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(soon.RetryAfter.Seconds()))))
		h.render(c, http.StatusTooManyRequests, "error", h.page(c, l.T("reprint.refused_title"),
			l.T("reprint.too_soon", scan.ReprintsPerUnit, minutes)))
		return
	case errors.Is(err, scan.ErrReprintLimit):
		h.render(c, http.StatusConflict, "error", h.page(c, l.T("reprint.refused_title"),
			l.T("reprint.version_limit", model.MaxQRVersion)))
		return
	case err != nil:
		h.serverError(c, err)
		return
	}
	server.Logger(c).Info("code reprinted", "kind", string(kind), "id", id)
	c.Redirect(http.StatusSeeOther, back+"?ok=reprinted")
}
