package notices

import (
	"strconv"
	"unicode/utf8"

	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
)

// EventUnitStatus names the notice to a unit's owner that an officer (or a
// case conclusion) changed the unit's status.
const EventUnitStatus = "unit.status_changed"

// smsUnitStatus is the SMS template of that notice, for gateways that need
// registered templates; its params are unit, status, reason and url.
const smsUnitStatus = "unit.status_changed"

// UnitStatusChanged tells the owner of unit u, in the owner's language, that
// the unit is now in status to, why (the officer's reason, when the change
// needs one) and what to do next: by e-mail when the account has an address
// and by text message when it has a phone. The statuses a merchant does not
// need telling about (their own submit, a draft) give no message.
func UnitStatusChanged(owner *model.User, u *model.Unit, from, to model.UnitStatus, reason, baseURL string) ([]model.OutboxMessage, error) {
	next := unitNextStep(from, to)
	if owner == nil || next == "" {
		return nil, nil
	}
	l := locale.New(owner.Locale)
	link := baseURL + "/merchant/units/" + strconv.FormatInt(u.ID, 10)
	status := l.T("unit_notice.status." + next)
	var out []model.OutboxMessage
	if owner.Email != "" {
		body := l.T("unit_notice.mail_intro", u.Name, status) + "\n\n"
		if reason != "" {
			body += l.T("unit_notice.reason", reason) + "\n\n"
		}
		body += l.T("unit_notice.next."+next) + "\n\n" + l.T("unit_notice.link", link) + "\n"
		out = append(out, outbox.Email(owner.Email, l.T("unit_notice.subject", clipText(u.Name, 60), status), body, nil, EventUnitStatus))
	}
	if owner.Phone != "" {
		name, why := clipText(u.Name, 30), clipText(reason, 80)
		text := l.T("unit_notice.sms", name, status, l.T("unit_notice.sms_next."+next), link)
		if why != "" {
			text = l.T("unit_notice.sms_reason", name, status, why, l.T("unit_notice.sms_next."+next), link)
		}
		m, err := outbox.SMS(owner.Phone, smsUnitStatus, map[string]string{"unit": name, "status": status, "reason": why, "url": link},
			l.Lang, text, EventUnitStatus)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// unitNextStep names the notice of a change from one status to another (a
// catalog key part), or "" for changes the owner made or need not hear of.
func unitNextStep(from, to model.UnitStatus) string {
	switch {
	case to == model.UnitApproved && from == model.UnitSuspended:
		return "reinstated"
	case to == model.UnitApproved, to == model.UnitReturned, to == model.UnitSuspended, to == model.UnitRevoked:
		return string(to)
	}
	return ""
}

// clipText cuts s to at most n characters, marking the cut.
func clipText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// UnitAdviceKey is the catalog key of what the owner of a unit in status s
// has to do, for the merchant's home page (the same words as the notice),
// or "" when nothing is waiting on them.
func UnitAdviceKey(s model.UnitStatus) string {
	switch s {
	case model.UnitReturned, model.UnitSuspended, model.UnitRevoked:
		return "unit_notice.next." + string(s)
	}
	return ""
}

// EventUnitChange names the notice to a unit's owner that an officer
// approved or rejected their request to change the unit's approved details.
const EventUnitChange = "unit.change_decided"

// smsUnitChange is the SMS template of that notice; its params are unit,
// result, reason and url.
const smsUnitChange = "unit.change_decided"

// UnitChangeDecided tells the owner of unit u, in the owner's language, that
// their change request r was approved (the new details are in effect) or
// rejected (with the officer's reason): by e-mail when the account has an
// address and by text message when it has a phone. An open or withdrawn
// request gives no message.
func UnitChangeDecided(owner *model.User, u *model.Unit, r *model.UnitChangeRequest, baseURL string) ([]model.OutboxMessage, error) {
	if owner == nil || (r.State != model.ChangeApproved && r.State != model.ChangeRejected) {
		return nil, nil
	}
	l := locale.New(owner.Locale)
	link := baseURL + "/merchant/units/" + strconv.FormatInt(u.ID, 10)
	result := l.T("unitchange.result." + string(r.State))
	var out []model.OutboxMessage
	if owner.Email != "" {
		body := l.T("unitchange.mail_intro", u.Name, result) + "\n\n"
		if r.DecisionReason != "" {
			body += l.T("unit_notice.reason", r.DecisionReason) + "\n\n"
		}
		body += l.T("unitchange.next."+string(r.State)) + "\n\n" + l.T("unit_notice.link", link) + "\n"
		out = append(out, outbox.Email(owner.Email, l.T("unitchange.subject", clipText(u.Name, 60), result), body, nil, EventUnitChange))
	}
	if owner.Phone != "" {
		name, why := clipText(u.Name, 30), clipText(r.DecisionReason, 80)
		text := l.T("unitchange.sms", name, result, link)
		if why != "" {
			text = l.T("unitchange.sms_reason", name, result, why, link)
		}
		m, err := outbox.SMS(owner.Phone, smsUnitChange, map[string]string{"unit": name, "result": result, "reason": why, "url": link},
			l.Lang, text, EventUnitChange)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
