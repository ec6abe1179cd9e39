package ui

import (
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/reminders"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

// unitCard is one of a merchant's units on the dashboard.
type unitCard struct {
	Unit     model.Unit
	District model.District
	Pledge   *model.Pledge
	Counts   map[model.VerificationState]int
	Total    int
	Advice   string // catalog key of what the owner has to do (notices.UnitAdviceKey), or ""
	Renew    bool   // the pledge may be renewed now (units.MayRenew): it runs out soon
}

// attention is an instrument that needs the merchant's action.
type attention struct {
	Unit  model.Unit
	View  storage.InstrumentView
	State model.VerificationState
}

type dashboardData struct {
	Cards     []unitCard
	Attention []attention
	Conflicts []merchantConflict // open conflicts about the merchant's units
	// Due lists the certificates the expiry reminders are about
	// (reminders.Service.Due), with their acknowledge buttons.
	Due          []reminders.DueItem
	DueLead      int
	RemindersOff bool
}

func (h *Handler) merchantHome(c *gin.Context) {
	ctx := c.Request.Context()
	u := currentUser(c)
	list, err := h.Store.UnitsByOwner(ctx, u.ID)
	if err != nil {
		h.serverError(c, err)
		return
	}
	districts, err := h.districtMap(c)
	if err != nil {
		h.serverError(c, err)
		return
	}
	ids := make([]int64, len(list))
	byID := map[int64]model.Unit{}
	for i, x := range list {
		ids[i] = x.ID
		byID[x.ID] = x
	}
	views, err := h.Store.InstrumentsOfUnits(ctx, ids, false)
	if err != nil {
		h.serverError(c, err)
		return
	}
	now := h.now()
	d := dashboardData{RemindersOff: u.RemindersOff, DueLead: h.Reminders.Lead()}
	if d.Due, err = h.Reminders.Due(ctx, u); err != nil {
		h.serverError(c, err)
		return
	}
	counts := map[int64]map[model.VerificationState]int{}
	for _, v := range views {
		st := v.State(now)
		if counts[v.Instrument.UnitID] == nil {
			counts[v.Instrument.UnitID] = map[model.VerificationState]int{}
		}
		counts[v.Instrument.UnitID][st]++
		if st != model.StateValid {
			d.Attention = append(d.Attention, attention{Unit: byID[v.Instrument.UnitID], View: v, State: st})
		}
	}
	// Expired and failed first, then never verified, then expiring soonest.
	sort.SliceStable(d.Attention, func(i, j int) bool {
		a, b := d.Attention[i], d.Attention[j]
		if a.State.NeedsAttention() != b.State.NeedsAttention() {
			return a.State.NeedsAttention() < b.State.NeedsAttention()
		}
		return validUntil(a.View).Before(validUntil(b.View))
	})
	for _, x := range list {
		card := unitCard{Unit: x, District: districts[x.DistrictID], Counts: counts[x.ID], Advice: notices.UnitAdviceKey(x.Status)}
		for _, n := range card.Counts {
			card.Total += n
		}
		p, err := h.Store.CurrentPledge(ctx, x.ID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			h.serverError(c, err)
			return
		}
		card.Pledge = p
		card.Renew = p != nil && units.MayRenew(x.Status, p, now)
		d.Cards = append(d.Cards, card)
	}
	if d.Conflicts, err = h.ownConflicts(c, 0); err != nil {
		h.serverError(c, err)
		return
	}
	h.render(c, http.StatusOK, "merchant_home", h.page(c, server.Printer(c).T("merchant.title"), d))
}

func validUntil(v storage.InstrumentView) time.Time {
	if until := v.ValidUntil(); until != nil {
		return *until
	}
	return time.Time{}
}
