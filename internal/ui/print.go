package ui

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/scan"
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

// codeURL is the URL in the current code of object (kind, id), whose first
// version is issued in the name of the signed-in user who prints it.
func (h *Handler) codeURL(c *gin.Context, kind model.QRKind, id int64) (string, *model.QRToken, error) {
	by := currentUser(c).ID
	return scan.URLFor(c.Request.Context(), h.Store, h.QR, h.BaseURL, kind, id, &by)
}

// printedQR is the current code of object (kind, id) as inline SVG for a
// print page, with the URL it holds and its token's version.
func (h *Handler) printedQR(c *gin.Context, kind model.QRKind, id int64) (template.HTML, string, int, error) {
	url, tok, err := h.codeURL(c, kind, id)
	if err != nil {
		return "", "", 0, err
	}
	svg, err := qrSVG(url)
	if err != nil {
		return "", "", 0, err
	}
	return svg, url, tok.Version, nil
}

// printableUnit loads the signed-in merchant's unit :id for its print pages
// and code downloads, or answers 404 while it has no public codes.
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
	if ok && !units.InstrumentPrintable(u, in) {
		h.ErrorPage(c, http.StatusNotFound)
		return nil, false
	}
	return in, ok
}
