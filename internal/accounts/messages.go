package accounts

import (
	"strconv"

	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
)

// Messages an account sends, in the language of the page that asked. Each
// is one template: the SMS gateway receives its name and parameters along
// with the rendered text, e-mail gets a subject and body from the catalogue.
const (
	msgSignUpCode     = "account.signup_code"
	msgSignUpExisting = "account.signup_existing"
	msgResetCode      = "account.reset_code"
)

// codeMessage builds message template (one of the msg constants) for to,
// with code when the template carries one.
func codeMessage(template, to string, email bool, lang, code string) (model.OutboxMessage, error) {
	l := locale.New(lang)
	minutes := strconv.Itoa(CodeMinutes)
	params := map[string]string{}
	var args []any
	if code != "" {
		params["code"], params["minutes"] = code, minutes
		args = []any{code, CodeMinutes}
	}
	if email {
		return outbox.Email(to, l.T("accounts.mail."+template+".subject"), l.T("accounts.mail."+template+".body", args...), nil, template), nil
	}
	return outbox.SMS(to, template, params, l.Lang, l.T("accounts.sms."+template, args...), template)
}
