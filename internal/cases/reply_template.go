package cases

import (
	"strings"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
)

// Bounds of a reply template: the title is what the officer picks by, the
// body what the reply starts from (a reply holds at most MaxReply).
const (
	MaxReplyTemplateTitle = 100
	MaxReply              = 2000
	// MaxReplyTemplates bounds one category's list on the case page.
	MaxReplyTemplates = 50
)

// CheckReplyTemplate validates a reply template as typed into t.
func CheckReplyTemplate(category, title, body string) (model.ReplyTemplate, form.Errors) {
	errs := form.Errors{}
	t := model.ReplyTemplate{Category: model.Category(strings.TrimSpace(category)), Title: form.Clean(title), Body: strings.TrimSpace(body)}
	if !t.Category.Valid() {
		errs.Add("category", "form.choose")
	}
	switch {
	case t.Title == "":
		errs.Add("title", "form.required")
	case form.TooLong(t.Title, MaxReplyTemplateTitle):
		errs.Add("title", "form.too_long", MaxReplyTemplateTitle)
	}
	switch {
	case t.Body == "":
		errs.Add("body", "form.required")
	case form.TooLong(t.Body, MaxReply):
		errs.Add("body", "form.too_long", MaxReply)
	}
	return t, errs
}
