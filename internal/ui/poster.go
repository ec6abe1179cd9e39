package ui

import (
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

type posterData struct {
	Unit      *model.Unit
	District  model.District
	Agency    *model.Agency
	Pledge    *model.Pledge
	KeyPoints []string
	KeyEn     []string
	QR        template.HTML
	URL       string
	Version   int
}

func (h *Handler) poster(c *gin.Context) {
	ctx := c.Request.Context()
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	if !units.Printable(u) {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	d := posterData{Unit: u}
	districts, err := h.districtMap(c)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.District = districts[u.DistrictID]
	if d.District.DefaultAgencyID != nil {
		if d.Agency, err = h.Store.AgencyByID(ctx, *d.District.DefaultAgencyID); err != nil {
			h.serverError(c, err)
			return
		}
	}
	if d.Pledge, err = h.Store.CurrentPledge(ctx, u.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		h.serverError(c, err)
		return
	}
	if d.Pledge != nil {
		text, err := h.Store.PledgeTextByID(ctx, d.Pledge.PledgeTextID)
		if err != nil {
			h.serverError(c, err)
			return
		}
		d.KeyPoints, d.KeyEn = strings.Split(text.KeyPointsZh, "\n"), strings.Split(text.KeyPointsEn, "\n")
	}
	by := currentUser(c).ID
	url, tok, err := scan.URLFor(ctx, h.Store, h.QR, h.BaseURL, model.QRUnit, u.ID, &by)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if d.QR, err = qrSVG(url); err != nil {
		h.serverError(c, err)
		return
	}
	d.URL, d.Version = url, tok.Version
	h.render(c, http.StatusOK, "print_poster", h.page(c, u.Name, d))
}
