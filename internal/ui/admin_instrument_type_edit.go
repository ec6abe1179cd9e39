package ui

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

func adminTypeFormOf(t *model.InstrumentType) adminTypeForm {
	f := adminTypeForm{Code: t.Code, NameZh: t.NameZh, NameEn: t.NameEn, CycleMonths: strconv.Itoa(t.CycleMonths),
		Regulation: t.Regulation, Mandatory: t.Mandatory, Active: t.Active, RegulationNext: t.RegulationNext}
	if t.RegulationNextFrom != nil {
		f.RegulationNextFrom = model.DateOf(*t.RegulationNextFrom).Format(time.DateOnly)
	}
	return f
}

// adminType loads instrument type :id or answers 404.
func (h *Handler) adminType(c *gin.Context) (*model.InstrumentType, bool) {
	return loadParam(h, c, "id", h.Store.InstrumentTypeByID)
}

func (h *Handler) adminInstrumentTypeEdit(c *gin.Context) {
	if t, ok := h.adminType(c); ok {
		h.adminTypeFormPage(c, http.StatusOK, &adminTypeFormData{Type: t, Form: adminTypeFormOf(t)})
	}
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
