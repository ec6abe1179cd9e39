package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/storage"
)

func (h *Handler) adminReplyTemplateEdit(c *gin.Context) {
	t, ok := loadParam(h, c, "id", h.Store.ReplyTemplateByID)
	if !ok {
		return
	}
	h.adminReplyTemplateEditPage(c, http.StatusOK, t.ID, adminReplyTemplateForm{Category: string(t.Category), Title: t.Title, Body: t.Body}, nil)
}

func (h *Handler) adminReplyTemplateUpdate(c *gin.Context) {
	ctx := c.Request.Context()
	old, ok := loadParam(h, c, "id", h.Store.ReplyTemplateByID)
	if !ok {
		return
	}
	f := replyTemplateForm(c)
	t, errs := f.check()
	if errs.Any() {
		h.adminReplyTemplateEditPage(c, http.StatusUnprocessableEntity, old.ID, f, errs)
		return
	}
	t.ID, t.UpdatedAt = old.ID, h.now()
	err := h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.UpdateReplyTemplate(ctx, &t); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionReplyTemplateChange, audit.ObjectReplyTemplate, t.ID, nil, adminReplyTemplateAudit(*old), adminReplyTemplateAudit(t))
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/reply-templates?ok=reply_template_saved")
}

func (h *Handler) adminReplyTemplateDelete(c *gin.Context) {
	ctx := c.Request.Context()
	t, ok := loadParam(h, c, "id", h.Store.ReplyTemplateByID)
	if !ok {
		return
	}
	err := h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.DeleteReplyTemplate(ctx, t.ID); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionReplyTemplateChange, audit.ObjectReplyTemplate, t.ID, nil, adminReplyTemplateAudit(*t), nil)
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/reply-templates?ok=reply_template_deleted")
}
