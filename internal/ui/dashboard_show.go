package ui

import (
	"errors"
	"net/http"
	"net/url"
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
