package ui

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

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
