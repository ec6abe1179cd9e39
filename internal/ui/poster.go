package ui

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/printfile"
	"honestmeasure/internal/qr"
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
	if d, ok := h.posterData(c); ok {
		h.render(c, http.StatusOK, "print_poster", h.page(c, d.Unit.Name, d))
	}
}

// posterData loads what the poster shows, or answers: 404 without codes,
// 409 with the reason when the unit may not print the poster now.
func (h *Handler) posterData(c *gin.Context) (posterData, bool) {
	ctx := c.Request.Context()
	u, ok := h.printableUnit(c)
	if !ok {
		return posterData{}, false
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
		return posterData{}, false
	}
	d := posterData{Unit: u}
	districts, err := h.districtMap(c)
	if err != nil {
		h.serverError(c, err)
		return d, false
	}
	d.District = districts[u.DistrictID]
	if d.District.DefaultAgencyID != nil {
		if d.Agency, err = h.Store.AgencyByID(ctx, *d.District.DefaultAgencyID); err != nil {
			h.serverError(c, err)
			return d, false
		}
	}
	if d.Pledge, err = h.Store.CurrentPledge(ctx, u.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
		h.serverError(c, err)
		return d, false
	}
	if d.Pledge != nil {
		text, err := h.Store.PledgeTextByID(ctx, d.Pledge.PledgeTextID)
		if err != nil {
			h.serverError(c, err)
			return d, false
		}
		d.KeyPoints, d.KeyEn = strings.Split(text.KeyPointsZh, "\n"), strings.Split(text.KeyPointsEn, "\n")
	}
	if d.QR, d.URL, d.Version, err = h.printedQR(c, model.QRUnit, u.ID); err != nil {
		h.serverError(c, err)
		return d, false
	}
	return d, true
}

// posterFile is the poster for a print shop: A4, as PDF or PNG, in Chinese
// (what shoppers in the market read), with the pledge's key points.
func (h *Handler) posterFile(pdf bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		d, ok := h.posterData(c)
		if !ok {
			return
		}
		release, ok := h.printSlot(c)
		if !ok {
			return
		}
		defer release()
		code, err := qr.PNG(d.URL, 1200)
		if err != nil {
			h.serverError(c, err)
			return
		}
		zh := locale.New(locale.Chinese)
		footer := zh.T("printfile.hotline", h.Ref.City.ComplaintHotline)
		if d.Agency != nil {
			footer = zh.T("printfile.supervised", d.Agency.NameZh) + " · " + footer
		}
		p := printfile.Poster{Heading: zh.T("printfile.heading"), UnitName: d.Unit.Name, Address: d.Unit.Address,
			Points: d.KeyPoints, Footer: footer, Note: zh.T("printfile.note"), Version: zh.T("printfile.version", d.Version), QR: code}
		name := "poster-" + strconv.FormatInt(d.Unit.ID, 10) + "-v" + strconv.Itoa(d.Version)
		var out []byte
		kind := "image/png"
		if pdf {
			kind, name = "application/pdf", name+".pdf"
			out, err = printfile.PosterPDF(p)
		} else {
			name += ".png"
			out, err = printfile.PosterPNG(p)
		}
		if err != nil {
			h.serverError(c, err)
			return
		}
		c.Header("Cache-Control", "private, no-cache")
		c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
		c.Data(http.StatusOK, kind, out)
	}
}
