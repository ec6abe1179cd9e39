package ui

import (
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

// exportRows returns the whole filtered queue for export. Reporters'
// contact details are never exported.
func (h *Handler) exportRows(c *gin.Context) ([]storage.QueueRow, bool) {
	f := h.queueFilter(c)
	f.Page, f.PerPage = 1, exportLimit
	rows, total, err := h.Store.Queue(c.Request.Context(), f)
	if err != nil {
		h.serverError(c, err)
		return nil, false
	}
	if total > exportLimit {
		h.render(c, http.StatusRequestEntityTooLarge, "error", h.page(c, server.Printer(c).T("queue.export_too_big_title"),
			server.Printer(c).T("queue.export_too_big", total, exportLimit)))
		return nil, false
	}
	if err := h.record(c, h.Store, audit.ActionExport, audit.ObjectCase, 0, f.AgencyID, nil,
		map[string]any{"rows": len(rows), "filter": c.Request.URL.RawQuery, "format": c.Request.URL.Path}); err != nil {
		h.serverError(c, err)
		return nil, false
	}
	return rows, true
}

// exportTable is the filtered queue as both exports write it, in the
// visitor's language: the header, then one record a case. ok is false once
// a response was sent.
func (h *Handler) exportTable(c *gin.Context) (header []string, records [][]string, ok bool) {
	rows, ok := h.exportRows(c)
	if !ok {
		return nil, nil, false
	}
	districts, err := h.districtMap(c)
	if err != nil {
		h.serverError(c, err)
		return nil, nil, false
	}
	records = make([][]string, len(rows))
	for i, r := range rows {
		records[i] = h.exportRecord(c, r, districts)
	}
	return h.exportHeader(c), records, true
}

// exportDisposition names an export's file after the moment it was taken.
func (h *Handler) exportDisposition(c *gin.Context, ext string) {
	c.Header("Content-Disposition", `attachment; filename="queue-`+h.now().In(model.Zone).Format("20060102-1504")+`.`+ext+`"`)
}

func (h *Handler) exportHeader(c *gin.Context) []string {
	l := server.Printer(c)
	return []string{l.T("queue.col_tracking"), l.T("queue.col_kind"), l.T("queue.col_category"), l.T("queue.col_business"),
		l.T("queue.col_district"), l.T("queue.col_status"), l.T("queue.col_priority"), l.T("queue.col_received"), l.T("queue.col_due")}
}

func (h *Handler) exportRecord(c *gin.Context, r storage.QueueRow, districts map[int64]model.District) []string {
	l := server.Printer(c)
	due := ""
	if r.DueAt != nil {
		due = r.DueAt.In(model.Zone).Format("2006-01-02 15:04")
	}
	d := districts[r.DistrictID]
	return []string{r.TrackingNo, l.T("report.kind_" + string(r.Kind)), l.T("category." + string(r.Category)), r.BusinessName,
		l.Pick(d.NameZh, d.NameEn), l.T("case_status." + string(r.Status)), strconv.Itoa(int(r.Priority)),
		r.ReceivedAt.In(model.Zone).Format("2006-01-02 15:04"), due}
}

// queueCSV exports the filtered queue as UTF-8 CSV with a byte-order mark,
// so Excel on Chinese Windows opens it with the right characters.
func (h *Handler) queueCSV(c *gin.Context) {
	header, records, ok := h.exportTable(c)
	if !ok {
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	h.exportDisposition(c, "csv")
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write([]byte("\uFEFF"))
	w := csv.NewWriter(c.Writer)
	_ = w.Write(header)
	for _, rec := range records {
		_ = w.Write(csvSafe(rec))
	}
	w.Flush()
}

// csvSafe stops spreadsheet formula injection: a cell a reporter typed that
// starts with = + - @ is prefixed with an apostrophe.
func csvSafe(rec []string) []string {
	for i, v := range rec {
		if v != "" && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r') {
			rec[i] = "'" + v
		}
	}
	return rec
}

func (h *Handler) queueXLSX(c *gin.Context) {
	header, records, ok := h.exportTable(c)
	if !ok {
		return
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := x.GetSheetName(0)
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		h.serverError(c, err)
		return
	}
	row := func(n int, vals []string) error {
		cell, _ := excelize.CoordinatesToCellName(1, n)
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = v // strings, never formulas
		}
		return sw.SetRow(cell, out)
	}
	if err := row(1, header); err != nil {
		h.serverError(c, err)
		return
	}
	for i, rec := range records {
		if err := row(i+2, rec); err != nil {
			h.serverError(c, err)
			return
		}
	}
	if err := sw.Flush(); err != nil {
		h.serverError(c, err)
		return
	}
	h.exportDisposition(c, "xlsx")
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Status(http.StatusOK)
	if err := x.Write(c.Writer); err != nil {
		server.Logger(c).Error("xlsx write", "err", err)
	}
}
