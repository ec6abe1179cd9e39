package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
)

type adminAgencyRow struct {
	model.Agency
	Districts []model.District // jurisdiction
}

type adminDistrictRow struct {
	model.District
	Default  *model.Agency
	Agencies []model.Agency // every agency with jurisdiction
}

type adminAgenciesData struct {
	adminNav
	Agencies   []adminAgencyRow
	Districts  []adminDistrictRow
	TargetSum  int
	CityTarget int
}

func (h *Handler) adminAgencies(c *gin.Context) {
	w, err := h.loadAdminWorld(c)
	if err != nil {
		h.serverError(c, err)
		return
	}
	dm, am := adminDistrictMap(w.Districts), adminAgencyMap(w.Agencies)
	d := &adminAgenciesData{CityTarget: h.Ref.City.UnitTarget}
	for _, a := range w.Agencies {
		row := adminAgencyRow{Agency: a}
		for _, id := range w.districtsOf(a.ID) {
			row.Districts = append(row.Districts, dm[id])
		}
		d.Agencies = append(d.Agencies, row)
	}
	for _, di := range w.Districts {
		row := adminDistrictRow{District: di}
		if di.DefaultAgencyID != nil {
			if a, ok := am[*di.DefaultAgencyID]; ok {
				row.Default = &a
			}
		}
		for _, j := range w.Jurisdictions {
			if j.DistrictID == di.ID {
				row.Agencies = append(row.Agencies, am[j.AgencyID])
			}
		}
		d.Districts = append(d.Districts, row)
		d.TargetSum += di.UnitTarget
	}
	h.adminRender(c, http.StatusOK, "admin_agencies", "admin.agencies.title", d)
}
