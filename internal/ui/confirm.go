package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/units"
)

// What cannot be undone with one tap — replacing a printed code, retiring an
// instrument — is asked on a page of its own first, saying what will happen.
// The page needs no script; its form posts confirm=yes, and a post without
// it (an old page's button, a replayed request) only leads back here.

// confirmData is what a confirmation page shows.
type confirmData struct {
	Subject      string   // what it is about, linking back to Cancel
	Heading      string   // the question
	Consequences []string // what will happen, one fact a line
	Action       string   // where the form posts
	Button       string   // the button that does it
	Cancel       string   // where "cancel" leads
}

// confirmed says whether a post carries the confirmation; if not, it sends
// the person to the confirmation page (the same path, by GET) and says no.
func confirmed(c *gin.Context) bool {
	if c.PostForm("confirm") == "yes" {
		return true
	}
	c.Redirect(http.StatusSeeOther, c.Request.URL.Path)
	return false
}

func (h *Handler) confirm(c *gin.Context, d confirmData) {
	h.render(c, http.StatusOK, "confirm", h.page(c, d.Heading, d))
}

func (h *Handler) unitQRReprintConfirm(c *gin.Context) {
	u, ok := h.printableUnit(c)
	if !ok {
		return
	}
	l := server.Printer(c)
	id := strconv.FormatInt(u.ID, 10)
	h.confirm(c, confirmData{
		Subject: u.Name,
		Heading: l.T("confirm.reprint_unit_heading"),
		Consequences: []string{
			l.T("confirm.reprint_unit_void"),
			l.T("confirm.reprint_scan_old"),
			l.T("confirm.reprint_print_new"),
			l.T("confirm.reprint_labels_kept"),
		},
		Action: "/merchant/units/" + id + "/qr/reprint",
		Button: l.T("confirm.reprint_button"),
		Cancel: "/merchant/units/" + id + "/poster",
	})
}

func (h *Handler) instrumentQRReprintConfirm(c *gin.Context) {
	in, ok := h.printableInstrument(c)
	if !ok {
		return
	}
	l := server.Printer(c)
	id := strconv.FormatInt(in.ID, 10)
	h.confirm(c, confirmData{
		Subject: in.SerialNo,
		Heading: l.T("confirm.reprint_instrument_heading", in.SerialNo),
		Consequences: []string{
			l.T("confirm.reprint_instrument_void", in.SerialNo),
			l.T("confirm.reprint_scan_old"),
			l.T("confirm.reprint_print_new"),
		},
		Action: "/merchant/instruments/" + id + "/qr/reprint",
		Button: l.T("confirm.reprint_button"),
		Cancel: "/merchant/instruments/" + id,
	})
}

func (h *Handler) instrumentRetireConfirm(c *gin.Context) {
	in, u, ok := h.retirableInstrument(c)
	if !ok {
		return
	}
	l := server.Printer(c)
	id := strconv.FormatInt(in.ID, 10)
	consequences := []string{
		l.T("confirm.retire_public", u.Name),
		l.T("confirm.retire_code"),
		l.T("confirm.retire_history"),
		l.T("confirm.retire_serial", in.SerialNo),
	}
	h.confirm(c, confirmData{
		Subject:      in.SerialNo,
		Heading:      l.T("confirm.retire_heading", in.SerialNo),
		Consequences: consequences,
		Action:       "/merchant/instruments/" + id + "/retire",
		Button:       l.T("confirm.retire_button"),
		Cancel:       "/merchant/instruments/" + id,
	})
}

// retirableInstrument loads the signed-in merchant's instrument :iid that may
// be retired, or answers 404: it is in use and its unit's records are open.
func (h *Handler) retirableInstrument(c *gin.Context) (*model.Instrument, *model.Unit, bool) {
	in, u, ok := h.ownInstrument(c)
	if !ok {
		return nil, nil, false
	}
	if !units.InstrumentEditable(u, in) {
		h.ErrorPage(c, http.StatusNotFound)
		return nil, nil, false
	}
	return in, u, true
}
