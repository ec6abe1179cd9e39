package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
)

// casePhoto serves an evidence photo to the handling agency only.
func (h *Handler) casePhoto(c *gin.Context) {
	cs, ok := h.staffCase(c)
	if !ok {
		return
	}
	seq, err := strconv.Atoi(c.Param("seq"))
	if err != nil {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	p, err := h.Store.ReportPhoto(c.Request.Context(), cs.ReportID, seq)
	if !h.found(c, err) {
		return
	}
	// Evidence shows the reporter's surroundings and sometimes the reporter:
	// every time it leaves the server to staff is on record, and it is sent
	// only once that record is committed. no-store keeps every cache (shared
	// or the browser's) from answering in our place, so each view comes here
	// and is recorded again.
	if err := h.record(c, h.Store, audit.ActionPhotoView, audit.ObjectCase, cs.ID, &cs.AgencyID, nil,
		map[string]any{"report_id": cs.ReportID, "photo_seq": p.Seq}); err != nil {
		h.serverError(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, p.ContentType, p.Data)
}
