package ui

import (
	"net/http"
	"strconv"

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
