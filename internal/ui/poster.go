package ui

import (
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
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
	u, ok := h.printableUnit(c)
	if !ok {
		return
	}
	if !units.PosterPrintable(u) {
		l := server.Printer(c)
		msg := l.T("poster.refused")
		switch u.Status {
		case model.UnitSuspended:
			msg = l.T("poster.refused_suspended", u.StatusReason)
		case model.UnitExpired:
			msg = l.T("poster.refused_expired")
		}
		h.render(c, http.StatusConflict, "error", h.page(c, l.T("poster.refused_title"), msg))
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
	if d.QR, d.URL, d.Version, err = h.printedQR(c, model.QRUnit, u.ID); err != nil {
		h.serverError(c, err)
		return
	}
	h.render(c, http.StatusOK, "print_poster", h.page(c, u.Name, d))
}
