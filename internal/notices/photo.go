package notices

import (
	"strconv"

	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
)

// EventPhotoRedacted names the notice to a unit's owner that staff covered
// parts of the unit's shop-front photo (units.Service.RedactPhoto).
const EventPhotoRedacted = "unit.photo_redacted"

// PhotoRedacted tells the owner of unit u, in the owner's language and by
// e-mail when the account has an address, that the public shop-front photo
// now has parts covered, and why: the photo is theirs, and it changed on
// every page. Nothing is sent without an address (the merchant's unit page
// shows the covered photo anyway).
func PhotoRedacted(owner *model.User, u *model.Unit, reason, baseURL string) []model.OutboxMessage {
	if owner == nil || owner.Email == "" {
		return nil
	}
	l := locale.New(owner.Locale)
	link := baseURL + "/merchant/units/" + strconv.FormatInt(u.ID, 10)
	body := l.T("redact.mail_body", u.Name, reason) + "\n\n" + l.T("unit_notice.link", link) + "\n"
	return []model.OutboxMessage{outbox.Email(owner.Email, l.T("redact.mail_subject", clipText(u.Name, 60)), body, nil, EventPhotoRedacted)}
}
