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
