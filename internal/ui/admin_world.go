package ui

import (
	"slices"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
)

// adminWorld is everything the agency and district pages check against.
type adminWorld struct {
	Districts     []model.District
	Agencies      []model.Agency
	Jurisdictions []model.AgencyDistrict
	Rules         []model.RoutingRule
}

func (h *Handler) loadAdminWorld(c *gin.Context) (*adminWorld, error) {
	ctx := c.Request.Context()
	w := &adminWorld{}
	var err error
	if w.Districts, w.Agencies, err = h.adminRefs(c); err != nil {
		return nil, err
	}
	if w.Jurisdictions, err = h.Store.Jurisdictions(ctx); err != nil {
		return nil, err
	}
	w.Rules, err = h.Store.AllRoutingRules(ctx)
	return w, err
}

// districtsOf lists the IDs of the districts agency may act in.
func (w *adminWorld) districtsOf(agency int64) []int64 {
	var out []int64
	for _, j := range w.Jurisdictions {
		if j.AgencyID == agency {
			out = append(out, j.DistrictID)
		}
	}
	return out
}

func (w *adminWorld) hasJurisdiction(agency, district int64) bool {
	return slices.Contains(w.districtsOf(agency), district)
}
