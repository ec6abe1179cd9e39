package ui

import (
	"encoding/csv"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/storage"
)

// dashboardCSV downloads one block's table, the numbers exactly as the page
// shows them, as UTF-8 CSV with a byte-order mark (for Excel on Chinese
// Windows). Every download is audited, like the queue's exports.
func (h *Handler) dashboardCSV(c *gin.Context) {
	id := c.Query("block")
	var build dashBuilder
	for _, def := range dashboardBlocks {
		if def.ID == id {
			build = def.Build
		}
	}
	if build == nil {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	sc, ok := h.dashboardScope(c)
	if !ok {
		return
	}
	b, err := build(h, c, sc)
	if errors.Is(err, storage.ErrTooManyCases) {
		h.ErrorPage(c, http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	from, to := sc.Period.From.Format(time.DateOnly), sc.Period.To.Format(time.DateOnly)
	object := audit.ObjectCase
	if id == "units" {
		object = audit.ObjectUnit
	}
	if err := h.record(c, h.Store, audit.ActionExport, object, 0, sc.Agency, nil,
		map[string]any{"block": id, "from": from, "to": to, "rows": len(b.Rows), "format": c.Request.URL.Path}); err != nil {
		h.serverError(c, err)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="dashboard-`+id+`-`+from+`-`+to+`.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write([]byte("\uFEFF"))
	w := csv.NewWriter(c.Writer)
	_ = w.Write(b.Header)
	for _, r := range b.Rows {
		_ = w.Write(csvSafe(r))
	}
	if b.Total != nil {
		_ = w.Write(csvSafe(b.Total))
	}
	w.Flush()
}
