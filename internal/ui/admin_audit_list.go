package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// adminAuditRow is one entry as the list shows it.
type adminAuditRow struct {
	model.AuditEntry
	ObjectURL, ActorURL string
	HistoryURL          string // every entry about the same object
	Before, After       string // cut to adminAuditCut; "" for none
}

type adminAuditData struct {
	adminNav
	Form        adminAuditForm
	Actions     []string
	ObjectTypes []string
	Rows        []adminAuditRow
	Total       int64
	More        bool // more than storage.AuditSearchMax match: only the newest can be paged to
	Max         int
	Page        int
	Pages       int
	PrevURL     string
	NextURL     string
}

// adminAudit lists the audit log, newest first, filtered by object, action,
// actor and dates.
func (h *Handler) adminAudit(c *gin.Context) {
	ctx := c.Request.Context()
	form, from, until, problem := parseAdminAuditForm(c.Request.URL.Query())
	d := &adminAuditData{Form: form, Actions: audit.Actions(), ObjectTypes: audit.ObjectTypes(), Max: storage.AuditSearchMax}
	maxPage := storage.AuditSearchMax / adminAuditPageSize
	d.Page, _ = strconv.Atoi(c.Query("page"))
	d.Page = min(max(d.Page, 1), maxPage)
	f := storage.AuditFilter{ObjectType: form.ObjectType, ObjectID: form.ObjectID, Action: form.Action,
		From: from, Until: until, Page: d.Page, PerPage: adminAuditPageSize}
	if err := h.adminAuditActor(ctx, form.Actor, &f); err != nil {
		h.serverError(c, err)
		return
	}
	entries, total, err := h.Store.AuditSearch(ctx, f)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Total, d.More = min(total, int64(storage.AuditSearchMax)), total > storage.AuditSearchMax
	d.Rows = make([]adminAuditRow, len(entries))
	for i := range entries {
		e := &entries[i]
		r := adminAuditRow{AuditEntry: *e, ObjectURL: adminAuditObjectURL(e), ActorURL: adminAuditActorURL(e)}
		// Listing one object's history already: no link to itself.
		if form.ObjectType == "" || form.ObjectID == "" {
			r.HistoryURL = adminAuditHistoryURL(e)
		}
		if e.BeforeJSON != nil {
			r.Before = cutRunes(*e.BeforeJSON, adminAuditCut)
		}
		if e.AfterJSON != nil {
			r.After = cutRunes(*e.AfterJSON, adminAuditCut)
		}
		d.Rows[i] = r
	}
	link := func(page int) string {
		q := form.values()
		q.Set("page", strconv.Itoa(page))
		return "/admin/audit?" + q.Encode()
	}
	d.Pages, d.PrevURL, d.NextURL = pageLinks(d.Total, adminAuditPageSize, d.Page, link)
	h.adminRenderProblem(c, http.StatusOK, "admin_audit", "auditlog.title", d, problem)
}
