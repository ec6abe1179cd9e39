package ui

import (
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/charts"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

// countBlock makes a block of counts per label, with a total row and a
// chart drawn by draw (charts.HBar or charts.Columns).
func countBlock(l *locale.Printer, title, col string, labels []string, counts []int64, draw func(string, []charts.Bar) template.HTML) dashBlock {
	return linkedCountBlock(l, title, col, labels, counts, nil, draw)
}

// linkedCountBlock is countBlock with each bar linking to links[i] (the
// queue filtered to what the bar counts); links may be nil.
func linkedCountBlock(l *locale.Printer, title, col string, labels []string, counts []int64, links []string, draw func(string, []charts.Bar) template.HTML) dashBlock {
	b := dashBlock{Title: title, Header: []string{col, l.T("dashboard.col_reports")}}
	bars := make([]charts.Bar, len(labels))
	var total int64
	for i, label := range labels {
		b.Rows = append(b.Rows, []string{label, strconv.FormatInt(counts[i], 10)})
		bars[i] = charts.Bar{Label: label, Value: float64(counts[i])}
		if links != nil {
			bars[i].Link = links[i]
		}
		total += counts[i]
	}
	b.Total = []string{l.T("dashboard.total"), strconv.FormatInt(total, 10)}
	b.Charts = []template.HTML{draw(title, bars)}
	return b
}

// vocabularyBlock counts the scope's cases per value of a closed list
// (categories, statuses), labelled from the catalogue under prefix, in the
// list's order with zeros; a value the data holds that the list lacks (one
// added after this page was written) follows, so the rows add up to the total.
func vocabularyBlock[T ~string](h *Handler, c *gin.Context, sc dashScope, dim storage.CaseDimension, known []T, prefix, title, col, param string) (dashBlock, error) {
	l := server.Printer(c)
	counts, err := h.Store.CountCasesBy(c.Request.Context(), sc.stats(), dim)
	if err != nil {
		return dashBlock{}, err
	}
	keys := make([]string, 0, len(known)+len(counts))
	for _, k := range known {
		keys = append(keys, string(k))
	}
	var extra []string
	for k := range counts {
		if !slices.Contains(keys, k) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	keys = append(keys, extra...)
	labels, ns, links := make([]string, len(keys)), make([]int64, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		labels[i], ns[i], links[i] = l.T(prefix+k), counts[k], queueLink(param, k)
	}
	return linkedCountBlock(l, l.T(title), l.T(col), labels, ns, links, charts.HBar), nil
}

func (h *Handler) dashDistricts(c *gin.Context, sc dashScope) (dashBlock, error) {
	ctx, l := c.Request.Context(), server.Printer(c)
	counts, err := h.Store.CountCasesBy(ctx, sc.stats(), storage.ByDistrict)
	if err != nil {
		return dashBlock{}, err
	}
	districts, err := h.Store.Districts(ctx)
	if err != nil {
		return dashBlock{}, err
	}
	var own []int64
	if sc.Agency != nil {
		if own, err = h.Store.JurisdictionDistricts(ctx, *sc.Agency); err != nil {
			return dashBlock{}, err
		}
	}
	// Every district the agency covers is listed, with zeros; a district
	// outside it only when a routing rule sent the agency a case there.
	var labels, links []string
	var ns []int64
	for _, d := range districts {
		id := strconv.FormatInt(d.ID, 10)
		n := counts[id]
		if sc.Agency == nil || slices.Contains(own, d.ID) || n > 0 {
			labels, ns, links = append(labels, l.Pick(d.NameZh, d.NameEn)), append(ns, n), append(links, queueLink("district", id))
		}
	}
	return linkedCountBlock(l, l.T("dashboard.districts.title"), l.T("dashboard.col_district"), labels, ns, links, charts.HBar), nil
}

func (h *Handler) dashCategories(c *gin.Context, sc dashScope) (dashBlock, error) {
	return vocabularyBlock(h, c, sc, storage.ByCategory, model.Categories, "category.", "dashboard.categories.title", "dashboard.col_category", "category")
}

func (h *Handler) dashStatuses(c *gin.Context, sc dashScope) (dashBlock, error) {
	b, err := vocabularyBlock(h, c, sc, storage.ByStatus, model.CaseStatuses, "case_status.", "dashboard.statuses.title", "dashboard.col_status", "status")
	b.Note = server.Printer(c).T("dashboard.statuses.note")
	return b, err
}

// dashTiming: average days to the acceptance decision and to conclusion
// (cases received in the period), and the open cases' deadlines now — the
// same counts as the queue's, so the two pages never disagree.
func (h *Handler) dashTiming(c *gin.Context, sc dashScope) (dashBlock, error) {
	ctx, l := c.Request.Context(), server.Printer(c)
	t, err := h.Store.CaseTimingStats(ctx, sc.stats())
	if err != nil {
		return dashBlock{}, err
	}
	q, err := h.Store.CountQueue(ctx, sc.Agency, h.now(), dueSoon)
	if err != nil {
		return dashBlock{}, err
	}
	// The bar is as long as the number shown on it: an average of 0.01 days
	// beside one of 0.02 shows "0.0 days" twice and draws no bars, not one
	// empty and one full.
	days := func(avg float64, n int64) (string, float64) {
		if n == 0 {
			return "", 0
		}
		shown := strconv.FormatFloat(avg, 'f', 1, 64)
		v, _ := strconv.ParseFloat(shown, 64)
		return shown, v
	}
	decide, decideV := days(t.DecideDays, t.Decided)
	conclude, concludeV := days(t.ConcludeDays, t.Concluded)
	count := func(n int64) string { return strconv.FormatInt(n, 10) }
	b := dashBlock{Title: l.T("dashboard.timing.title"), Note: l.T("dashboard.timing.note"),
		Header: []string{l.T("dashboard.col_measure"), l.T("dashboard.col_value"), l.T("dashboard.col_cases")},
		Rows: [][]string{
			{l.T("dashboard.timing.decide"), decide, count(t.Decided)},
			{l.T("dashboard.timing.conclude"), conclude, count(t.Concluded)},
			{l.T("dashboard.timing.overdue"), count(q.Overdue), count(q.Open)},
			{l.T("dashboard.timing.due_soon"), count(q.DueSoon), count(q.Open)},
		}}
	dayText := func(s string) string {
		if s == "" {
			return "—"
		}
		return l.T("dashboard.days", s)
	}
	b.Charts = []template.HTML{
		charts.HBar(l.T("dashboard.timing.averages"), []charts.Bar{
			{Label: l.T("dashboard.timing.decide_short"), Value: decideV, Text: dayText(decide)},
			{Label: l.T("dashboard.timing.conclude_short"), Value: concludeV, Text: dayText(conclude)},
		}),
		charts.HBar(l.T("dashboard.timing.deadlines"), []charts.Bar{
			{Label: l.T("queue.open"), Value: float64(q.Open), Link: "/staff/queue"},
			{Label: l.T("queue.overdue"), Value: float64(q.Overdue), Class: "overdue", Link: queueLink("due", "overdue")},
			{Label: l.T("queue.due_soon"), Value: float64(q.DueSoon), Class: "due-soon", Link: queueLink("due", "due_soon")},
		}),
	}
	return b, nil
}

// dashUnits: published demonstration units now (not limited to the
// period) against each district's share of the city's target.
func (h *Handler) dashUnits(c *gin.Context, sc dashScope) (dashBlock, error) {
	l := server.Printer(c)
	progress, err := h.Store.UnitProgressIn(c.Request.Context(), sc.Agency)
	if err != nil {
		return dashBlock{}, err
	}
	percent := func(n, of int64) string {
		if of <= 0 {
			return ""
		}
		return fmt.Sprintf("%.1f%%", float64(n)*100/float64(of))
	}
	b := dashBlock{Title: l.T("dashboard.units.title"), Note: l.T("dashboard.units.note", h.Ref.City.UnitTarget),
		Header: []string{l.T("dashboard.col_district"), l.T("dashboard.col_published"), l.T("dashboard.col_target"), l.T("dashboard.col_progress")}}
	var bars []charts.Bar
	var published, target int64
	for _, p := range progress {
		name, t := l.Pick(p.District.NameZh, p.District.NameEn), int64(p.District.UnitTarget)
		b.Rows = append(b.Rows, []string{name, strconv.FormatInt(p.Published, 10), strconv.FormatInt(t, 10), percent(p.Published, t)})
		class := ""
		if t > 0 && p.Published >= t {
			class = "met"
		}
		bars = append(bars, charts.Bar{Label: name, Value: float64(p.Published), Target: float64(t), Class: class,
			Text: strconv.FormatInt(p.Published, 10) + " / " + strconv.FormatInt(t, 10)})
		published += p.Published
		target += t
	}
	// The city's own target is the one the policy sets; the districts'
	// shares need not add up to it.
	if sc.Agency == nil {
		target = int64(h.Ref.City.UnitTarget)
	}
	b.Total = []string{l.T("dashboard.total"), strconv.FormatInt(published, 10), strconv.FormatInt(target, 10), percent(published, target)}
	b.Charts = []template.HTML{charts.HBar(b.Title, bars)}
	return b, nil
}

// dashMonthly: reports received per month, the twelve months up to the
// period's last day, empty months included.
func (h *Handler) dashMonthly(c *gin.Context, sc dashScope) (dashBlock, error) {
	l := server.Printer(c)
	bounds := trendBounds(sc.Period.To)
	counts, err := h.Store.CasesReceivedPer(c.Request.Context(), sc.Agency, bounds)
	if err != nil {
		return dashBlock{}, err
	}
	labels := make([]string, len(counts))
	for i := range counts {
		labels[i] = bounds[i].In(model.Zone).Format("2006-01")
	}
	b := countBlock(l, l.T("dashboard.monthly.title"), l.T("dashboard.col_month"), labels, counts, charts.Columns)
	b.Note = l.T("dashboard.monthly.note", labels[0], labels[len(labels)-1])
	return b, nil
}

// queueLink is the queue filtered on one of its parameters.
func queueLink(param, value string) string {
	return "/staff/queue?" + url.Values{param: {value}}.Encode()
}
