package ui

import (
	"iter"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/server"
	"honestmeasure/internal/sheet"
)

// bodyImportReport is the downloadable error report of a batch: every
// refused row's problems — row number, column, reason — in the reader's
// language, as XLSX or CSV, read from the database a page at a time.
func (h *Handler) bodyImportReport(c *gin.Context) {
	w, id, ok := h.senderAndImport(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	b, err := h.Verification.OwnImport(ctx, w, id)
	if err != nil {
		h.refused(c, err, nil)
		return
	}
	l := server.Printer(c)
	header := []string{l.T("upload.report.row"), l.T("upload.report.column"), l.T("upload.report.reason")}
	var failed error
	rows := iter.Seq[[]string](func(yield func([]string) bool) {
		after := 0
		for {
			page, err := h.Verification.Refused(ctx, w, b.ID, after, 500)
			if err != nil {
				failed = err
				return
			}
			for _, line := range wordRefused(l, page) {
				if !yield([]string{strconv.Itoa(line.Row), line.Column, line.Reason}) {
					return
				}
			}
			if len(page) < 500 {
				return
			}
			after = page[len(page)-1].RowNo
		}
	})
	name := "import-" + strconv.FormatInt(b.ID, 10) + "-errors"
	c.Header("Cache-Control", "no-store")
	if strings.HasSuffix(c.Request.URL.Path, ".csv") {
		c.Header("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		c.Header("Content-Type", "text/csv; charset=utf-8")
		err = sheet.WriteCSV(c.Writer, header, rows)
	} else {
		c.Header("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
		c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		err = sheet.WriteXLSX(c.Writer, header, rows)
	}
	if err == nil {
		err = failed
	}
	if err != nil {
		// Headers are gone: the download ends short, and the log says why.
		server.Logger(c).Error("error report failed", "import", b.ID, "err", err)
	}
}
