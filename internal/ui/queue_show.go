package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/cases"
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
	CanTake   bool // "assign to me"
	Query     url.Values
	// Back is this queue's URL without a confirmation: where a bulk action
	// returns.
	Back string
}

// Age is how many whole days ago t was.
func (d queueData) Age(t time.Time) int { return int(d.Now.Sub(t).Hours() / 24) }

// DeadlineKind names the decision a row's deadline is for.
func (d queueData) DeadlineKind(cs model.Case) string { return cases.DeadlineKind(&cs) }

// UnitURL is this queue narrowed to one unit's cases.
func (d queueData) UnitURL(unitID int64) string {
	q := url.Values{}
	q.Set("unit", strconv.FormatInt(unitID, 10))
	return "/staff/queue?" + q.Encode()
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
	if f.UnitID, _ = strconv.ParseInt(c.Query("unit"), 10, 64); f.UnitID < 0 {
		f.UnitID = 0
	}
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
		CanAssign: cases.MayAssign(u.Role) && u.AgencyID != nil, CanTake: cases.MayTake(u.Role) && u.AgencyID != nil,
		Query: c.Request.URL.Query()}
	back := c.Request.URL.Query()
	back.Del("ok")
	d.Back = "/staff/queue"
	if len(back) > 0 {
		d.Back += "?" + back.Encode()
	}
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
	link := func(page int) string {
		q := c.Request.URL.Query()
		q.Set("page", strconv.Itoa(page))
		return "/staff/queue?" + q.Encode()
	}
	d.Pages, d.PrevURL, d.NextURL = pageLinks(total, queuePageSize, f.Page, link)
	q := c.Request.URL.Query()
	q.Del("page")
	d.ExportURL = q.Encode()
	h.render(c, http.StatusOK, "staff_queue", h.page(c, server.Printer(c).T("queue.title"), d))
}

// appendQuery sets the parameters of kv ("ok=assigned") on path's query,
// replacing any earlier value: a form's "back" of "/staff/queue?" (an
// empty filter) or one that already carries ?ok= comes back as one clean
// URL, not "/staff/queue??ok=assigned" or "…&ok=assigned&ok=assigned".
func appendQuery(path, kv string) string {
	u, err := url.Parse(path)
	if err != nil {
		return path
	}
	q := u.Query()
	add, _ := url.ParseQuery(kv)
	for k, v := range add {
		q[k] = v
	}
	u.RawQuery, u.ForceQuery = q.Encode(), false
	return u.String()
}
