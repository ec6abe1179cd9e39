package ui

import (
	"net/url"
	"sort"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/charts"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/performance"
	"honestmeasure/internal/server"
)

// dashKPI is one figure of the dashboard's header.
type dashKPI struct {
	Label string
	Value string // "—" when there is nothing to measure
	Note  string // what it is over ("of 40 concluded")
	Link  string // the queue behind the figure, or ""
	Class string
}

// dashKPIs are the header's figures: on-time rate, overdue now, average
// handling time in working days and satisfaction.
func dashKPIs(l *locale.Printer, f performance.Figures) []dashKPI {
	onTime, okOnTime := f.OnTimeRate()
	days, okDays := f.AverageWorkingDays()
	sat, okSat := f.SatisfactionRate()
	overdue := dashKPI{Label: l.T("dashboard.kpi.overdue"), Value: strconv.FormatInt(f.Overdue, 10),
		Note: l.T("dashboard.kpi.overdue_of", f.Open), Link: queueLink("due", "overdue")}
	if f.Overdue > 0 {
		overdue.Class = "bad"
	}
	return []dashKPI{
		{Label: l.T("dashboard.kpi.on_time"), Value: pctText(onTime, okOnTime), Note: l.T("dashboard.kpi.on_time_of", f.OnTime, f.Concluded)},
		overdue,
		{Label: l.T("dashboard.kpi.handling"), Value: daysText(l, days, okDays), Note: l.T("dashboard.kpi.handling_of", f.Concluded)},
		{Label: l.T("dashboard.kpi.satisfaction"), Value: pctText(sat, okSat), Note: l.T("dashboard.kpi.satisfaction_of", f.Satisfied, f.Ratings)},
	}
}

func pctText(v float64, ok bool) string {
	if !ok {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + "%"
}

func daysText(l *locale.Printer, v float64, ok bool) string {
	if !ok {
		return "—"
	}
	return l.T("dashboard.working_days", strconv.FormatFloat(v, 'f', 1, 64))
}

// dashPeople: the performance figures per agency (the city's view) or per
// officer (an agency's), with the rates charted and, for officers, each
// officer's overdue cases linking to them in the queue.
func (h *Handler) dashPeople(c *gin.Context, sc dashScope) (dashBlock, error) {
	ctx, l := c.Request.Context(), server.Printer(c)
	r, err := h.performance(c, sc)
	if err != nil {
		return dashBlock{}, err
	}
	names := map[int64]string{}
	title, col := l.T("dashboard.people.by_agency"), l.T("dashboard.col_agency")
	if sc.Agency == nil {
		agencies, err := h.Store.AllAgencies(ctx)
		if err != nil {
			return dashBlock{}, err
		}
		for _, a := range agencies {
			names[a.ID] = l.Pick(a.NameZh, a.NameEn)
		}
	} else {
		title, col = l.T("dashboard.people.by_officer"), l.T("dashboard.col_officer")
		names[0] = l.T("dashboard.people.unassigned")
		for id := range r.By {
			if id == 0 {
				continue
			}
			u, err := h.Store.UserByID(ctx, id)
			if err != nil {
				return dashBlock{}, err
			}
			names[id] = u.DisplayName
		}
	}
	ids := make([]int64, 0, len(r.By))
	for id := range r.By {
		ids = append(ids, id)
	}
	// Busiest first, then by name, the unassigned row last.
	sort.Slice(ids, func(i, j int) bool {
		a, b := r.By[ids[i]], r.By[ids[j]]
		if (ids[i] == 0) != (ids[j] == 0) {
			return ids[j] == 0
		}
		if a.Received+int(a.Open) != b.Received+int(b.Open) {
			return a.Received+int(a.Open) > b.Received+int(b.Open)
		}
		return names[ids[i]] < names[ids[j]]
	})
	b := dashBlock{Title: title, Note: l.T("dashboard.people.note"),
		Header: []string{col, l.T("dashboard.col_received"), l.T("dashboard.col_concluded"), l.T("dashboard.kpi.on_time"),
			l.T("dashboard.kpi.handling"), l.T("dashboard.col_open"), l.T("dashboard.kpi.overdue"), l.T("dashboard.kpi.satisfaction")}}
	row := func(label string, f performance.Figures) []string {
		onTime, ok1 := f.OnTimeRate()
		days, ok2 := f.AverageWorkingDays()
		sat, ok3 := f.SatisfactionRate()
		dayCell := ""
		if ok2 {
			dayCell = strconv.FormatFloat(days, 'f', 1, 64)
		}
		return []string{label, strconv.Itoa(f.Received), strconv.Itoa(f.Concluded), blankDash(pctText(onTime, ok1)), dayCell,
			strconv.FormatInt(f.Open, 10), strconv.FormatInt(f.Overdue, 10), blankDash(pctText(sat, ok3))}
	}
	var rates, overdue []charts.Bar
	for _, id := range ids {
		f := *r.By[id]
		name := names[id]
		if name == "" {
			name = "#" + strconv.FormatInt(id, 10)
		}
		b.Rows = append(b.Rows, row(name, f))
		if v, ok := f.OnTimeRate(); ok {
			rates = append(rates, charts.Bar{Label: name, Value: v, Text: pctText(v, true)})
		}
		bar := charts.Bar{Label: name, Value: float64(f.Overdue), Class: "overdue"}
		if sc.Agency != nil {
			assignee := strconv.FormatInt(id, 10)
			if id == 0 {
				assignee = "-1"
			}
			bar.Link = "/staff/queue?" + url.Values{"assignee": {assignee}, "due": {"overdue"}}.Encode()
		}
		overdue = append(overdue, bar)
	}
	b.Total = row(l.T("dashboard.total"), r.Total)
	if len(rates) > 0 {
		b.Charts = append(b.Charts, charts.HBar(l.T("dashboard.people.on_time_chart"), rates))
	}
	if len(overdue) > 0 {
		b.Charts = append(b.Charts, charts.HBar(l.T("dashboard.people.overdue_chart"), overdue))
	}
	return b, nil
}

// blankDash is "" for a figure with nothing to measure (the table shows
// "—" for empty cells, the CSV an empty field).
func blankDash(s string) string {
	if s == "—" {
		return ""
	}
	return s
}
