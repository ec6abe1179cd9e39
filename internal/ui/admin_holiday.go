package ui

import (
	"time"

	"honestmeasure/internal/model"
)

// adminHolidayForm is the new calendar day as typed.
type adminHolidayForm struct{ Day, Kind, NameZh, NameEn string }

func adminHolidayAudit(h model.Holiday) map[string]any {
	return map[string]any{"day": h.Day.Format(time.DateOnly), "kind": h.Kind, "name_zh": h.NameZh, "name_en": h.NameEn}
}
