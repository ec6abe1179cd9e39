package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/model"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/server"
)

// reportSubmit stores a report and shows its receipt. Problems bring the
// form back as typed; a database failure says plainly nothing was saved.
// The body was parsed by the edge within ReportUpload's limits: the photos
// wait in its temporary files and are read when their turn to be processed
// comes (see intake.Upload).
func (h *Handler) reportSubmit(c *gin.Context) {
	l := server.Printer(c)
	up := server.UploadOf(c)
	if up != nil && up.Busy {
		c.Header("Retry-After", "30")
		h.render(c, http.StatusServiceUnavailable, "error", h.page(c, l.T("report.not_saved_title"), l.T("report.busy_body")))
		return
	}
	if up != nil && up.TooLarge {
		c.Header("Connection", "close")
		h.render(c, http.StatusRequestEntityTooLarge, "error", h.page(c, l.T("report.too_large_title"), l.T("report.too_large_body", reports.MaxPhotos, photos.DefaultMaxBytes>>20)))
		return
	}
	sub := submissionFromPost(c)
	token := strings.TrimSpace(c.PostForm("t"))
	target, typ, err := h.reportTarget(c, token)
	if err != nil {
		h.serverError(c, err)
		return
	}
	var uploads []intake.Upload
	for _, f := range up.FilesOf("photos") {
		uploads = append(uploads, f.ReadAll)
	}
	ctx := c.Request.Context()
	// Whatever went wrong, the report was not stored: say so, and that
	// sending it again is safe.
	notSaved := func(err error) {
		server.Logger(c).Error("report not stored", "err", err)
		c.Header("Retry-After", "30")
		h.render(c, http.StatusServiceUnavailable, "error", h.page(c, l.T("report.not_saved_title"), l.T("report.not_saved_body")))
	}
	if drop := idList(c.PostFormArray("drop_held")); len(drop) > 0 {
		if err := h.Intake.DropHeldPhotos(ctx, sub.IdempotencyKey, drop); err != nil {
			notSaved(err)
			return
		}
	}
	heldBefore, err := h.Intake.HeldPhotos(ctx, sub.IdempotencyKey)
	if err != nil {
		notSaved(err)
		return
	}
	receipt, err := h.Intake.Submit(ctx, intake.Request{Submission: sub, Target: target, Photos: uploads,
		ClientIP: c.ClientIP(), Locale: l.Lang, DropBadPhotos: true})
	if target.Unit == nil {
		token = ""
	}
	again := reportFormData{Sub: sub, Token: token, Unit: target.Unit, Instrument: target.Instrument, Type: typ}
	switch e, _ := fail.As(err); {
	case err == nil:
		status := http.StatusCreated
		if receipt.Replayed {
			status = http.StatusOK
		}
		h.receiptPage(c, status, receipt)
	case errors.Is(err, intake.ErrKeyReused):
		// The form was sent before with other content (back, edit, send):
		// it comes back as typed with a fresh key, to be filed anew.
		again.Sub.IdempotencyKey = reports.NewKey()
		again.Errors, again.PhotosLost = form.Errors{"form": {Key: "report.key_reused"}}, len(uploads)
		h.reportFormPage(c, http.StatusUnprocessableEntity, again)
	case e != nil && e.Kind == fail.RateLimited:
		c.Header("Retry-After", retryAfterSeconds(e.RetryAfter))
		h.render(c, http.StatusTooManyRequests, "error", h.page(c, l.T("report.limited_title"), l.T("report.limited_body", minutesUp(e.RetryAfter))))
	case e != nil && e.Kind == fail.Invalid:
		again.Errors = e.Fields
		if again.Held, err = h.Intake.HeldPhotos(ctx, sub.IdempotencyKey); err != nil {
			notSaved(err)
			return
		}
		if !e.Fields.Has("photos") && len(again.Held)-len(heldBefore) < len(uploads) {
			again.PhotosLost = len(uploads)
		}
		h.reportFormPage(c, http.StatusUnprocessableEntity, again)
	default:
		notSaved(err)
	}
}

type receiptData struct {
	Receipt  *intake.Receipt
	Agency   *model.Agency
	TrackURL string
}

