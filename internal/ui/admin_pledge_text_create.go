package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
)

// adminMaxPledgeMonths bounds a pledge's validity.
const adminMaxPledgeMonths = 120

// adminPledgeForm is a new pledge version as typed.
type adminPledgeForm struct {
	Version, TitleZh, TitleEn, ClausesZh, ClausesEn, KeyPointsZh, KeyPointsEn, ValidMonths, PublishedAt string
}

// adminPledgeFormOf starts a new version from p's words.
func adminPledgeFormOf(p *model.PledgeText) adminPledgeForm {
	return adminPledgeForm{TitleZh: p.TitleZh, TitleEn: p.TitleEn,
		ClausesZh: strings.Join(adminLines(p.BodyZh), "\n"), ClausesEn: strings.Join(adminLines(p.BodyEn), "\n"),
		KeyPointsZh: p.KeyPointsZh, KeyPointsEn: p.KeyPointsEn, ValidMonths: strconv.Itoa(p.ValidMonths)}
}

// check builds the new version: clauses are numbered and hashed exactly as
// the seeded versions are, and both languages must have the same clauses.
// The version with the latest publication date is offered to merchants
// from the moment it is stored, so a date after today would only mislead.
func (f adminPledgeForm) check(today time.Time) (model.PledgeText, form.Errors) {
	errs := form.Errors{}
	p := model.PledgeText{Version: adminRequired(errs, "version", f.Version, 20),
		TitleZh: adminRequired(errs, "title_zh", f.TitleZh, 200), TitleEn: adminRequired(errs, "title_en", f.TitleEn, 200)}
	zh, en := adminRequiredLines(errs, "clauses_zh", f.ClausesZh, 1000), adminRequiredLines(errs, "clauses_en", f.ClausesEn, 1000)
	if len(zh) > 0 && len(en) > 0 && len(zh) != len(en) {
		errs.Add("clauses_en", "admin.pledge.clause_count", len(zh), len(en))
	}
	kzh, ken := adminRequiredLines(errs, "key_points_zh", f.KeyPointsZh, 100), adminRequiredLines(errs, "key_points_en", f.KeyPointsEn, 100)
	p.ValidMonths = adminInt(errs, "valid_months", f.ValidMonths, 1, adminMaxPledgeMonths)
	p.PublishedAt = adminDate(errs, "published_at", f.PublishedAt)
	if p.PublishedAt.After(today) {
		errs.Add("published_at", "admin.pledge.published_future")
	}
	p.BodyZh, p.BodyEn = reference.Body(zh), reference.Body(en)
	p.KeyPointsZh, p.KeyPointsEn = strings.Join(kzh, "\n"), strings.Join(ken, "\n")
	p.SHA256 = model.PledgeDigest(p.TitleZh, p.BodyZh, p.TitleEn, p.BodyEn)
	return p, errs
}

type adminPledgeFormData struct {
	adminNav
	Form   adminPledgeForm
	Errors form.Errors
	From   *model.PledgeText // the version the form started from
}

// adminPledgeTextNew starts a new version from the current one (or from
// ?from=<id>), dated today.
func (h *Handler) adminPledgeTextNew(c *gin.Context) {
	ctx := c.Request.Context()
	var from *model.PledgeText
	var err error
	if id, _ := strconv.ParseInt(c.Query("from"), 10, 64); id > 0 {
		from, err = h.Store.PledgeTextByID(ctx, id)
	} else {
		from, err = h.Store.CurrentPledgeText(ctx)
	}
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		h.serverError(c, err)
		return
	}
	f := adminPledgeForm{ValidMonths: "36"}
	if from != nil {
		f = adminPledgeFormOf(from)
	}
	f.PublishedAt = h.adminToday().Format("2006-01-02")
	h.adminRender(c, http.StatusOK, "admin_pledge_form", "admin.pledge.new", &adminPledgeFormData{Form: f, From: from})
}

func (h *Handler) adminPledgeTextCreate(c *gin.Context) {
	ctx := c.Request.Context()
	f := adminPledgeForm{Version: c.PostForm("version"), TitleZh: c.PostForm("title_zh"), TitleEn: c.PostForm("title_en"),
		ClausesZh: c.PostForm("clauses_zh"), ClausesEn: c.PostForm("clauses_en"), KeyPointsZh: c.PostForm("key_points_zh"),
		KeyPointsEn: c.PostForm("key_points_en"), ValidMonths: c.PostForm("valid_months"), PublishedAt: c.PostForm("published_at")}
	p, errs := f.check(h.adminToday())
	if !errs.Any() {
		p.CreatedAt = h.now()
		err := h.Store.Tx(ctx, func(tx *storage.Store) error {
			if err := tx.CreatePledgeText(ctx, &p); err != nil {
				return err
			}
			return h.record(c, tx, audit.ActionPledgeTextChange, audit.ObjectPledgeText, p.ID, nil, nil,
				map[string]any{"version": p.Version, "sha256": p.SHA256, "valid_months": p.ValidMonths,
					"published_at": p.PublishedAt.Format("2006-01-02")})
		})
		if errors.Is(err, storage.ErrDuplicate) {
			errs.Add("version", "admin.pledge.version_taken")
		} else if err != nil {
			h.serverError(c, err)
			return
		}
	}
	if errs.Any() {
		h.adminRender(c, http.StatusUnprocessableEntity, "admin_pledge_form", "admin.pledge.new", &adminPledgeFormData{Form: f, Errors: errs})
		return
	}
	server.Logger(c).Info("pledge text published", "version", p.Version, "by", currentUser(c).ID)
	c.Redirect(http.StatusSeeOther, "/admin/pledge-texts/"+strconv.FormatInt(p.ID, 10)+"?ok=pledge_created")
}
