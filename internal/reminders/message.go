package reminders

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/storage"
)

// Event and SMS template of a digest, as the outbox and the SMS gateway see
// them.
const (
	EventDigest = "unit.expiry_reminder"
	SMSTemplate = "reminder.expiry"
)

// Phrase says how a certificate valid until days from today stands, in l's
// language: "expires in 15 days", "expires today", "expired yesterday",
// "expired 7 days ago".
func Phrase(l *locale.Printer, days int) string {
	switch {
	case days > 1:
		return l.T("reminders.due.in_days", days)
	case days == 1:
		return l.T("reminders.due.tomorrow")
	case days == 0:
		return l.T("reminders.due.today")
	case days == -1:
		return l.T("reminders.due.yesterday")
	default:
		return l.T("reminders.due.ago", -days)
	}
}

// item is one instrument of a digest.
type item struct {
	view       storage.InstrumentView
	validUntil time.Time
	stage      Stage
	days       int // from the digest's day to the valid-until date
}

// digestMessages are the e-mail (when the owner has an address) and the text
// message (when the owner has a phone) of one unit's digest, in the owner's
// language.
func digestMessages(owner model.User, unit model.Unit, items []item, baseURL string) ([]model.OutboxMessage, error) {
	l := locale.New(owner.Locale)
	link := baseURL + "/merchant"
	var out []model.OutboxMessage
	if owner.Email != "" {
		var b strings.Builder
		b.WriteString(l.T("reminders.mail.intro", unit.Name, len(items)))
		b.WriteString("\n\n")
		for i, it := range items {
			where := ""
			if at := strings.TrimSpace(it.view.Instrument.Location); at != "" {
				where = l.T("reminders.mail.location", at)
			}
			b.WriteString(l.T("reminders.mail.item", i+1, l.Pick(it.view.Type.NameZh, it.view.Type.NameEn), it.view.Instrument.SerialNo, where,
				it.validUntil.Format("2006-01-02"), Phrase(l, it.days)))
			b.WriteString("\n")
		}
		b.WriteString("\n")
		b.WriteString(l.T("reminders.mail.advice"))
		b.WriteString("\n\n")
		b.WriteString(l.T("reminders.mail.link", link))
		b.WriteString("\n")
		b.WriteString(l.T("reminders.mail.optout"))
		b.WriteString("\n")
		out = append(out, outbox.Email(owner.Email, clip(l.T("reminders.mail.subject", clip(unit.Name, 60), len(items)), 300), b.String(), nil, EventDigest))
	}
	if owner.Phone != "" {
		first := items[0]
		name, serial := clip(l.Pick(first.view.Type.NameZh, first.view.Type.NameEn), 20), clip(first.view.Instrument.SerialNo, 30)
		unitName := clip(unit.Name, 40)
		var text string
		if len(items) == 1 {
			text = l.T("reminders.sms.one", unitName, name, serial, Phrase(l, first.days), link)
		} else {
			text = l.T("reminders.sms.many", unitName, len(items), name, serial, Phrase(l, first.days), link)
		}
		params := map[string]string{"unit": unitName, "count": strconv.Itoa(len(items)), "type": name, "serial": serial,
			"due": Phrase(l, first.days), "valid_until": first.validUntil.Format("2006-01-02"), "url": link}
		m, err := outbox.SMS(owner.Phone, SMSTemplate, params, l.Lang, text, EventDigest)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// clip cuts s to at most n characters, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
