package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
)

// qrImage answers a PNG (print resolution, ?size= pixels) or SVG download.
func (h *Handler) qrImage(c *gin.Context, kind model.QRKind, id int64, name string, svg bool) {
	url, tok, err := h.codeURL(c, kind, id)
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

// unitPublicPreview opens the unit's public page as a shopper who scans its
// shop-front code sees it ("preview my public page").
func (h *Handler) unitPublicPreview(c *gin.Context) {
	u, ok := h.printableUnit(c)
	if !ok {
		return
	}
	url, _, err := h.codeURL(c, model.QRUnit, u.ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	// The code's URL is absolute and upper-case for the QR code's sake;
	// the preview stays on whatever address the merchant is using.
	if i := strings.Index(url, "/Q/"); i >= 0 {
		url = url[i:]
	}
	c.Redirect(http.StatusSeeOther, url)
}
