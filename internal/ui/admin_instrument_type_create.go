package ui

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

func (h *Handler) adminInstrumentTypeNew(c *gin.Context) {
	h.adminTypeFormPage(c, http.StatusOK, &adminTypeFormData{Form: adminTypeForm{CycleMonths: "12", Mandatory: true, Active: true}})
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
