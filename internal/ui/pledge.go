package ui

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
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
}

// pledgeAllowed: a pledge is signed while applying and renewed once
// published or expired; not while under review, suspended or revoked.
func pledgeAllowed(s model.UnitStatus) (allowed, renewal bool) {
	switch s {
	case model.UnitDraft, model.UnitReturned:
		return true, false
	}
	if units.Can(s, units.ActRenew, units.ByMerchant) {
		return true, true
	}
	return false, false
}

func (h *Handler) pledgePage(c *gin.Context, status int, u *model.Unit, d pledgeData) {
	text, err := h.Store.CurrentPledgeText(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Unit, d.Text = u, text
	d.ClausesZh, d.ClausesEn = clauses(text.BodyZh), clauses(text.BodyEn)
	_, d.Renewal = pledgeAllowed(u.Status)
	h.render(c, status, "pledge", h.page(c, server.Printer(c).T("pledge.title"), d))
}

func (h *Handler) pledgeForm(c *gin.Context) {
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	if allowed, _ := pledgeAllowed(u.Status); !allowed {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	h.pledgePage(c, http.StatusOK, u, pledgeData{SignerName: u.ContactName})
}

// pledgeSign stores the signature with the time, the signer's address, the
// text version and the SHA-256 of the exact words shown. A renewal of a
// published unit extends it; an expired unit goes back to review.
func (h *Handler) pledgeSign(c *gin.Context) {
	ctx := c.Request.Context()
	u, ok := h.ownUnit(c)
	if !ok {
		return
	}
	allowed, renewal := pledgeAllowed(u.Status)
	if !allowed {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	d := pledgeData{SignerName: form.Clean(c.PostForm("signer_name")), SignerTitle: form.Clean(c.PostForm("signer_title")),
		Agreed: c.PostForm("agree") == "yes", Errors: form.Errors{}}
	for field, v := range map[string]string{"signer_name": d.SignerName, "signer_title": d.SignerTitle} {
		if v == "" {
			d.Errors.Add(field, "form.required")
		} else if form.TooLong(v, 100) {
			d.Errors.Add(field, "form.too_long", 100)
		}
	}
	if !d.Agreed {
		d.Errors.Add("agree", "pledge.must_agree")
	}
	text, err := h.Store.CurrentPledgeText(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	// The form names the version it showed; if a new version was published
	// meanwhile, the merchant must read it before signing.
	if c.PostForm("version") != text.Version {
		d.Errors.Add("agree", "pledge.text_changed")
	}
	if d.Errors.Any() {
		h.pledgePage(c, http.StatusUnprocessableEntity, u, d)
		return
	}
	now := h.now()
	signer := currentUser(c).ID
	p := &model.Pledge{UnitID: u.ID, PledgeTextID: text.ID, SignerName: d.SignerName, SignerTitle: d.SignerTitle,
		SignerUserID: &signer, SignerIP: c.ClientIP(), SignedAt: now, ValidUntil: now.AddDate(0, text.ValidMonths, 0),
		TextSHA256: model.PledgeDigest(text.TitleZh, text.BodyZh, text.TitleEn, text.BodyEn)}
	err = h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.SignPledge(ctx, p); err != nil {
			return err
		}
		if !renewal {
			return nil
		}
		tr, err := units.Next(u.Status, units.ActRenew, units.ByMerchant)
		if err != nil {
			return err
		}
		if err := tx.ChangeUnitStatus(ctx, storage.UnitChange{UnitID: u.ID, From: u.Status, To: tr.To, ActorID: &signer, At: now}); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionUnitStatus, audit.ObjectUnit, u.ID, nil, map[string]any{"status": u.Status},
			map[string]any{"status": tr.To, "renewed_pledge": text.Version})
	})
	if errors.Is(err, storage.ErrConflict) {
		c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10))
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/merchant/units/"+strconv.FormatInt(u.ID, 10)+"?ok=pledge_signed")
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
