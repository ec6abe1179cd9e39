package ui

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
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