func (h *Handler) receiptPage(c *gin.Context, status int, r *intake.Receipt) {
	agency, err := h.Store.AgencyByID(c.Request.Context(), r.Case.AgencyID)
	if err != nil {
		// The report is stored; only the agency's name is missing.
		server.Logger(c).Error("receipt: agency lookup", "err", err)
	}
	c.Header("Cache-Control", "no-store")
	p := h.page(c, server.Printer(c).T("receipt.title_"+string(r.Report.Kind)), receiptData{Receipt: r, Agency: agency, TrackURL: h.BaseURL + "/track"})
	if r.Report.IdempotencyKey != nil {
		keepOnLangSwitch(&p, "/report/receipt", "idempotency_key", *r.Report.IdempotencyKey)
	}
	h.render(c, status, "receipt", p)
}

// idList parses the ids of checked boxes, ignoring anything else; at most
// a form's worth.
func idList(values []string) []int64 {
	var ids []int64
	for _, v := range values[:min(len(values), 32)] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// submissionFromPost reads the report form's fields.
func submissionFromPost(c *gin.Context) reports.Submission {
	return reports.Submission{Kind: c.PostForm("kind"), Category: c.PostForm("category"), DistrictID: c.PostForm("district_id"),
		BusinessName: c.PostForm("business_name"), BusinessAddress: c.PostForm("business_address"),
		Description: c.PostForm("description"), Request: c.PostForm("request"), IncidentAt: c.PostForm("incident_at"),
		Amount: c.PostForm("amount"), ReporterName: c.PostForm("reporter_name"), ReporterPhone: c.PostForm("reporter_phone"),
		ReporterAddress: c.PostForm("reporter_address"), ReporterEmail: c.PostForm("reporter_email"),
		Anonymous: c.PostForm("anonymous") == "yes", IdempotencyKey: c.PostForm("idempotency_key"), Website: c.PostForm("website")}
}

// submissionFields is sub as the form's name/value pairs, for a language
// switch that re-posts it (keepOnLangSwitch).
func submissionFields(sub reports.Submission, token string) []string {
	anonymous := ""
	if sub.Anonymous {
		anonymous = "yes"
	}
	return []string{"kind", sub.Kind, "category", sub.Category, "district_id", sub.DistrictID,
		"business_name", sub.BusinessName, "business_address", sub.BusinessAddress, "description", sub.Description,
		"request", sub.Request, "incident_at", sub.IncidentAt, "amount", sub.Amount, "reporter_name", sub.ReporterName,
		"reporter_phone", sub.ReporterPhone, "reporter_address", sub.ReporterAddress, "reporter_email", sub.ReporterEmail,
		"anonymous", anonymous, "idempotency_key", sub.IdempotencyKey, "t", token}
}

// reportFormAgain shows a report form sent back, as it was typed, in the
// language just chosen: nothing is filed, and its held photos stay held.
func (h *Handler) reportFormAgain(c *gin.Context) {
	sub := submissionFromPost(c)
	token := strings.TrimSpace(c.PostForm("t"))
	target, typ, err := h.reportTarget(c, token)
	if err != nil {
		h.serverError(c, err)
		return
	}
	if target.Unit == nil {
		token = ""
	}
	d := reportFormData{Sub: sub, Token: token, Unit: target.Unit, Instrument: target.Instrument, Type: typ}
	if d.Held, err = h.Intake.HeldPhotos(c.Request.Context(), sub.IdempotencyKey); err != nil {
		h.serverError(c, err)
		return
	}
	if !reports.ValidKey(sub.IdempotencyKey) {
		d.Sub.IdempotencyKey = reports.NewKey()
	}
	h.reportFormPage(c, http.StatusOK, d)
}

// receiptAgain shows a receipt again in the language just chosen: the
// receipt's language switch posts the form's key (never in a URL), and the
// key opens its receipt for a short while only (intake.ReceiptAgain).
func (h *Handler) receiptAgain(c *gin.Context) {
	r, err := h.Intake.ReceiptAgain(c.Request.Context(), c.PostForm("idempotency_key"), c.ClientIP())
	if e, ok := fail.As(err); ok && (e.Kind == fail.NotFound || e.Kind == fail.RateLimited) {
		l := server.Printer(c)
		h.render(c, http.StatusNotFound, "error", h.page(c, l.T("receipt.gone_title"), l.T("receipt.gone_body")))
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.receiptPage(c, http.StatusOK, r)
}
