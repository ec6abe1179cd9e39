package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// verificationAdd records a certificate the merchant declares; the
// verification body can confirm it later.
func (h *Handler) verificationAdd(c *gin.Context) {
	ctx := c.Request.Context()
	in, u, ok := h.editableInstrument(c)
	if !ok {
		return
	}
	vf := verificationFormFromPost(c)
	typ, err := h.Store.InstrumentTypeByID(ctx, in.TypeID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	rec, errs := vf.Validate(*typ, in.ID, h.now())
	if errs.Any() {
		h.instrumentPage(c, http.StatusUnprocessableEntity, in, u, vf, errs)
		return
	}
	actor := currentUser(c).ID
	rec.RecordedBy = &actor
	if err := h.Store.AddVerification(ctx, rec); err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant/instruments/"+strconv.FormatInt(in.ID, 10)+"?ok=certificate_added")
}
