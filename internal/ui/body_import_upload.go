package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/sheet"
	"honestmeasure/internal/verification"
)

// bodyUpload bounds a verification body's file: a month of certificates is
// a few megabytes; twenty leave room for wide spreadsheets. The form's text
// (a CSRF token) and the multipart framing fit in the half megabyte above.
var bodyUpload = server.Upload{MaxBytes: 20<<20 + 512<<10, MaxFiles: 1, MaxFileBytes: 20 << 20}

// bodyImportUpload checks an uploaded file row by row (nothing is written
// to the records) and shows the preview. A file that cannot be read is
// refused with what is wrong with it, and leaves nothing behind.
func (h *Handler) bodyImportUpload(c *gin.Context) {
	w, ok := h.sender(c)
	if !ok {
		return
	}
	up := server.UploadOf(c)
	files := up.FilesOf("file")
	refuse := func(status int, key string, args ...any) {
		errs := form.Errors{}
		errs.Add("file", key, args...)
		name := ""
		if len(files) > 0 {
			name = files[0].Name
		}
		h.bodyHomePage(c, status, w, errs, name)
	}
	switch {
	case up != nil && up.Busy:
		c.Header("Retry-After", "30")
		refuse(http.StatusServiceUnavailable, "upload.busy")
		return
	case up != nil && up.TooLarge, len(files) > 0 && files[0].TooLarge:
		refuse(http.StatusRequestEntityTooLarge, "upload.too_large", bodyUpload.MaxFileBytes>>20)
		return
	case len(files) == 0 || files[0].Size == 0:
		refuse(http.StatusUnprocessableEntity, "upload.empty")
		return
	}
	f, err := files[0].Open()
	if err != nil {
		h.serverError(c, err)
		return
	}
	defer f.Close()
	rd, err := sheet.Open(f, files[0].Size, sheet.DefaultLimits)
	if err == nil {
		var b *model.VerificationImport
		b, err = h.Verification.Stage(c.Request.Context(), w, files[0].Name, verification.SheetRows(rd), verification.SheetDates(rd))
		if err == nil {
			c.Redirect(http.StatusSeeOther, "/body/imports/"+strconv.FormatInt(b.ID, 10))
			return
		}
	}
	var herr *verification.HeaderError
	switch {
	case errors.As(err, &herr):
		errs := form.Errors{}
		errs.Add("file", "upload.header", joinNames(herr.Unknown), joinNames(herr.Missing), joinNames(herr.Twice))
		h.bodyHomePage(c, http.StatusUnprocessableEntity, w, errs, files[0].Name)
	case sheet.KindOf(err) != 0:
		e := &sheet.Error{}
		errors.As(err, &e)
		key, args := sheetMessage(e)
		refuse(http.StatusUnprocessableEntity, key, args...)
	default:
		h.refused(c, err, func(status int, errs form.Errors) { h.bodyHomePage(c, status, w, errs, files[0].Name) })
	}
}

func joinNames(names []string) string {
	if len(names) == 0 {
		return "—"
	}
	return strings.Join(names, "、")
}

// sheetMessage words a file error: its message key and the row (and
// column) it names, when it names one.
func sheetMessage(e *sheet.Error) (string, []any) {
	at := func(key string) (string, []any) {
		if e.Row == 0 {
			return "upload.sheet." + key, nil
		}
		return "upload.sheet." + key + "_at", []any{e.Row}
	}
	switch e.Kind {
	case sheet.Empty:
		return "upload.empty", nil
	case sheet.Encoding:
		return at("encoding")
	case sheet.TooLarge:
		return "upload.sheet.too_large", nil
	case sheet.TooManyColumns:
		return at("too_many_columns")
	case sheet.RowTooLong, sheet.CellTooLong:
		return at("too_long")
	case sheet.XLSUnsupported:
		return "upload.sheet.xls", nil
	case sheet.NoSheet:
		return "upload.sheet.no_sheet", nil
	default:
		return at("corrupt")
	}
}
