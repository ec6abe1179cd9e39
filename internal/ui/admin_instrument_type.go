package ui

import (
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
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
	// A regulation announced to replace Regulation from a date (YYYY-MM-DD):
	// both or neither.
	RegulationNext, RegulationNextFrom string
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
	t.RegulationNext, t.RegulationNextFrom = f.checkNext(errs)
	t.Mandatory, t.Active = f.Mandatory, f.Active
	return t, errs
}

// checkNext validates the dated regulation: a name and the date it takes
// effect, or neither.
func (f adminTypeForm) checkNext(errs form.Errors) (string, *time.Time) {
	next := adminOptional(errs, "regulation_next", f.RegulationNext, 100)
	from := strings.TrimSpace(f.RegulationNextFrom)
	switch {
	case next == "" && from == "":
		return "", nil
	case next == "":
		errs.Add("regulation_next", "admin.type.regulation_next_needed")
		return "", nil
	case from == "":
		errs.Add("regulation_next_from", "admin.type.regulation_next_from_needed")
		return next, nil
	}
	d := adminDate(errs, "regulation_next_from", from)
	if d.IsZero() {
		return next, nil
	}
	if d.Year() < 2000 || d.Year() > 2100 {
		errs.Add("regulation_next_from", "form.date")
		return next, nil
	}
	return next, &d
}

func adminTypeAudit(t model.InstrumentType) map[string]any {
	out := map[string]any{"code": t.Code, "name_zh": t.NameZh, "name_en": t.NameEn, "cycle_months": t.CycleMonths,
		"mandatory": t.Mandatory, "regulation": t.Regulation, "active": t.Active}
	if t.RegulationNext != "" || t.RegulationNextFrom != nil {
		out["regulation_next"] = t.RegulationNext
		out["regulation_next_from"] = nil
		if t.RegulationNextFrom != nil {
			out["regulation_next_from"] = model.DateOf(*t.RegulationNextFrom).Format(time.DateOnly)
		}
	}
	return out
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

func readAdminTypeForm(c *gin.Context) adminTypeForm {
	return adminTypeForm{Code: c.PostForm("code"), NameZh: c.PostForm("name_zh"), NameEn: c.PostForm("name_en"),
		CycleMonths: c.PostForm("cycle_months"), Regulation: c.PostForm("regulation"),
		Mandatory: c.PostForm("mandatory") != "", Active: c.PostForm("active") != "",
		RegulationNext: c.PostForm("regulation_next"), RegulationNextFrom: c.PostForm("regulation_next_from")}
}
