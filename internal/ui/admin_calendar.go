package ui

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// adminHolidayForm is the new calendar day as typed.
type adminHolidayForm struct{ Day, Kind, NameZh, NameEn string }

// check validates a new calendar exception. Only days after today may be
// added (or removed): cases already received keep the deadlines they were
// given, and today's cases would otherwise count the same day two ways.
// An extra working day (调休上班) is always a Saturday or Sunday.
func (f adminHolidayForm) check(today time.Time) (model.Holiday, form.Errors) {
	errs := form.Errors{}
	h := model.Holiday{Kind: model.HolidayKind(f.Kind)}
	h.Day = adminDate(errs, "day", f.Day)
	if !errs.Has("day") && !h.Day.After(today) {
		errs.Add("day", "admin.holiday.not_future")
	}
	switch h.Kind {
	case model.DayOff:
	case model.WorkingDay:
		if wd := h.Day.Weekday(); !errs.Has("day") && wd != time.Saturday && wd != time.Sunday {
			errs.Add("kind", "admin.holiday.work_on_weekday", f.Day)
		}
	default:
		errs.Add("kind", "form.choose")
	}
	h.NameZh = adminRequired(errs, "name_zh", f.NameZh, 100)
	h.NameEn = adminOptional(errs, "name_en", f.NameEn, 100)
	return h, errs
}

func adminHolidayAudit(h model.Holiday) map[string]any {
	return map[string]any{"day": h.Day.Format(time.DateOnly), "kind": h.Kind, "name_zh": h.NameZh, "name_en": h.NameEn}
}

type adminHolidayRow struct {
	model.Holiday
	Weekday   int
	Deletable bool
}

type adminHolidaysData struct {
	adminNav
	Year, PrevYear, NextYear int
	Days                     []adminHolidayRow
	Form                     adminHolidayForm
	Errors                   form.Errors
}

// today is the deployment's calendar date now.
func (h *Handler) adminToday() time.Time { return model.DateOf(h.now()) }

func (h *Handler) adminHolidays(c *gin.Context) {
	year, _ := strconv.Atoi(c.Query("year"))
	h.adminHolidaysPage(c, http.StatusOK, year, adminHolidayForm{Kind: string(model.DayOff)}, nil, "")
}

// adminHolidaysPage lists one year's calendar exceptions (this year when year
// is out of range) under the form to add one.
func (h *Handler) adminHolidaysPage(c *gin.Context, status, year int, f adminHolidayForm, errs form.Errors, problem string) {
	today := h.adminToday()
	if year < 2000 || year > 2100 {
		year = today.Year()
	}
	days, err := h.Store.HolidaysBetween(c.Request.Context(), model.Date(year, time.January, 1), model.Date(year, time.December, 31))
	if err != nil {
		h.serverError(c, err)
		return
	}
	d := &adminHolidaysData{Year: year, PrevYear: year - 1, NextYear: year + 1, Form: f, Errors: errs}
	for _, x := range days {
		d.Days = append(d.Days, adminHolidayRow{Holiday: x, Weekday: int(x.Day.Weekday()), Deletable: x.Day.After(today)})
	}
	h.adminRenderProblem(c, status, "admin_holidays", "admin.holidays.title", d, problem)
}

func (h *Handler) adminHolidayCreate(c *gin.Context) {
	ctx := c.Request.Context()
	f := adminHolidayForm{Day: c.PostForm("day"), Kind: c.PostForm("kind"), NameZh: c.PostForm("name_zh"), NameEn: c.PostForm("name_en")}
	day, errs := f.check(h.adminToday())
	year, _ := strconv.Atoi(c.PostForm("year"))
	if !errs.Has("day") {
		year = day.Day.Year()
		_, err := h.Store.HolidayOn(ctx, day.Day)
		if err == nil {
			errs.Add("day", "admin.holiday.duplicate", f.Day)
		} else if !errors.Is(err, storage.ErrNotFound) {
			h.serverError(c, err)
			return
		}
	}
	if !errs.Any() {
		err := h.Store.Tx(ctx, func(tx *storage.Store) error {
			if err := tx.CreateHoliday(ctx, &day); err != nil {
				return err
			}
			return h.record(c, tx, audit.ActionHolidayChange, audit.ObjectHoliday, day.ID, nil, nil, adminHolidayAudit(day))
		})
		if errors.Is(err, storage.ErrDuplicate) {
			errs.Add("day", "admin.holiday.duplicate", f.Day)
		} else if err != nil {
			h.serverError(c, err)
			return
		}
	}
	if errs.Any() {
		h.adminHolidaysPage(c, http.StatusUnprocessableEntity, year, f, errs, "")
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/holidays?year="+strconv.Itoa(year)+"&ok=holiday_added")
}

// adminHolidayDelete removes a future calendar exception.
func (h *Handler) adminHolidayDelete(c *gin.Context) {
	ctx := c.Request.Context()
	day, ok := loadParam(h, c, "id", h.Store.HolidayByID)
	if !ok {
		return
	}
	year := day.Day.Year()
	if !day.Day.After(h.adminToday()) {
		h.adminHolidaysPage(c, http.StatusConflict, year, adminHolidayForm{Kind: string(model.DayOff)}, nil, "admin.holiday.past_fixed")
		return
	}
	err := h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.DeleteHoliday(ctx, day.ID); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionHolidayChange, audit.ObjectHoliday, day.ID, nil, adminHolidayAudit(*day), nil)
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/holidays?year="+strconv.Itoa(year)+"&ok=holiday_deleted")
}
