package ui

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/cases"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/sheet"
)

// handoffExport is one pull of the hand-off export (cases.ExportHandoffs)
// as JSON Lines (one HandoffRecord a line, the OpenAPI document's schema)
// or a workbook with the same columns. Where the next pull starts is in
// X-Next-Cursor, and X-Has-More says whether it has rows already. The
// reporters' details in it must not stay in caches or browser history.
func (h *Handler) handoffExport(c *gin.Context) {
	format := c.DefaultQuery("format", "jsonl")
	if format != "jsonl" && format != "xlsx" {
		h.handoffExportRefused(c, http.StatusUnprocessableEntity, form.Message{Key: "handoff.format_invalid"})
		return
	}
	q := cases.HandoffQuery{Since: c.Query("since"), Cursor: c.Query("cursor"), Target: c.Query("target"), Limit: c.Query("limit"), Format: format}
	out, err := h.Cases.ExportHandoffs(c.Request.Context(), h.caseActor(c), q)
	if err != nil {
		h.refused(c, err, func(status int, errs form.Errors) {
			for _, field := range []string{"cursor", "since", "target", "limit"} {
				if m, ok := errs[field]; ok {
					h.handoffExportRefused(c, status, m)
					return
				}
			}
			h.ErrorPage(c, status)
		})
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("X-Next-Cursor", out.Next.String())
	c.Header("X-Has-More", strconv.FormatBool(out.More))
	c.Header("Content-Disposition", `attachment; filename="handoffs-`+h.now().In(model.Zone).Format("20060102-150405")+`.`+format+`"`)
	if format == "xlsx" {
		c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		c.Status(http.StatusOK)
		err = sheet.WriteXLSX(c.Writer, cases.HandoffColumns, func(yield func([]string) bool) {
			for _, r := range out.Records {
				if !yield(r.Values()) {
					return
				}
			}
		})
	} else {
		c.Header("Content-Type", "application/x-ndjson; charset=utf-8")
		c.Status(http.StatusOK)
		w := bufio.NewWriter(c.Writer)
		enc := json.NewEncoder(w) // one object and a newline per record
		for _, r := range out.Records {
			if err = enc.Encode(r); err != nil {
				break
			}
		}
		if err == nil {
			err = w.Flush()
		}
	}
	if err != nil {
		server.Logger(c).Error("hand-off export write", "err", err)
	}
}

// handoffExportRefused answers a bad export request with its reason, on
// the error page (a client reading the status code needs no more).
func (h *Handler) handoffExportRefused(c *gin.Context, status int, m form.Message) {
	l := server.Printer(c)
	c.Header("Cache-Control", "no-store")
	h.render(c, status, "error", h.page(c, l.T("handoff.export_refused"), l.T(m.Key, m.Args...)))
}
