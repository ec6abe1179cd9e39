package ui

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/cases"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
)

// Reply templates (/admin/reply-templates): wordings per report category
// that officers start a reply to the reporter from, on the case page.

type adminReplyTemplateForm struct{ Category, Title, Body string }

func replyTemplateForm(c *gin.Context) adminReplyTemplateForm {
	return adminReplyTemplateForm{Category: c.PostForm("category"), Title: c.PostForm("title"), Body: c.PostForm("body")}
}

func (f adminReplyTemplateForm) check() (model.ReplyTemplate, form.Errors) {
	return cases.CheckReplyTemplate(f.Category, f.Title, f.Body)
}

func adminReplyTemplateAudit(t model.ReplyTemplate) map[string]any {
	return map[string]any{"category": t.Category, "title": t.Title, "body": t.Body}
}

type adminReplyTemplatesData struct {
	adminNav
	Templates  []model.ReplyTemplate
	Categories []model.Category
	// ID is the template being edited (0: a new one).
	ID     int64
	Form   adminReplyTemplateForm
	Errors form.Errors
}

func (h *Handler) adminReplyTemplates(c *gin.Context) {
	h.adminReplyTemplatesPage(c, http.StatusOK, adminReplyTemplateForm{}, nil)
}

// adminReplyTemplatesPage lists every template, by category, under the form
// to add one.
func (h *Handler) adminReplyTemplatesPage(c *gin.Context, status int, f adminReplyTemplateForm, errs form.Errors) {
	list, err := h.Store.ReplyTemplates(c.Request.Context(), "")
	if err != nil {
		h.serverError(c, err)
		return
	}
	d := &adminReplyTemplatesData{Templates: list, Categories: model.Categories, Form: f, Errors: errs}
	h.adminRender(c, status, "admin_reply_templates", "admin.reply_templates.title", d)
}

func (h *Handler) adminReplyTemplateEditPage(c *gin.Context, status int, id int64, f adminReplyTemplateForm, errs form.Errors) {
	d := &adminReplyTemplatesData{Categories: model.Categories, ID: id, Form: f, Errors: errs}
	h.adminRender(c, status, "admin_reply_template_edit", "admin.reply_templates.edit", d)
}
