package ui

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

type unitPageData struct {
	Unit        *model.Unit
	District    model.District
	Pledge      *model.Pledge
	PledgeValid bool
	PledgeText  *model.PledgeText
	Instruments []instrumentRow
	Retired     []instrumentRow // instruments taken out of use, kept for the record
	ShowRetired bool            // ?show=retired: the merchant asked to see them
	// InstrumentsDone: the instruments step is ticked (units.InstrumentsStepDone).
	InstrumentsDone bool
	Events          []model.UnitEvent
	Editable        bool
	Writable        bool // instruments may be added (units.RecordsOpen)
	Applying        bool // a draft or returned: the steps and the submit button show
	CanSubmit       bool
	CanRenew        bool
	Published       bool // it has public codes to print (units.Printable)
	PosterOK        bool // it may print the demonstration-unit poster (units.PosterPrintable)
	HasPhoto        bool
	Missing         []string // locale keys of what is still needed before submitting
	DraftDays       int      // days an unchanged draft is kept; 0: for ever
	// Change is the unit's newest change request (nil: none ever);
	// CanRequestChange: its owner may send one now.
	Change           *changeView
	CanRequestChange bool
	// Risk is the unit's risk class (nil: not computed yet); the merchant
	// and staff pages show it, no public page does (ui/risk.go).
	Risk *riskView
}

type instrumentRow struct {
	storage.InstrumentView
	State model.VerificationState
}

func (h *Handler) unitShow(c *gin.Context) {
	h.showUnit(c, http.StatusOK, "")
}

// showUnit renders the signed-in merchant's unit :id page with status, and
// the problem problemKey (a locale key, "" for none) shown above it: the
// page itself, and the answer to a refused submission.
func (h *Handler) showUnit(c *gin.Context, status int, problemKey string) {
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	d, err := h.unitPage(c, u)
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.render(c, status, "unit", h.pageWithNotice(c, u.Name, d, problemKey))
}

func (h *Handler) unitPage(c *gin.Context, u *model.Unit) (*unitPageData, error) {
	ctx := c.Request.Context()
	now := h.now()
	districts, err := h.districtMap(c)
	if err != nil {
		return nil, err
	}
	d := &unitPageData{Unit: u, District: districts[u.DistrictID], Published: units.Printable(u), PosterOK: units.PosterPrintable(u),
		DraftDays: int(h.DraftMaxAge / (24 * time.Hour))}
	if d.Pledge, err = h.Store.CurrentPledge(ctx, u.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	if d.Pledge != nil {
		d.PledgeValid = d.Pledge.Valid(now)
		if d.PledgeText, err = h.Store.PledgeTextByID(ctx, d.Pledge.PledgeTextID); err != nil {
			return nil, err
		}
	}
	views, err := h.Store.InstrumentsOfUnits(ctx, []int64{u.ID}, true)
	if err != nil {
		return nil, err
	}
	for _, v := range views {
		row := instrumentRow{InstrumentView: v, State: v.State(now)}
		if v.Instrument.Status == model.InstrumentInUse {
			d.Instruments = append(d.Instruments, row)
		} else {
			d.Retired = append(d.Retired, row)
		}
	}
	d.ShowRetired = c.Query("show") == "retired"
	states := make([]model.VerificationState, len(d.Instruments))
	for i, row := range d.Instruments {
		states[i] = row.State
	}
	d.InstrumentsDone = units.InstrumentsStepDone(states)
	if d.Events, err = h.Store.UnitEvents(ctx, u.ID); err != nil {
		return nil, err
	}
	if d.HasPhoto, err = h.Store.HasUnitPhoto(ctx, u.ID); err != nil {
		return nil, err
	}
	if d.Risk, err = h.unitRisk(ctx, u.ID); err != nil {
		return nil, err
	}
	if d.Change, err = h.latestChange(c, u, districts); err != nil {
		return nil, err
	}
	d.CanRequestChange = units.MayRequestChange(u.Status) && (d.Change == nil || d.Change.Request.State != model.ChangeOpen)
	_, d.Editable = units.EditableFields(u.Status)
	d.Writable = units.RecordsOpen(u.Status)
	d.CanRenew = units.MayRenew(u.Status, d.Pledge, now)
	ready := units.SubmitReadiness(u.Status, d.PledgeValid, len(d.Instruments))
	d.Applying, d.Missing, d.CanSubmit = ready.Applying, ready.Missing, ready.Ready()
	return d, nil
}
