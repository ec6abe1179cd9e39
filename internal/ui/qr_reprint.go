package ui

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/server"
)

// Reprinting issues a new version and revokes the old one at once: a
// sticker that was torn off and copied elsewhere stops vouching for anything.
// It is done only once confirmed (unitQRReprintConfirm).
func (h *Handler) unitQRReprint(c *gin.Context) {
	if u, ok := h.printableUnit(c); ok && confirmed(c) {
		h.reprint(c, model.QRUnit, u.ID, u.ID, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"/poster")
	}
}

func (h *Handler) instrumentQRReprint(c *gin.Context) {
	if in, ok := h.printableInstrument(c); ok && confirmed(c) {
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
