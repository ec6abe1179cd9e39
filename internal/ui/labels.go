package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/printfile"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

type label struct {
	View    storage.InstrumentView
	State   model.VerificationState
	QR      template.HTML
	URL     string
	Version int
	Warning bool // its state is a problem a shopper would see (scan.Unfit)
}

type labelsData struct {
	Unit    *model.Unit
	All     []storage.InstrumentView // every instrument in use, to choose from
	Chosen  map[int64]bool
	Labels  []label // the chosen ones, in order
	PDFLink string  // the chosen labels as PDF
	Warned  int     // chosen labels with a warning
	PerPage int
	Max     int
	TooMany bool
}

// labels is the A4 sheet of instrument stickers: one per chosen instrument
// in use (?ins=<id>…; all of them when none is chosen).
func (h *Handler) labels(c *gin.Context) {
	if d, ok := h.labelsData(c); ok {
		h.render(c, http.StatusOK, "print_labels", h.page(c, d.Unit.Name, d))
	}
}

func (h *Handler) labelsData(c *gin.Context) (labelsData, bool) {
	u, ok := h.printableUnit(c)
	if !ok {
		return labelsData{}, false
	}
	views, err := h.Store.InstrumentsOfUnits(c.Request.Context(), []int64{u.ID}, false)
	if err != nil {
		h.serverError(c, err)
		return labelsData{}, false
	}
	d := labelsData{Unit: u, All: views, Chosen: map[int64]bool{}, PerPage: printfile.LabelsPerSheet, Max: printfile.MaxLabels}
	asked := idList(c.QueryArray("ins"))
	q := url.Values{}
	for _, id := range asked {
		d.Chosen[id] = true
		q.Add("ins", strconv.FormatInt(id, 10))
	}
	d.PDFLink = "/merchant/units/" + strconv.FormatInt(u.ID, 10) + "/labels.pdf"
	if len(q) > 0 {
		d.PDFLink += "?" + q.Encode()
	}
	now := h.now()
	for _, v := range views {
		if len(asked) > 0 && !d.Chosen[v.Instrument.ID] {
			continue
		}
		if len(asked) == 0 {
			d.Chosen[v.Instrument.ID] = true
		}
		if len(d.Labels) == printfile.MaxLabels {
			d.TooMany = true
			break
		}
		svg, url, version, err := h.printedQR(c, model.QRInstrument, v.Instrument.ID)
		if err != nil {
			h.serverError(c, err)
			return d, false
		}
		st := v.State(now)
		l := label{View: v, State: st, QR: svg, URL: url, Version: version, Warning: scan.Unfit(st)}
		if l.Warning {
			d.Warned++
		}
		d.Labels = append(d.Labels, l)
	}
	return d, true
}

// labelsPDF is the chosen labels as PDF sheets for a print shop (the stock
// is printfile's: A4, 24 labels of 70 × 37 mm).
func (h *Handler) labelsPDF(c *gin.Context) {
	d, ok := h.labelsData(c)
	if !ok {
		return
	}
	release, ok := h.printSlot(c)
	if !ok {
		return
	}
	defer release()
	zh := locale.New(locale.Chinese)
	var out []printfile.Label
	for _, l := range d.Labels {
		code, err := qr.PNG(l.URL, 480)
		if err != nil {
			h.serverError(c, err)
			return
		}
		state := zh.T("state." + string(l.State))
		if until := l.View.ValidUntil(); until != nil && !l.Warning {
			state = zh.T("printfile.valid_until", model.DateOf(*until).Format(time.DateOnly))
		}
		out = append(out, printfile.Label{Unit: d.Unit.Name, Type: l.View.Type.NameZh, Serial: zh.T("printfile.serial", l.View.Instrument.SerialNo),
			State: state, Warning: l.Warning, QR: code})
	}
	pdf, err := printfile.LabelsPDF(out)
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-cache")
	c.Header("Content-Disposition", `attachment; filename="labels-`+strconv.FormatInt(d.Unit.ID, 10)+`.pdf"`)
	c.Data(http.StatusOK, "application/pdf", pdf)
}

// printSlot lets the signed-in merchant make a print file now: within the
// account's allowance (printfile.PerAccount per printfile.PerWindow) and
// once a render slot is free. Otherwise it answers 429 or 503 with when to
// try again, and ok is false.
func (h *Handler) printSlot(c *gin.Context) (release func(), ok bool) {
	st, err := h.Store.RateTake(c.Request.Context(), "print:user:"+strconv.FormatInt(currentUser(c).ID, 10), printfile.PerWindow, printfile.PerAccount, h.now())
	if err != nil {
		h.serverError(c, err)
		return nil, false
	}
	l := server.Printer(c)
	c.Header("Cache-Control", "no-store")
	if st.Blocked {
		c.Header("Retry-After", retryAfterSeconds(st.RetryAfter))
		h.render(c, http.StatusTooManyRequests, "error", h.page(c, l.T("printfile.wait_title"),
			l.T("printfile.too_many_files", printfile.PerAccount, int(printfile.PerWindow.Minutes()), minutesUp(st.RetryAfter))))
		return nil, false
	}
	release, err = printfile.Acquire(c.Request.Context())
	if err != nil {
		c.Header("Retry-After", "10")
		h.render(c, http.StatusServiceUnavailable, "error", h.page(c, l.T("printfile.wait_title"), l.T("printfile.busy")))
		return nil, false
	}
	return release, true
}
