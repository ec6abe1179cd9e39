package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

type staffDashboardData struct {
	Scope    string // whose numbers these are
	From, To string // the period, YYYY-MM-DD
	Blocks   []dashBlock
	KPIs     []dashKPI // the header's figures; nil when they could not be computed
}

func (h *Handler) dashboard(c *gin.Context) {
	sc, ok := h.dashboardScope(c)
	if !ok {
		return
	}
	l := server.Printer(c)
	d := staffDashboardData{Scope: l.T("dashboard.scope_city"), From: sc.Period.From.Format(time.DateOnly), To: sc.Period.To.Format(time.DateOnly)}
	if sc.Agency != nil {
		a, err := h.Store.AgencyByID(c.Request.Context(), *sc.Agency)
		if err != nil {
			h.serverError(c, err)
			return
		}
		d.Scope = l.Pick(a.NameZh, a.NameEn)
	}
	problem := ""
	if !sc.ValidPeriod {
		problem = "dashboard.bad_period"
	}
	switch perf, err := h.performance(c, sc); {
	case errors.Is(err, storage.ErrTooManyCases):
		problem = "dashboard.too_many_cases"
	case err != nil:
		h.serverError(c, err)
		return
	default:
		d.KPIs = dashKPIs(l, perf.Total)
	}
	// "One public": spot-check results not published 20 working days after
	// the check.
	unpublished, err := h.spot().Overdue(c.Request.Context(), sc.Agency)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if d.KPIs != nil {
		k := dashKPI{Label: l.T("dashboard.kpi.unpublished"), Value: strconv.FormatInt(unpublished, 10), Note: l.T("dashboard.kpi.unpublished_of"),
			Link: "/staff/spot-checks"}
		if unpublished > 0 {
			k.Class = "bad"
		}
		d.KPIs = append(d.KPIs, k)
	}
	for _, def := range dashboardBlocks {
		if d.KPIs == nil && def.ID == "people" {
			continue
		}
		b, err := def.Build(h, c, sc)
		if err != nil {
			h.serverError(c, err)
			return
		}
		b.ID = def.ID
		b.CSV = "/staff/dashboard.csv?" + url.Values{"block": {def.ID}, "from": {d.From}, "to": {d.To}}.Encode()
		d.Blocks = append(d.Blocks, b)
	}
	p := h.page(c, l.T("dashboard.title"), d)
	p.Problem = problem
	c.Header("Cache-Control", "no-store")
	h.render(c, http.StatusOK, "staff_dashboard", p)
}
