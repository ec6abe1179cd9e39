package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/verification"
)

const conflictPageSize = 50

// conflictStatuses are the status filter's choices; "all" is every status.
var conflictStatuses = []string{string(model.ConflictOpen), string(model.ConflictResolved), string(model.ConflictDismissed), "all"}

// conflictLine is one row of the queue, worded.
type conflictLine struct {
	verification.ConflictRow
	BodySays string
	Declared string
	AgeDays  int
}

type conflictListData struct {
	Filter    storage.ConflictFilter
	Status    string // the status choice: one of conflictStatuses
	Rows      []conflictLine
	Total     int64
	Counts    map[model.ConflictKind]int64
	CountAll  int64
	Kinds     []model.ConflictKind
	Statuses  []string
	Districts []model.District
	Bodies    []model.VerificationBody
	Pages     int
	PrevURL   string
	NextURL   string
	ExportURL string
	Query     url.Values
	OpenCount int64
}

// KindURL is the list filtered to kind (every kind for ""), the other
// filters kept.
func (d conflictListData) KindURL(kind model.ConflictKind) string {
	q := url.Values{}
	for k, v := range d.Query {
		q[k] = v
	}
	q.Del("page")
	q.Set("kind", string(kind))
	if kind == "" {
		q.Del("kind")
	}
	return "/staff/conflicts?" + q.Encode()
}

// conflictFilter reads the queue's query parameters: status open unless
// asked otherwise ("all": any), a known kind, a district, a body, the sort
// and the page. The jurisdiction is the service's, from the signed-in user.
func conflictFilter(c *gin.Context) (storage.ConflictFilter, string) {
	status := c.DefaultQuery("status", string(model.ConflictOpen))
	if !slices.Contains(conflictStatuses, status) {
		status = string(model.ConflictOpen)
	}
	f := storage.ConflictFilter{Kind: model.ConflictKind(c.Query("kind")), Oldest: c.Query("sort") == "oldest", PerPage: conflictPageSize}
	if status != "all" {
		f.Status = model.ConflictStatus(status)
	}
	if !slices.Contains(model.ConflictKinds, f.Kind) {
		f.Kind = ""
	}
	f.DistrictID, _ = strconv.ParseInt(c.Query("district"), 10, 64)
	f.BodyID, _ = strconv.ParseInt(c.Query("body"), 10, 64)
	f.Page, _ = strconv.Atoi(c.Query("page"))
	if f.Page < 1 {
		f.Page = 1
	}
	return f, status
}

func (h *Handler) conflictList(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	f, status := conflictFilter(c)
	rows, total, err := h.Verification.ConflictQueue(ctx, u, f)
	if err != nil {
		h.refused(c, err, nil)
		return
	}
	d := conflictListData{Filter: f, Status: status, Total: total, Kinds: model.ConflictKinds, Statuses: conflictStatuses,
		Query: c.Request.URL.Query()}
	if d.Counts, err = h.Verification.ConflictKindCounts(ctx, u, f); err != nil {
		h.refused(c, err, nil)
		return
	}
	for _, n := range d.Counts {
		d.CountAll += n
	}
	if d.OpenCount, err = h.Verification.OpenConflictCount(ctx, u); err != nil {
		h.refused(c, err, nil)
		return
	}
	if d.Districts, err = h.Verification.ConflictDistricts(ctx, u); err != nil {
		h.refused(c, err, nil)
		return
	}
	if d.Bodies, err = h.Verification.ConflictBodies(ctx); err != nil {
		h.serverError(c, err)
		return
	}
	l := server.Printer(c)
	now := h.now()
	for _, r := range rows {
		d.Rows = append(d.Rows, conflictLine{ConflictRow: r, AgeDays: int(now.Sub(r.CreatedAt).Hours() / 24),
			BodySays: conflictSentence(l, "body", r.Kind, r.Facts), Declared: conflictSentence(l, "declared", r.Kind, r.Facts)})
	}
	link := func(page int) string {
		q := c.Request.URL.Query()
		q.Set("page", strconv.Itoa(page))
		return "/staff/conflicts?" + q.Encode()
	}
	d.Pages, d.PrevURL, d.NextURL = pageLinks(total, conflictPageSize, f.Page, link)
	q := c.Request.URL.Query()
	q.Del("page")
	d.ExportURL = q.Encode()
	h.render(c, http.StatusOK, "staff_conflicts", h.page(c, l.T("conflict.title"), d))
}
