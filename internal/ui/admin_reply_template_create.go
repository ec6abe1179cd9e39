package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/storage"
)

func (h *Handler) adminReplyTemplateCreate(c *gin.Context) {
	ctx := c.Request.Context()
	f := replyTemplateForm(c)
	t, errs := f.check()
	if errs.Any() {
		h.adminReplyTemplatesPage(c, http.StatusUnprocessableEntity, f, errs)
		return
	}
	t.CreatedAt, t.UpdatedAt = h.now(), h.now()
	err := h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.CreateReplyTemplate(ctx, &t); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionReplyTemplateChange, audit.ObjectReplyTemplate, t.ID, nil, nil, adminReplyTemplateAudit(t))
	})
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/reply-templates?ok=reply_template_added")
}
