package ui

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
	"honestmeasure/internal/uscc"
)

// reviewStatuses are the lists an officer can open.
var reviewStatuses = []model.UnitStatus{model.UnitSubmitted, model.UnitApproved, model.UnitSuspended, model.UnitReturned, model.UnitExpired, model.UnitRevoked}

type applicationsData struct {
	// USCC is the credit code searched for ("" when listing by status).
	USCC     string
	Status   model.UnitStatus
	Statuses []model.UnitStatus
	// Counts is how many units each tab holds (storage.CountUnitsByStatus).
	Counts    map[model.UnitStatus]int64
	Units     []applicationRow
	Districts map[int64]model.District
	// Changes: the change requests tab is open (?view=changes) and lists
	// ChangeRequests; ChangeCount is how many are open, for its tab.
	Changes        bool
	ChangeRequests []storage.ChangeRequestRow
	ChangeCount    int64
}

// applicationRow is one unit in the list, with what the officer needs to
// decide which to open first.
type applicationRow struct {
	model.Unit
	// Waiting: the unit is under review; WaitingDays is how many working
	// days have passed since it was submitted (0 on the day itself).
	Waiting     bool
	WaitingDays int
	// InstrumentsInUse and CertificatesMissing: the instruments step is not
	// done (units.InstrumentsStepDone), which the officer sees before
	// opening the unit.
	InstrumentsInUse    int
	CertificatesMissing bool
}

func (h *Handler) applications(c *gin.Context) {
	status := model.UnitStatus(c.DefaultQuery("status", string(model.UnitSubmitted)))
	known := false
	for _, s := range reviewStatuses {
		known = known || s == status
	}
	if !known {
		status = model.UnitSubmitted
	}
	// A search, not an entry: case does not matter here.
	code := strings.ToUpper(uscc.Normalize(c.Query("uscc")))
	if len(code) > 18 {
		code = code[:18]
	}
	agency := staffAgency(currentUser(c))
	changes := c.Query("view") == "changes" && code == ""
	var list []model.Unit
	var requests []storage.ChangeRequestRow
	var err error
	switch {
	case changes:
		// Units' details waiting for a change, oldest request first.
		requests, err = h.Store.OpenChangeRequests(c.Request.Context(), agency, 500)
	case code != "":
		// A business reports that its code is held: who holds it, in any
		// status but draft (drafts hold nothing and are the merchant's own).
		list, err = h.Store.UnitsWithCreditCode(c.Request.Context(), agency, code)
	default:
		list, err = h.Store.UnitsForReview(c.Request.Context(), agency, []model.UnitStatus{status}, 500)
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	ctx := c.Request.Context()
	counts, err := h.Store.CountUnitsByStatus(ctx, agency, reviewStatuses)
	if err != nil {
		h.serverError(c, err)
		return
	}
	changeCount, err := h.Store.CountOpenChangeRequests(ctx, agency)
	if err != nil {
		h.serverError(c, err)
		return
	}
	rows, err := h.applicationRows(c, list)
	if err != nil {
		h.serverError(c, err)
		return
	}
	districts, err := h.districtMap(c)
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.render(c, http.StatusOK, "staff_applications", h.page(c, server.Printer(c).T("review.title"),
		applicationsData{USCC: code, Status: status, Statuses: reviewStatuses, Counts: counts, Units: rows, Districts: districts,
			Changes: changes, ChangeRequests: requests, ChangeCount: changeCount}))
}

// applicationRows adds to each unit its waiting time and whether its
// instruments in use all have certificates: the instruments of every unit
// on the page are read at once, never per row.
func (h *Handler) applicationRows(c *gin.Context, list []model.Unit) ([]applicationRow, error) {
	now := h.now()
	cal, err := h.calendar(c)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(list))
	for i, u := range list {
		ids[i] = u.ID
	}
	views, err := h.Store.InstrumentsOfUnits(c.Request.Context(), ids, false)
	if err != nil {
		return nil, err
	}
	states := map[int64][]model.VerificationState{}
	for _, v := range views {
		states[v.Instrument.UnitID] = append(states[v.Instrument.UnitID], v.State(now))
	}
	rows := make([]applicationRow, len(list))
	for i, u := range list {
		rows[i] = applicationRow{Unit: u, InstrumentsInUse: len(states[u.ID]), CertificatesMissing: !units.InstrumentsStepDone(states[u.ID])}
		if u.Status == model.UnitSubmitted && u.SubmittedAt != nil {
			rows[i].Waiting, rows[i].WaitingDays = true, cal.WorkingDaysBetween(*u.SubmittedAt, now)
		}
	}
	return rows, nil
}
