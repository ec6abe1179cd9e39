package ui

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

type pledgeData struct {
	Unit        *model.Unit
	Text        *model.PledgeText
	ClausesZh   []string
	ClausesEn   []string
	SignerName  string
	SignerTitle string
	Agreed      bool
	Errors      form.Errors
	Renewal     bool
	// NotDue: a renewal, but the pledge stands for more than
	// units.RenewalLeadDays yet; the page says from when, with no form.
	// Pledge is the current pledge (on a renewal, nil when there is none).
	NotDue bool
	Pledge *model.Pledge
}

// RenewalOpens is the first day the current pledge may be renewed.
func (d pledgeData) RenewalOpens() time.Time { return units.RenewalOpens(d.Pledge) }

func (h *Handler) pledgePage(c *gin.Context, status int, u *model.Unit, d pledgeData) {
	text, err := h.Store.CurrentPledgeText(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Unit, d.Text = u, text
	d.ClausesZh, d.ClausesEn = clauses(text.BodyZh), clauses(text.BodyEn)
	if _, d.Renewal = units.PledgeAllowed(u.Status); d.Renewal {
		if d.Pledge, err = h.Store.CurrentPledge(c.Request.Context(), u.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			h.serverError(c, err)
			return
		}
		d.NotDue = !units.MayRenew(u.Status, d.Pledge, h.now())
	}
	h.render(c, status, "pledge", h.page(c, server.Printer(c).T("pledge.title"), d))
}

func (h *Handler) pledgeForm(c *gin.Context) {
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	if allowed, _ := units.PledgeAllowed(u.Status); !allowed {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	h.pledgePage(c, http.StatusOK, u, pledgeData{SignerName: u.ContactName})
}

// pledgeSign signs the pledge, or renews it (units.Service.SignPledge).
// Like the form, it is not there (404) in a status where no pledge is
// signed.
func (h *Handler) pledgeSign(c *gin.Context) {
	id, ok := h.idParam(c, "id")
	if !ok {
		return
	}
	sig := &units.Signature{SignerName: c.PostForm("signer_name"), SignerTitle: c.PostForm("signer_title"),
		Agreed: c.PostForm("agree") == "yes", Version: c.PostForm("version")}
	_, err := h.Units.SignPledge(c.Request.Context(), h.actor(c), id, sig)
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(id, 10)+"?ok=pledge_signed")
	case errors.Is(err, units.ErrPledgeNotAllowed):
		h.ErrorPage(c, http.StatusNotFound)
	case errors.Is(err, units.ErrChanged):
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(id, 10))
	default:
		h.refused(c, err, func(status int, errs form.Errors) {
			if u, ok := h.ownUnit(c); ok {
				h.pledgePage(c, status, u, pledgeData{SignerName: sig.SignerName, SignerTitle: sig.SignerTitle, Agreed: sig.Agreed, Errors: errs})
			}
		})
	}
}

var clauseNumber = regexp.MustCompile(`^\d+\.\s*`)

// clauses splits a stored pledge body ("1. …" per line) into its clauses
// without their numbers: the page's numbered list numbers them.
func clauses(body string) []string {
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		lines[i] = clauseNumber.ReplaceAllString(l, "")
	}
	return lines
}
