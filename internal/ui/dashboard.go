package ui

import (
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/performance"
	"honestmeasure/internal/storage"
)

// dashboardRoles see the dashboard: officers work the queue, the people who
// answer for an agency (or the city) watch the numbers.
var dashboardRoles = []model.Role{model.RoleSupervisor, model.RoleCityAdmin}

// dashScope is what one dashboard request counts: an agency's cases (nil:
// every agency's) over a period.
type dashScope struct {
	Agency      *int64
	Period      period
	ValidPeriod bool // false: the request's dates were unusable and the default is shown
	// perf holds the performance figures once computed: the KPI header and
	// the by-agency (or by-officer) block share them.
	perf *performance.Report
}

func (sc dashScope) stats() storage.StatsScope {
	return storage.StatsScope{AgencyID: sc.Agency, From: sc.Period.Start(), To: sc.Period.End()}
}

// dashboardScope reads the scope from the signed-in user and the query. A
// supervisor without an agency would see the whole city, so gets a 404.
func (h *Handler) dashboardScope(c *gin.Context) (dashScope, bool) {
	u := currentUser(c)
	agency := staffAgency(u)
	if agency == nil && u.Role != model.RoleCityAdmin {
		h.ErrorPage(c, http.StatusNotFound)
		return dashScope{}, false
	}
	p, valid := parsePeriod(c.Query("from"), c.Query("to"), h.now())
	return dashScope{Agency: agency, Period: p, ValidPeriod: valid, perf: &performance.Report{}}, true
}

// performance computes (once per request) the scope's figures: per agency
// for the city, per officer for an agency.
func (h *Handler) performance(c *gin.Context, sc dashScope) (performance.Report, error) {
	if sc.perf.By != nil {
		return *sc.perf, nil
	}
	cal, err := h.calendar(c)
	if err != nil {
		return performance.Report{}, err
	}
	r, err := performance.Compute(c.Request.Context(), h.Store, sc.stats(), sc.Agency != nil, cal, h.now(), dueSoon)
	if err != nil {
		return performance.Report{}, err
	}
	*sc.perf = r
	return r, nil
}

// dashBlock is one block of the dashboard: its charts, and the same numbers
// as a table, which is also what its CSV download holds.
type dashBlock struct {
	ID     string // the CSV's ?block=
	Title  string
	Note   string
	Charts []template.HTML
	Header []string
	Rows   [][]string // first cell the label, the others numbers; "" is no value
	Total  []string   // a last row, or nil
	CSV    string     // the URL of the block's CSV
}

// dashBuilder computes one block.
type dashBuilder func(h *Handler, c *gin.Context, sc dashScope) (dashBlock, error)

// dashboardBlocks are the blocks in page order.
var dashboardBlocks = []struct {
	ID    string
	Build dashBuilder
}{
	{"people", (*Handler).dashPeople},
	{"districts", (*Handler).dashDistricts},
	{"categories", (*Handler).dashCategories},
	{"statuses", (*Handler).dashStatuses},
	{"timing", (*Handler).dashTiming},
	{"units", (*Handler).dashUnits},
	{"monthly", (*Handler).dashMonthly},
}
