package ui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

type reportFormData struct {
	Sub        reports.Submission
	Token      string // the scanned code the report came from, if any
	Unit       *model.Unit
	Instrument *model.Instrument
	Type       *model.InstrumentType
	Districts  []model.District
	Categories []model.Category
	Errors     form.Errors
	PhotosLost int               // photos sent with a form that had problems: choose them again
	Held       []model.HeldPhoto // photos kept for this form from an earlier try
	Now        string
	// The photo limits, for the script that checks photos before sending.
	MaxPhotos     int
	MaxPhotoBytes int
}

// reportTarget is the scanned code's target (scan.ReportTarget) and, for an
// instrument, its type, which the form names.
func (h *Handler) reportTarget(c *gin.Context, token string) (reports.Target, *model.InstrumentType, error) {
	ctx := c.Request.Context()
	t, err := scan.ReportTarget(ctx, h.Store, h.QR, token)
	if err != nil || t.Instrument == nil {
		return t, nil, err
	}
	// The form names the instrument's type; a type gone from the catalogue
	// only leaves the name out.
	typ, err := h.Store.InstrumentTypeByID(ctx, t.Instrument.TypeID)
	if errors.Is(err, storage.ErrNotFound) {
		return t, nil, nil
	}
	return t, typ, err
}

func (h *Handler) reportFormPage(c *gin.Context, status int, d reportFormData) {
	ds, err := h.Store.Districts(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Districts, d.Categories = ds, model.Categories
	d.MaxPhotos, d.MaxPhotoBytes = reports.MaxPhotos, photos.DefaultMaxBytes
	d.Now = h.now().In(model.Zone).Format("2006-01-02T15:04")
	c.Header("Cache-Control", "no-store")
	p := h.page(c, server.Printer(c).T("report.title"), d)
	if c.Request.Method == http.MethodPost {
		// A form sent back keeps what was typed when the language changes.
		keepOnLangSwitch(&p, "/report/form", submissionFields(d.Sub, d.Token)...)
	}
	h.render(c, status, "report", p)
}

func (h *Handler) reportForm(c *gin.Context) {
	token := strings.TrimSpace(c.Query("t"))
	target, typ, err := h.reportTarget(c, token)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if target.Unit == nil {
		token = ""
	}
	d := reportFormData{Token: token, Unit: target.Unit, Instrument: target.Instrument, Type: typ,
		// The incident time is left empty: "now" prefilled is wrong for
		// nearly everyone, who report after getting home.
		Sub: reports.Submission{Kind: string(model.KindTip), Category: c.Query("category"), IdempotencyKey: reports.NewKey()}}
	if fake := c.Query("fake"); fake != "" && len(fake) < 200 {
		// Reached from the counterfeit warning: say which code it was.
		d.Sub.Category = string(model.CategoryCounterfeitQR)
		d.Sub.Description = server.Printer(c).T("report.fake_code_text", fake)
	}
	h.reportFormPage(c, http.StatusOK, d)
}
