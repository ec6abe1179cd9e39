package ui

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
)

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
