package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/storage"
)

// The outbox page (/admin/outbox): the notifications that were given up on
// or still wait, with their tries and last error, and a button that sends
// one again (internal/outbox.Operator). Recipients are masked there; the
// bodies are never shown.

// adminOutboxErrorCut is how much of a message's last error a row shows.
const adminOutboxErrorCut = 300

type adminOutboxRow struct {
	outbox.Listed
	LastError  string // cut to adminOutboxErrorCut
	CaseURL    string
	HistoryURL string // the message's audit entries (its retries)
}

type adminOutboxData struct {
	adminNav
	Status, Channel  string
	Statuses         []string
	Channels         []string
	Counts           map[string]int64
	Rows             []adminOutboxRow
	Total            int64
	Page, Pages      int
	PrevURL, NextURL string
	StatusURLs       map[string]string
	ChannelURLs      map[string]string
}

// adminOutboxQuery is the list's status and channel as the query names
// them; what is not a status or channel the page knows is dropped.
func adminOutboxQuery(get func(string) string) (status, channel string) {
	status = get("status")
	if status != storage.OutboxPending {
		status = storage.OutboxFailed
	}
	switch channel = get("channel"); channel {
	case outbox.ChannelEmail, outbox.ChannelSMS, outbox.ChannelWebhook:
	default:
		channel = ""
	}
	return status, channel
}

func adminOutboxURL(status, channel string, page int) string {
	q := url.Values{"status": {status}}
	if channel != "" {
		q.Set("channel", channel)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	return "/admin/outbox?" + q.Encode()
}

func (h *Handler) adminOutbox(c *gin.Context) {
	h.adminOutboxRender(c, http.StatusOK, "")
}

// adminOutboxRender shows the list the query asks for, with problem (a
// locale key) above it when a retry changed nothing.
func (h *Handler) adminOutboxRender(c *gin.Context, status int, problem string) {
	// A refused retry shows the list it was pressed on, which its form names.
	get := c.Query
	if c.Request.Method == http.MethodPost {
		get = c.PostForm
	}
	st, channel := adminOutboxQuery(get)
	page, _ := strconv.Atoi(get("page"))
	l, err := h.Outbox.List(c.Request.Context(), h.actor(c), st, channel, page)
	if err != nil {
		h.refused(c, err, nil)
		return
	}
	d := &adminOutboxData{Status: st, Channel: channel, Statuses: []string{storage.OutboxFailed, storage.OutboxPending},
		Channels: []string{outbox.ChannelEmail, outbox.ChannelSMS, outbox.ChannelWebhook}, Counts: l.Counts, Total: l.Total,
		Page: l.Page, StatusURLs: map[string]string{}, ChannelURLs: map[string]string{"": adminOutboxURL(st, "", 1)}}
	for _, s := range d.Statuses {
		d.StatusURLs[s] = adminOutboxURL(s, channel, 1)
	}
	for _, ch := range d.Channels {
		d.ChannelURLs[ch] = adminOutboxURL(st, ch, 1)
	}
	d.Rows = make([]adminOutboxRow, len(l.Messages))
	for i, m := range l.Messages {
		r := adminOutboxRow{Listed: m, LastError: cutRunes(m.LastError, adminOutboxErrorCut),
			HistoryURL: adminAuditHistoryURL(&model.AuditEntry{ObjectType: audit.ObjectOutboxMessage, ObjectID: strconv.FormatInt(m.ID, 10)})}
		if m.CaseID != nil {
			r.CaseURL = "/staff/cases/" + strconv.FormatInt(*m.CaseID, 10)
		}
		d.Rows[i] = r
	}
	d.Pages, d.PrevURL, d.NextURL = pageLinks(d.Total, outbox.OperatorPageSize, d.Page, func(p int) string { return adminOutboxURL(st, channel, p) })
	h.adminRenderProblem(c, status, "admin_outbox", "ops.outbox.title", d, problem)
}
