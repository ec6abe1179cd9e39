package ui

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

const (
	queuePageSize = 50
	// DueSoon: a deadline within two days needs today's attention.
	dueSoon = 48 * time.Hour
	// exportLimit bounds one export; a bigger one needs a narrower filter.
	exportLimit = 50000
)

type queueData struct {
	Filter    storage.QueueFilter
	Rows      []storage.QueueRow
	Total     int64
	Counts    storage.QueueCounts
	Pages     int
	PrevURL   string
	NextURL   string
	ExportURL string
	Staff     []model.User
	Staffing  map[int64]string
	Districts map[int64]model.District
	DistList  []model.District
	Statuses  []model.CaseStatus
	Category  []model.Category
	Now       time.Time
	CanAssign bool
	Query     url.Values
}

// AssigneeName is the display name of a case's assignee, empty when the case
// is unassigned or the assignee has left the agency.
func (d queueData) AssigneeName(id *int64) string {
	if id == nil {
		return ""
	}
	return d.Staffing[*id]
}

// queueFilter reads the queue's query parameters; the agency always comes
// from the signed-in user, never from the request.
func (h *Handler) queueFilter(c *gin.Context) storage.QueueFilter {
	f := storage.QueueFilter{AgencyID: staffAgency(currentUser(c)), Kind: model.ReportKind(c.Query("kind")),
		Category: model.Category(c.Query("category")), Due: c.Query("due"), Query: c.Query("q"), Sort: c.Query("sort"),
		Burst: c.Query("burst") == "1", PerPage: queuePageSize, Now: h.now(), DueSoon: dueSoon}
	if s := model.CaseStatus(c.Query("status")); s != "" {
		f.Statuses = []model.CaseStatus{s}
	}
	if f.Kind != model.KindComplaint && f.Kind != model.KindTip {
		f.Kind = ""
	}
	if !f.Category.Valid() {
		f.Category = ""
	}
	if f.Due != "overdue" && f.Due != "due_soon" {
		f.Due = ""
	}
	p, _ := strconv.Atoi(c.Query("priority"))
	f.Priority = model.Priority(p)
	f.DistrictID, _ = strconv.ParseInt(c.Query("district"), 10, 64)
	f.AssigneeID, _ = strconv.ParseInt(c.Query("assignee"), 10, 64)
	f.Page, _ = strconv.Atoi(c.Query("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	return f
}

func (h *Handler) queue(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	f := h.queueFilter(c)
	rows, total, err := h.Store.Queue(ctx, f)
	if err != nil {
		h.serverError(c, err)
		return
	}
	counts, err := h.Store.CountQueue(ctx, f.AgencyID, f.Now, dueSoon)
	if err != nil {
		h.serverError(c, err)
		return
	}
	districts, err := h.districtMap(c)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d := queueData{Filter: f, Rows: rows, Total: total, Counts: counts, Districts: districts, Now: f.Now,
		Statuses: model.OpenCaseStatuses, Category: model.Categories, Staffing: map[int64]string{},
		CanAssign: cases.MayAssign(u.Role) && u.AgencyID != nil, Query: c.Request.URL.Query()}
	for _, ds := range districts {
		d.DistList = append(d.DistList, ds)
	}
	if u.AgencyID != nil {
		if d.Staff, err = h.Store.StaffOfAgency(ctx, *u.AgencyID); err != nil {
			h.serverError(c, err)
			return
		}
		for _, s := range d.Staff {
			d.Staffing[s.ID] = s.DisplayName
		}
	}
	d.Pages = int((total + queuePageSize - 1) / queuePageSize)
	link := func(page int) string {
		q := c.Request.URL.Query()
		q.Set("page", strconv.Itoa(page))
		return "/staff/queue?" + q.Encode()
	}
	if f.Page > 1 {
		d.PrevURL = link(f.Page - 1)
	}
	if f.Page < d.Pages {
		d.NextURL = link(f.Page + 1)
	}
	q := c.Request.URL.Query()
	q.Del("page")
	d.ExportURL = q.Encode()
	h.render(c, http.StatusOK, "staff_queue", h.page(c, server.Printer(c).T("queue.title"), d))
}

// queueAssign assigns the ticked cases to one officer of the supervisor's
// own agency (or unassigns them); cases.Service.AssignMany skips those it
// may not assign.
func (h *Handler) queueAssign(c *gin.Context) {
	var ids []int64
	for _, s := range c.PostFormArray("case_id") {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	assignee, _ := strconv.ParseInt(c.PostForm("assignee_id"), 10, 64)
	back := "/staff/queue"
	if ref := safeNext(c.PostForm("back")); ref != "" {
		back = ref
	}
	n, err := h.Cases.AssignMany(c.Request.Context(), h.caseActor(c), ids, assignee)
	switch fail.KindOf(err) {
	case fail.Internal:
		if err != nil {
			h.serverError(c, err)
			return
		}
	case fail.Invalid:
		// The queue's form offers only the agency's staff and one page of cases.
		h.ErrorPage(c, http.StatusBadRequest)
		return
	case fail.Conflict:
		c.Redirect(http.StatusSeeOther, back) // changed meanwhile: show the queue as it is
		return
	default:
		h.refused(c, err, nil)
		return
	}
	if len(ids) == 0 {
		c.Redirect(http.StatusSeeOther, back)
		return
	}
	server.Logger(c).Info("cases assigned", "count", n, "assignee", assignee, "by", currentUser(c).ID)
	c.Redirect(http.StatusSeeOther, appendQuery(back, "ok=assigned"))
}

func appendQuery(path, kv string) string {
	if u, err := url.Parse(path); err == nil && u.RawQuery != "" {
		return path + "&" + kv
	}
	return path + "?" + kv
}

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
	rows, ok := h.exportRows(c)
	if !ok {
		return
	}
	districts, err := h.districtMap(c)
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="queue-`+h.now().In(model.Zone).Format("20060102-1504")+`.csv"`)
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write([]byte("\uFEFF"))
	w := csv.NewWriter(c.Writer)
	_ = w.Write(h.exportHeader(c))
	for _, r := range rows {
		_ = w.Write(csvSafe(h.exportRecord(c, r, districts)))
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
	rows, ok := h.exportRows(c)
	if !ok {
		return
	}
	districts, err := h.districtMap(c)
	if err != nil {
		h.serverError(c, err)
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
	if err := row(1, h.exportHeader(c)); err != nil {
		h.serverError(c, err)
		return
	}
	for i, r := range rows {
		if err := row(i+2, h.exportRecord(c, r, districts)); err != nil {
			h.serverError(c, err)
			return
		}
	}
	if err := sw.Flush(); err != nil {
		h.serverError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="queue-`+h.now().In(model.Zone).Format("20060102-1504")+`.xlsx"`)
	c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Status(http.StatusOK)
	if err := x.Write(c.Writer); err != nil {
		server.Logger(c).Error("xlsx write", "err", err)
	}
}
