package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/server"
)

// redactRow is one rectangle row of the redaction form, as typed.
type redactRow struct{ X, Y, W, H string }

// redactForm is the redaction panel's form as typed, shown again after a
// refusal.
type redactForm struct {
	Rows   []redactRow
	Reason string
}

// redactRowsShown is how many rows the form offers at least; drawing on the
// photo (static/js/redact.js) adds more, up to photos.MaxRedactRects.
const redactRowsShown = 4

// rowsShown is f's rows followed by blank ones: at least redactRowsShown,
// one blank more than typed, never over photos.MaxRedactRects.
func (f *redactForm) rowsShown() []redactRow {
	var rows []redactRow
	if f != nil {
		rows = append(rows, f.Rows...)
	}
	for len(rows) < photos.MaxRedactRects && (len(rows) < redactRowsShown || (f != nil && len(rows) == len(f.Rows))) {
		rows = append(rows, redactRow{})
	}
	return rows
}

// redactNumberMax bounds a coordinate as typed: no photo side has more
// than five digits.
const redactNumberMax = 6

// parseRedactForm reads the rectangles and the reason of the redaction
// form. Blank rows are skipped; a row partly filled or not in whole pixels
// is an error under photos.RedactField naming its (1-based) number among
// the rows sent.
func parseRedactForm(c *gin.Context) (redactForm, []photos.Rect, form.Errors) {
	f := redactForm{Reason: c.PostForm("redact_reason")}
	errs := form.Errors{}
	xs, ys, ws, hs := c.PostFormArray("rect_x"), c.PostFormArray("rect_y"), c.PostFormArray("rect_w"), c.PostFormArray("rect_h")
	n := max(len(xs), len(ys), len(ws), len(hs))
	if n > 2*photos.MaxRedactRects {
		// Not what the form sends: no use echoing it back.
		errs.Add(photos.RedactField, "redact.rects_too_many", photos.MaxRedactRects)
		return redactForm{Reason: f.Reason}, nil, errs
	}
	at := func(vs []string, i int) string {
		if i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	var rects []photos.Rect
	for i := range n {
		row := redactRow{X: at(xs, i), Y: at(ys, i), W: at(ws, i), H: at(hs, i)}
		if row == (redactRow{}) {
			continue
		}
		var v [4]int
		for k, s := range []string{row.X, row.Y, row.W, row.H} {
			x, err := strconv.Atoi(s)
			if err != nil || len(s) > redactNumberMax {
				errs.Add(photos.RedactField, "redact.rect_number", len(f.Rows)+1)
			}
			v[k] = x
		}
		// Shown again as typed, but no longer than an input takes.
		clip := func(s string) string {
			if r := []rune(s); len(r) > redactNumberMax {
				return string(r[:redactNumberMax])
			}
			return s
		}
		f.Rows = append(f.Rows, redactRow{X: clip(row.X), Y: clip(row.Y), W: clip(row.W), H: clip(row.H)})
		rects = append(rects, photos.Rect{X: v[0], Y: v[1], W: v[2], H: v[3]})
	}
	if len(rects) > photos.MaxRedactRects {
		errs.Add(photos.RedactField, "redact.rects_too_many", photos.MaxRedactRects)
		f.Rows = f.Rows[:photos.MaxRedactRects]
	}
	return f, rects, errs
}

// redactPhoto covers rectangles of a unit's shop-front photo with black
// (units.Service.RedactPhoto): staff with jurisdiction, with a reason.
func (h *Handler) redactPhoto(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	f, rects, errs := parseRedactForm(c)
	shown := f
	shown.Reason = form.Clean(f.Reason)
	again := func(status int, errs form.Errors) {
		if u, ok := h.jurisdictionUnit(c); ok {
			h.reviewPageWith(c, status, u, reviewForm{Errors: errs, Redact: &shown})
		}
	}
	if errs.Any() {
		again(http.StatusUnprocessableEntity, errs)
		return
	}
	if err := h.Units.RedactPhoto(c.Request.Context(), h.actor(c), id, rects, f.Reason); err != nil {
		h.refused(c, err, again)
		return
	}
	server.Logger(c).Info("shop photo redacted", "unit_id", id, "rects", len(rects), "by", currentUser(c).ID)
	c.Redirect(http.StatusSeeOther, "/staff/units/"+strconv.FormatInt(id, 10)+"?ok=photo_redacted#photo-redact")
}

// photoOriginal sends a redacted shop-front photo's original to those who
// may see it (units.Service.PhotoOriginal, which audits it); anyone else
// gets 404. Never cached: not by the browser, not by a proxy.
func (h *Handler) photoOriginal(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	o, err := h.Units.PhotoOriginal(c.Request.Context(), h.actor(c), id)
	if !h.found(c, err) {
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, o.ContentType, o.Data)
}
