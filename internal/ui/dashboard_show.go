package ui

import (
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/server"
)

type staffDashboardData struct {
	Scope    string // whose numbers these are
	From, To string // the period, YYYY-MM-DD
	Blocks   []dashBlock
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
	for _, def := range dashboardBlocks {
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
	if !sc.ValidPeriod {
		p.Problem = "dashboard.bad_period"
	}
	c.Header("Cache-Control", "no-store")
	h.render(c, http.StatusOK, "staff_dashboard", p)
}
