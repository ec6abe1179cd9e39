package ui

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/verification"
)

// bodyImportConfirm queues a previewed batch; its page then shows (and
// drives) the progress.
func (h *Handler) bodyImportConfirm(c *gin.Context) {
	w, id, ok := h.senderAndImport(c)
	if !ok {
		return
	}
	if _, err := h.Verification.Confirm(c.Request.Context(), w, id); err != nil {
		h.refused(c, err, func(status int, errs form.Errors) { h.bodyImportPage(c, status, errs) })
		return
	}
	c.Redirect(http.StatusSeeOther, "/body/imports/"+strconv.FormatInt(id, 10))
}

// bodyImportDiscard drops a previewed batch.
func (h *Handler) bodyImportDiscard(c *gin.Context) {
	w, id, ok := h.senderAndImport(c)
	if !ok {
		return
	}
	if err := h.Verification.Discard(c.Request.Context(), w, id); err != nil {
		h.refused(c, err, func(status int, errs form.Errors) { h.bodyImportPage(c, status, errs) })
		return
	}
	c.Redirect(http.StatusSeeOther, "/body?ok=import_discarded")
}

// importStepBudget is how long one step request imports before it answers
// with the progress: short enough for the bar to move every second or two.
const importStepBudget = 1500 * time.Millisecond

// bodyImportStep imports the next rows of the batch (the page's script
// calls it until the batch is done) and answers the progress as JSON. When
// another request or instance holds the batch, it only reports progress.
func (h *Handler) bodyImportStep(c *gin.Context) {
	w, id, ok := h.senderAndImport(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	b, err := h.Verification.StepOwn(ctx, w, id, importStepBudget)
	if err != nil {
		h.refused(c, err, nil)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"status": b.Status, "done": b.DoneRows, "total": b.TotalRows,
		"percent": verification.ProgressPercent(b), "new": b.NewRows, "unchanged": b.UnchangedRows, "refused": b.RefusedRows})
}
