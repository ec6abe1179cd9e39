package ui

import (
	"errors"
	"net/http"
	"regexp"
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

// Instrument types and pledge texts: the catalogue merchants choose from.
// Neither is ever deleted — instruments refer to their type, signed pledges
// to the exact words of their version — so a type is deactivated and a new
// pledge version replaces the old one.

// adminMaxCycleMonths bounds a verification cycle: JJG cycles are a few years
// at most.
const adminMaxCycleMonths = 120

var adminTypeCode = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// adminTypeForm is the instrument type form as typed.
type adminTypeForm struct {
	Code, NameZh, NameEn, CycleMonths, Regulation string
	Mandatory, Active                             bool
}

func adminTypeFormOf(t *model.InstrumentType) adminTypeForm {
	return adminTypeForm{Code: t.Code, NameZh: t.NameZh, NameEn: t.NameEn, CycleMonths: strconv.Itoa(t.CycleMonths),
		Regulation: t.Regulation, Mandatory: t.Mandatory, Active: t.Active}
}

// check validates the form onto t (a copy of the stored type, or a new
// one). The code is set once, on creation: it is the type's stable name in
// configuration and exports.
func (f adminTypeForm) check(t model.InstrumentType) (model.InstrumentType, form.Errors) {
	errs := form.Errors{}
	if t.ID == 0 {
		t.Code = strings.TrimSpace(f.Code)
		if !adminTypeCode.MatchString(t.Code) {
			errs.Add("code", "admin.type.code_format")
		}
	}
	t.NameZh = adminRequired(errs, "name_zh", f.NameZh, 100)
	t.NameEn = adminRequired(errs, "name_en", f.NameEn, 100)
	t.CycleMonths = adminInt(errs, "cycle_months", f.CycleMonths, 0, adminMaxCycleMonths)
	t.Regulation = adminOptional(errs, "regulation", f.Regulation, 100)
	t.Mandatory, t.Active = f.Mandatory, f.Active
	return t, errs
}

func adminTypeAudit(t model.InstrumentType) map[string]any {
	return map[string]any{"code": t.Code, "name_zh": t.NameZh, "name_en": t.NameEn, "cycle_months": t.CycleMonths,
		"mandatory": t.Mandatory, "regulation": t.Regulation, "active": t.Active}
}

type adminTypesData struct {
	adminNav
	Types []model.InstrumentType
}

func (h *Handler) adminInstrumentTypes(c *gin.Context) {
	types, err := h.Store.AllInstrumentTypes(c.Request.Context())
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.adminRender(c, http.StatusOK, "admin_instrument_types", "admin.types.title", &adminTypesData{Types: types})
}

type adminTypeFormData struct {
	adminNav
	Type   *model.InstrumentType // nil for a new type
	Form   adminTypeForm
	Errors form.Errors
}

func (h *Handler) adminTypeFormPage(c *gin.Context, status int, d *adminTypeFormData) {
	title := "admin.type.new"
	if d.Type != nil {
		title = "admin.type.edit"
	}
	h.adminRender(c, status, "admin_instrument_type_form", title, d)
}

// adminType loads instrument type :id or answers 404.
func (h *Handler) adminType(c *gin.Context) (*model.InstrumentType, bool) {
	return loadParam(h, c, "id", h.Store.InstrumentTypeByID)
}

func (h *Handler) adminInstrumentTypeNew(c *gin.Context) {
	h.adminTypeFormPage(c, http.StatusOK, &adminTypeFormData{Form: adminTypeForm{CycleMonths: "12", Mandatory: true, Active: true}})
}

func (h *Handler) adminInstrumentTypeEdit(c *gin.Context) {
	if t, ok := h.adminType(c); ok {
		h.adminTypeFormPage(c, http.StatusOK, &adminTypeFormData{Type: t, Form: adminTypeFormOf(t)})
	}
}

func readAdminTypeForm(c *gin.Context) adminTypeForm {
	return adminTypeForm{Code: c.PostForm("code"), NameZh: c.PostForm("name_zh"), NameEn: c.PostForm("name_en"),
		CycleMonths: c.PostForm("cycle_months"), Regulation: c.PostForm("regulation"),
		Mandatory: c.PostForm("mandatory") != "", Active: c.PostForm("active") != ""}
}

func (h *Handler) adminInstrumentTypeCreate(c *gin.Context) {
	ctx := c.Request.Context()
	f := readAdminTypeForm(c)
	f.Active = true
	t, errs := f.check(model.InstrumentType{})
	if !errs.Any() {
		err := h.Store.Tx(ctx, func(tx *storage.Store) error {
			if err := tx.CreateInstrumentType(ctx, &t); err != nil {
				return err
			}
			return h.record(c, tx, audit.ActionInstrumentTypeChange, audit.ObjectInstrumentType, t.ID, nil, nil, adminTypeAudit(t))
		})
		if errors.Is(err, storage.ErrDuplicate) {
			errs.Add("code", "admin.type.code_taken")
		} else if err != nil {
			h.serverError(c, err)
			return
		}
	}
	if errs.Any() {
		h.adminTypeFormPage(c, http.StatusUnprocessableEntity, &adminTypeFormData{Form: f, Errors: errs})
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/instrument-types?ok=type_saved")
}

func (h *Handler) adminInstrumentTypeUpdate(c *gin.Context) {
	ctx := c.Request.Context()
	old, ok := h.adminType(c)
	if !ok {
		return
	}
	f := readAdminTypeForm(c)
	f.Code = old.Code
	t, errs := f.check(*old)
	if errs.Any() {
		h.adminTypeFormPage(c, http.StatusUnprocessableEntity, &adminTypeFormData{Type: old, Form: f, Errors: errs})
		return
	}
	err := h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.UpdateInstrumentType(ctx, &t); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionInstrumentTypeChange, audit.ObjectInstrumentType, t.ID, nil, adminTypeAudit(*old), adminTypeAudit(t))
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/instrument-types?ok=type_saved")
}

// Pledge texts.

// adminMaxPledgeMonths bounds a pledge's validity.
const adminMaxPledgeMonths = 120

// adminClauseNumber is a number someone typed before a clause ("1. ",
// "2、"); reference.Body numbers the clauses itself. "1.5 kg" is no number.
var adminClauseNumber = regexp.MustCompile(`^\d{1,3}(?:[.．]\s+|[、)）]\s*)`)

// adminLines splits a text area into its non-blank lines, without any
// leading clause numbers.
func adminLines(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		line = form.Clean(adminClauseNumber.ReplaceAllString(strings.TrimSpace(line), ""))
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

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
	zh, en := adminLines(f.ClausesZh), adminLines(f.ClausesEn)
	for field, lines := range map[string][]string{"clauses_zh": zh, "clauses_en": en} {
		if len(lines) == 0 {
			errs.Add(field, "form.required")
		}
		for _, l := range lines {
			if form.TooLong(l, 1000) {
				errs.Add(field, "form.too_long", 1000)
			}
		}
	}
	if len(zh) > 0 && len(en) > 0 && len(zh) != len(en) {
		errs.Add("clauses_en", "admin.pledge.clause_count", len(zh), len(en))
	}
	kzh, ken := adminLines(f.KeyPointsZh), adminLines(f.KeyPointsEn)
	for field, lines := range map[string][]string{"key_points_zh": kzh, "key_points_en": ken} {
		if len(lines) == 0 {
			errs.Add(field, "form.required")
		}
		for _, l := range lines {
			if form.TooLong(l, 100) {
				errs.Add(field, "form.too_long", 100)
			}
		}
	}
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

type adminPledgeListData struct {
	adminNav
	Texts     []model.PledgeText
	CurrentID int64
	Signed    map[int64]int64
}

func (h *Handler) adminPledgeTexts(c *gin.Context) {
	ctx := c.Request.Context()
	texts, err := h.Store.PledgeTexts(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	signed, err := h.Store.PledgeCounts(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	d := &adminPledgeListData{Texts: texts, Signed: signed}
	if len(texts) > 0 {
		d.CurrentID = texts[0].ID // listed current first, as CurrentPledgeText picks it
	}
	h.adminRender(c, http.StatusOK, "admin_pledge_texts", "admin.pledge.title", d)
}

type adminPledgeData struct {
	adminNav
	Text                                           *model.PledgeText
	Current                                        bool
	Signed                                         int64
	ClausesZh, ClausesEn, KeyPointsZh, KeyPointsEn []string
}

func (h *Handler) adminPledgeTextShow(c *gin.Context) {
	ctx := c.Request.Context()
	p, ok := loadParam(h, c, "id", h.Store.PledgeTextByID)
	if !ok {
		return
	}
	cur, err := h.Store.CurrentPledgeText(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	signed, err := h.Store.PledgeCounts(ctx)
	if err != nil {
		h.serverError(c, err)
		return
	}
	h.adminRender(c, http.StatusOK, "admin_pledge_text", "admin.pledge.view", &adminPledgeData{Text: p, Current: cur.ID == p.ID,
		Signed: signed[p.ID], ClausesZh: adminLines(p.BodyZh), ClausesEn: adminLines(p.BodyEn),
		KeyPointsZh: adminLines(p.KeyPointsZh), KeyPointsEn: adminLines(p.KeyPointsEn)})
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
