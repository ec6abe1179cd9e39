package ui

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/instruments"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/sheet"
	"honestmeasure/internal/units"
)

// Several certificates at once: the merchant pastes rows from a
// spreadsheet or uploads it, sees each row matched to an instrument or
// its problem, and saves the good rows (units.CheckCertificates,
// units.SaveCertificates). The text travels in the page, not in server
// state: the save posts it back and it is checked again.

// certificatesUpload bounds both posts of the page: the pasted text (or the
// file's rows, passed back as text) and, when checking, the file itself.
var certificatesUpload = server.Upload{MaxBytes: 2*instruments.MaxCertificateBytes + 64<<10, MaxFiles: 1,
	MaxFileBytes: instruments.MaxCertificateBytes, MaxTextBytes: instruments.MaxCertificateBytes + 16<<10}

// certificateSheetLimits read an uploaded certificates file: six columns
// are needed, a few more tolerated (notes), and a short cell suffices.
var certificateSheetLimits = sheet.Limits{MaxRows: 4 * instruments.MaxCertificateRows, MaxColumns: 32,
	MaxCellBytes: 1 << 10, MaxRowBytes: 8 << 10}

type certificatesData struct {
	Unit     *model.Unit
	Text     string // the rows as pasted, or as read from the file
	BodyName string // the body of rows that name none
	Bodies   []model.VerificationBody
	Errors   form.Errors
	Batch    *units.CertificateBatch // nil before the first check
	Lines    []certificateLine
	Columns  []string // the column headings, worded, in order
	MaxRows  int
	MaxKB    int
}

// certificateLine is one checked row as the preview shows it.
type certificateLine struct {
	instruments.CheckedCertificate
	Problems []string
}

func (h *Handler) certificatesPage(c *gin.Context, status int, d certificatesData) {
	ctx := c.Request.Context()
	var err error
	if d.Bodies, err = h.Store.VerificationBodies(ctx); err != nil {
		h.serverError(c, err)
		return
	}
	d.MaxRows, d.MaxKB = instruments.MaxCertificateRows, instruments.MaxCertificateBytes>>10
	l := server.Printer(c)
	for _, col := range instruments.CertificateColumns {
		d.Columns = append(d.Columns, l.T(certificateColumnKey[col]))
	}
	if d.Batch != nil {
		d.Lines = wordCertificates(l, d.Batch.Checked)
	}
	h.render(c, status, "unit_certificates", h.page(c, l.T("certs.title"), d))
}

// certificateColumnKey words a pasted column (instruments.CertificateColumns).
var certificateColumnKey = map[string]string{
	"serial_no": "instrument.serial_no", "certificate_no": "verification.certificate_no", "body_name": "verification.body",
	"verified_on": "verification.date", "valid_until": "instrument.valid_until", "result": "verification.result",
}

func wordCertificates(l *locale.Printer, rows []instruments.CheckedCertificate) []certificateLine {
	out := make([]certificateLine, len(rows))
	for i, r := range rows {
		line := certificateLine{CheckedCertificate: r}
		for _, col := range instruments.CertificateColumns {
			if m, ok := r.Errors[col]; ok {
				line.Problems = append(line.Problems, l.T(certificateColumnKey[col])+": "+l.T(m.Key, m.Args...))
			}
		}
		out[i] = line
	}
	return out
}

func (h *Handler) certificatesNew(c *gin.Context) {
	u, ok := h.writableUnit(c)
	if !ok {
		return
	}
	h.certificatesPage(c, http.StatusOK, certificatesData{Unit: u})
}

// certificatesCheck shows the preview of pasted rows, or of an uploaded
// file's rows (which then fill the text box, to be checked or edited).
func (h *Handler) certificatesCheck(c *gin.Context) {
	u, ok := h.writableUnit(c)
	if !ok {
		return
	}
	d := certificatesData{Unit: u, Text: c.PostForm("rows"), BodyName: c.PostForm("body_name")}
	refuse := func(status int, field, key string, args ...any) {
		d.Errors = form.Errors{}
		d.Errors.Add(field, key, args...)
		h.certificatesPage(c, status, d)
	}
	up := server.UploadOf(c)
	files := up.FilesOf("file")
	switch {
	case up != nil && up.Busy:
		c.Header("Retry-After", "30")
		refuse(http.StatusServiceUnavailable, "file", "upload.busy")
		return
	case len(files) > 0 && files[0].TooLarge:
		refuse(http.StatusRequestEntityTooLarge, "file", "certs.file_too_large", instruments.MaxCertificateBytes>>10)
		return
	case up != nil && up.TooLarge:
		refuse(http.StatusRequestEntityTooLarge, "rows", "certs.too_large", instruments.MaxCertificateBytes>>10)
		return
	case len(files) > 0 && files[0].Size > 0:
		text, field, key, args := h.certificatesFile(c, files[0])
		if key != "" {
			refuse(http.StatusUnprocessableEntity, field, key, args...)
			return
		}
		d.Text = text
	}
	batch, err := h.Units.CheckCertificates(c.Request.Context(), h.actor(c), u, d.Text, d.BodyName)
	if err != nil {
		h.refused(c, err, func(status int, errs form.Errors) {
			d.Errors = errs
			h.certificatesPage(c, status, d)
		})
		return
	}
	d.Batch = batch
	h.certificatesPage(c, http.StatusOK, d)
}

// certificatesFile reads an uploaded file into the text a paste would be,
// or says what is wrong with it (a message key for field).
func (h *Handler) certificatesFile(c *gin.Context, file *server.UploadedFile) (text, field, key string, args []any) {
	f, err := file.Open()
	if err != nil {
		return "", "file", "upload.busy", nil
	}
	defer f.Close()
	rd, err := sheet.Open(f, file.Size, certificateSheetLimits)
	if err == nil {
		text, err = instruments.CertificatesFromSheet(rd)
	}
	var se *sheet.Error
	switch {
	case err == nil:
		return text, "", "", nil
	case errors.As(err, &se):
		key, args := sheetMessage(se)
		return "", "file", key, args
	}
	if e, ok := fail.As(err); ok {
		if m, ok := e.Fields["rows"]; ok {
			return "", "file", m.Key, m.Args
		}
	}
	server.Logger(c).Error("certificates file not read", "err", err)
	return "", "file", "upload.sheet.corrupt", nil
}

// certificatesSave stores the good rows of the text the preview showed,
// checked again; if they are no longer the rows the merchant saw, the new
// preview is shown and nothing is stored.
func (h *Handler) certificatesSave(c *gin.Context) {
	u, ok := h.writableUnit(c)
	if !ok {
		return
	}
	d := certificatesData{Unit: u, Text: c.PostForm("rows"), BodyName: c.PostForm("body_name")}
	if up := server.UploadOf(c); up != nil && up.TooLarge {
		d.Errors = form.Errors{}
		d.Errors.Add("rows", "certs.too_large", instruments.MaxCertificateBytes>>10)
		h.certificatesPage(c, http.StatusRequestEntityTooLarge, d)
		return
	}
	good, err := strconv.Atoi(c.PostForm("good"))
	if err != nil || good < 1 || good > instruments.MaxCertificateRows {
		h.ErrorPage(c, http.StatusBadRequest)
		return
	}
	batch, err := h.Units.SaveCertificates(c.Request.Context(), h.actor(c), u, d.Text, d.BodyName, good)
	if err != nil {
		h.refused(c, err, func(status int, errs form.Errors) {
			d.Errors, d.Batch = errs, batch
			h.certificatesPage(c, status, d)
		})
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok=certificates_saved")
}
