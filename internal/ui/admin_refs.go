package ui

import (
	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
)

func adminAgencyMap(list []model.Agency) map[int64]model.Agency {
	m := make(map[int64]model.Agency, len(list))
	for _, a := range list {
		m[a.ID] = a
	}
	return m
}

// adminRefs loads the districts and every agency, for lists and checks.
func (h *Handler) adminRefs(c *gin.Context) ([]model.District, []model.Agency, error) {
	ctx := c.Request.Context()
	ds, err := h.Store.Districts(ctx)
	if err != nil {
		return nil, nil, err
	}
	as, err := h.Store.AllAgencies(ctx)
	return ds, as, err
}

func adminDistrictMap(list []model.District) map[int64]model.District {
	m := make(map[int64]model.District, len(list))
	for _, d := range list {
		m[d.ID] = d
	}
	return m
}

func adminActiveAgencies(list []model.Agency) []model.Agency {
	var out []model.Agency
	for _, a := range list {
		if a.Active {
			out = append(out, a)
		}
	}
	return out
}
