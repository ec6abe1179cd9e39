package ui

import (
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
)

// conflictTable is the filtered conflict queue as both exports write it,
// in the visitor's language: the header, then one record a conflict, every
// cell neutralised against formula injection (csvSafe; the body's and the
// merchant's words are theirs). The service audits the export. ok is false
// once a response was sent.
func (h *Handler) conflictTable(c *gin.Context, format string) (header []string, records [][]string, ok bool) {
	f, _ := conflictFilter(c)
	rows, err := h.Verification.ExportConflicts(c.Request.Context(), h.actor(c), f, exportLimit, format)
	if err != nil {
		h.refused(c, err, func(status int, errs form.Errors) {
			l := server.Printer(c)
			m := errs["export"]
			h.render(c, status, "error", h.page(c, l.T("queue.export_too_big_title"), l.T(m.Key, m.Args...)))
		})
		return nil, nil, false
	}
	districts, err := h.districtMap(c)
	if err != nil {
		h.serverError(c, err)
		return nil, nil, false
	}
	l := server.Printer(c)
	header = []string{l.T("conflict.col_id"), l.T("conflict.col_kind"), l.T("conflict.col_status"), l.T("conflict.col_unit"),
		l.T("unit.district"), l.T("conflict.col_serial"), l.T("conflict.col_body_says"), l.T("conflict.col_declared"),
		l.T("conflict.col_body"), l.T("conflict.col_created"), l.T("conflict.col_resolution")}
	records = make([][]string, len(rows))
	for i, r := range rows {
		district, body := "", ""
		if r.DistrictID != nil {
			d := districts[*r.DistrictID]
			district = l.Pick(d.NameZh, d.NameEn)
		}
		if r.Body != nil {
			body = l.Pick(r.Body.NameZh, r.Body.NameEn)
		}
		records[i] = csvSafe([]string{strconv.FormatInt(r.ID, 10), l.T("conflict.kind." + string(r.Kind)),
			l.T("conflict.status." + string(r.Status)), r.UnitName, district, r.Facts["serial"],
			conflictSentence(l, "body", r.Kind, r.Facts), conflictSentence(l, "declared", r.Kind, r.Facts), body,
			r.CreatedAt.In(model.Zone).Format("2006-01-02 15:04"), r.Resolution})
	}
	return csvSafe(header), records, true
}

func (h *Handler) conflictDisposition(c *gin.Context, ext string) {
	c.Header("Content-Disposition", `attachment; filename="conflicts-`+h.now().In(model.Zone).Format("20060102-1504")+`.`+ext+`"`)
}

// conflictsCSV exports the filtered conflict queue as UTF-8 CSV with a
// byte-order mark, as the case queue's export.
func (h *Handler) conflictsCSV(c *gin.Context) {
	header, records, ok := h.conflictTable(c, "csv")
	if !ok {
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	h.conflictDisposition(c, "csv")
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write([]byte("\uFEFF"))
	w := csv.NewWriter(c.Writer)
	_ = w.Write(header)
	_ = w.WriteAll(records)
	w.Flush()
}

// conflictsXLSX exports the same table as a workbook of text cells.
func (h *Handler) conflictsXLSX(c *gin.Context) {
	header, records, ok := h.conflictTable(c, "xlsx")
	if !ok {
		return
	}
	x := excelize.NewFile()
	defer x.Close()
	sw, err := x.NewStreamWriter(x.GetSheetName(0))
	if err != nil {
		h.serverError(c, err)
		return
	}
	for i, rec := range append([][]string{header}, records...) {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(rec))
		for j, v := range rec {
			vals[j] = v // strings, never formulas
		}
		if err := sw.SetRow(cell, vals); err != nil {
			h.serverError(c, err)
			return
		}
	}
	if err := sw.Flush(); err != nil {
		h.serverError(c, err)
		return
	}
	h.conflictDisposition(c, "xlsx")
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Status(http.StatusOK)
	if err := x.Write(c.Writer); err != nil {
		server.Logger(c).Error("xlsx write", "err", err)
	}
}
