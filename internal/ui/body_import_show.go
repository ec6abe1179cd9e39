package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/verification"
)

// bodyImportData is one batch: its preview before confirmation, its
// progress while importing, its result after.
type bodyImportData struct {
	Import   *model.VerificationImport
	Percent  int
	Refused  []refusedLine // the first refused rows, worded
	More     bool          // more refused rows than shown: the report has them all
	Errors   form.Errors
	Waiting  bool // queued or running: the page drives and shows progress
	Previewd bool
}

// refusedLine is one problem of one refused row, as the page and the
// error report word it.
type refusedLine struct {
	Row    int
	Column string
	Reason string
}

const refusedOnPage = 50

func (h *Handler) bodyImportShow(c *gin.Context) {
	h.bodyImportPage(c, http.StatusOK, nil)
}

func (h *Handler) bodyImportPage(c *gin.Context, status int, errs form.Errors) {
	w, id, ok := h.senderAndImport(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	b, err := h.Verification.OwnImport(ctx, w, id)
	if err != nil {
		h.refused(c, err, nil)
		return
	}
	rows, err := h.Verification.Refused(ctx, w, id, 0, refusedOnPage+1)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d := bodyImportData{Import: b, Percent: verification.ProgressPercent(b), Errors: errs,
		Waiting:  b.Status == model.ImportQueued || b.Status == model.ImportRunning,
		Previewd: b.Status == model.ImportPreviewed}
	if len(rows) > refusedOnPage {
		rows, d.More = rows[:refusedOnPage], true
	}
	d.Refused = wordRefused(server.Printer(c), rows)
	h.render(c, status, "body_import", h.page(c, b.FileName, d))
}

// wordRefused turns refused rows into lines, one per problem.
func wordRefused(l *locale.Printer, rows []verification.RefusedRow) []refusedLine {
	var out []refusedLine
	for _, r := range rows {
		for _, p := range r.Problems {
			out = append(out, refusedLine{Row: r.RowNo, Column: verification.HeaderOf(p.Field), Reason: l.T(p.Code, p.Args...)})
		}
	}
	return out
}
