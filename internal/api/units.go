package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/scan"
)

type unitSummaryJSON struct {
	ID           int64              `json:"id"`
	Name         string             `json:"name"`
	BusinessType model.BusinessType `json:"business_type"`
	District     districtJSON       `json:"district"`
	Address      string             `json:"address"`
	PublicURL    *string            `json:"public_url"`
}

type unitListJSON struct {
	Units   []unitSummaryJSON `json:"units"`
	Page    int               `json:"page"`
	PerPage int               `json:"per_page"`
	Total   int64             `json:"total"`
}

// units is the open-data directory of published demonstration units: the
// same list and filter as the /units page, with districts named by code.
func (h *Handler) units(c *gin.Context) {
	ctx := c.Request.Context()
	dq := scan.ParseDirectoryQuery(c.Request.URL.Query())
	f := dq.Filter
	out := unitListJSON{Units: []unitSummaryJSON{}, Page: f.Page, PerPage: f.PerPage}
	// Public, and the same for everyone: caches may keep it for a minute.
	c.Header("Cache-Control", "public, max-age=60")

	districts, err := h.Store.Districts(ctx)
	if err != nil {
		serverError(c, err)
		return
	}
	byID := make(map[int64]*model.District, len(districts))
	for i := range districts {
		byID[districts[i].ID] = &districts[i]
	}
	// The page's filter reads a district ID; the API speaks codes. A code or
	// type that names nothing matches nothing (the page ignores it instead:
	// a silently widened list would mislead a program).
	if code := dq.District; code != "" {
		for _, d := range districts {
			if d.Code == code {
				f.DistrictID = d.ID
			}
		}
		if f.DistrictID == 0 {
			c.JSON(http.StatusOK, out)
			return
		}
	}
	if dq.UnknownType {
		c.JSON(http.StatusOK, out)
		return
	}

	list, versions, total, err := h.Store.PublishedUnits(ctx, f)
	if err != nil {
		serverError(c, err)
		return
	}
	out.Total = total
	for _, u := range list {
		out.Units = append(out.Units, unitSummaryJSON{ID: u.ID, Name: u.Name, BusinessType: u.BusinessType,
			District: districtOf(byID[u.DistrictID]), Address: u.Address, PublicURL: optString(h.unitURL(u.ID, versions[u.ID]))})
	}
	c.JSON(http.StatusOK, out)
}
