package ui

import (
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
)

// The city administrator's pages: routing rules, agencies and districts,
// accounts, the holiday calendar, the instrument catalogue, pledge text
// versions, and the audit log to read it all back. The group they hang on
// lets only the city admin in and checks the CSRF token of every POST; every
// change is written to the audit log, before and after, in the transaction
// that makes it.

// adminSections are the admin's areas, in the order the tabs show them.
var adminSections = []struct{ Key, URL string }{
	{"admin.nav.index", "/admin"},
	{"admin.nav.rules", "/admin/rules"},
	{"admin.nav.agencies", "/admin/agencies"},
	{"admin.nav.accounts", "/admin/accounts"},
	{"admin.nav.bodies", "/admin/verification-bodies"},
	{"admin.nav.holidays", "/admin/holidays"},
	{"admin.nav.instrument_types", "/admin/instrument-types"},
	{"admin.nav.pledge_texts", "/admin/pledge-texts"},
	{"admin.nav.reply_templates", "/admin/reply-templates"},
	{"admin.nav.check_items", "/admin/check-items"},
	{"admin.nav.outbox", "/admin/outbox"},
	{"admin.nav.audit", "/admin/audit"},
}

type adminNavItem struct {
	Key, URL string
	Current  bool
}

// adminNav is embedded in every admin page's data: the tabs at the top.
type adminNav struct{ Nav []adminNavItem }

func (n *adminNav) setNav(items []adminNavItem) { n.Nav = items }

type adminPageData interface{ setNav([]adminNavItem) }

// adminRender renders an admin page with its tabs. A confirmation arrives
// through a redirect as ?ok=key and shows when admin.notice.<key> exists.
func (h *Handler) adminRender(c *gin.Context, status int, name, titleKey string, d adminPageData) {
	h.adminRenderProblem(c, status, name, titleKey, d, "")
}

// adminRenderProblem is adminRender with a problem (a locale key) shown
// above the page: a request that changed nothing, and why.
func (h *Handler) adminRenderProblem(c *gin.Context, status int, name, titleKey string, d adminPageData, problem string) {
	path := c.Request.URL.Path
	items := make([]adminNavItem, len(adminSections))
	current := 0
	for i, s := range adminSections {
		items[i] = adminNavItem{Key: s.Key, URL: s.URL}
		if i > 0 && (path == s.URL || strings.HasPrefix(path, s.URL+"/")) {
			current = i
		}
	}
	// Districts are edited from the agencies page.
	if strings.HasPrefix(path, "/admin/districts/") {
		current = 2
	}
	items[current].Current = true
	d.setNav(items)
	p := h.page(c, server.Printer(c).T(titleKey), d)
	if ok := c.Query("ok"); ok != "" && p.L.Has("admin.notice."+ok) {
		p.Notice = "admin.notice." + ok
	}
	p.Problem = problem
	h.render(c, status, name, p)
}

// today is the deployment's calendar date now.
func (h *Handler) adminToday() time.Time { return model.DateOf(h.now()) }
