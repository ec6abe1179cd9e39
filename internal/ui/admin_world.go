package ui

import (
	"context"
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

// adminWithWorld loads row :id with load and then the admin world, for
// the agency and district forms, which check every change against it. It
// answers 404 for an unknown row and the error page for anything else; ok
// is false once a response was sent.
func adminWithWorld[T any](h *Handler, c *gin.Context, load func(context.Context, int64) (*T, error)) (*T, *adminWorld, bool) {
	v, ok := loadParam(h, c, "id", load)
	if !ok {
		return nil, nil, false
	}
	w, err := h.loadAdminWorld(c)
	if err != nil {
		h.serverError(c, err)
		return nil, nil, false
	}
	return v, w, true
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
