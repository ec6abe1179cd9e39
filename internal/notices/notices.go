// Package notices decides who hears about what: the agency a report was
// routed to (by e-mail and by its webhook), the reporter who left an e-mail
// address or a mobile number (receipt and status updates) and a unit's
// owner (decisions on the unit). It only builds outbox messages; callers
// enqueue them in the transaction of the change they announce, and
// internal/outbox delivers them. Reporters' contact details never leave in
// a notice to anyone else: staff read them on the platform, where the view
// is audited; a text message to the reporter is addressed to their number.
package notices

import (
	"fmt"
	"strings"

	"honestmeasure/internal/form"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
)

// Case events as named in webhook payloads.
const (
	EventReportRouted = "report.routed"
	EventCaseUpdated  = "case.updated"
)

// payload is the JSON a bureau's case system or a 12315 bridge receives.
type payload struct {
	Event      string `json:"event"`
	TrackingNo string `json:"tracking_number"`
	CaseID     int64  `json:"case_id"`
	Kind       string `json:"kind"`
	Category   string `json:"category"`
	Status     string `json:"status"`
	Priority   int    `json:"priority"`
	District   string `json:"district_code"`
	Business   string `json:"business_name"`
	ReceivedAt string `json:"received_at"`
	DueAt      string `json:"due_at,omitempty"`
	URL        string `json:"url"`
}

func casePayload(event string, r *model.Report, c *model.Case, d *model.District, baseURL string) payload {
	p := payload{Event: event, TrackingNo: r.TrackingNo, CaseID: c.ID, Kind: string(r.Kind), Category: string(r.Category),
		Status: string(c.Status), Priority: int(c.Priority), Business: r.BusinessName,
		ReceivedAt: c.ReceivedAt.UTC().Format("2006-01-02T15:04:05Z"), URL: fmt.Sprintf("%s/staff/cases/%d", baseURL, c.ID)}
	if d != nil {
		p.District = d.Code
	}
	if c.DueAt != nil {
		p.DueAt = c.DueAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	return p
}

// Routed tells the agency a new report is in its queue.
func Routed(a *model.Agency, r *model.Report, c *model.Case, d *model.District, baseURL string) ([]model.OutboxMessage, error) {
	var out []model.OutboxMessage
	if a.Email != "" {
		due := ""
		if c.DueAt != nil {
			due = c.DueAt.In(model.Zone).Format("2006-01-02 15:04")
		}
		// Staff mail is in the bureau's language; the category by its name,
		// not its code.
		body := fmt.Sprintf("新的%s已分派给%s。\n\n受理编号：%s\n问题：%s\n商户：%s\n优先级：%d\n首次答复期限：%s\n\n办理：%s/staff/cases/%d\n",
			kindZh(r.Kind), a.NameZh, r.TrackingNo, locale.New(locale.Chinese).T("category."+string(r.Category)), r.BusinessName, c.Priority, due, baseURL, c.ID)
		out = append(out, outbox.Email(a.Email, fmt.Sprintf("【诚信计量】新%s %s", kindZh(r.Kind), r.TrackingNo), body, &c.ID, EventReportRouted))
	}
	if a.WebhookURL != "" {
		m, err := outbox.Webhook(a.WebhookURL, casePayload(EventReportRouted, r, c, d, baseURL), &c.ID, EventReportRouted)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// EventCreditCodeReleased names the notice to a unit's owner that staff
// released the unit's credit code.
const EventCreditCodeReleased = "unit.credit_code_released"

// CreditCodeReleased tells a unit's owner (when the account has an e-mail
// address) that staff released the unit's credit code, and why.
func CreditCodeReleased(owner *model.User, u *model.Unit, reason, baseURL string) []model.OutboxMessage {
	if owner == nil || owner.Email == "" {
		return nil
	}
	body := fmt.Sprintf("市场监管部门已解除您的单位“%s”对统一社会信用代码 %s 的占用。\n\n原因：%s\n\n如有异议，请联系所在区市场监管局。单位信息：%s/merchant/units/%d\n",
		u.Name, u.USCC, reason, baseURL, u.ID)
	return []model.OutboxMessage{outbox.Email(owner.Email, "【诚信计量】统一社会信用代码已解除占用", body, nil, EventCreditCodeReleased)}
}

// Received confirms receipt to the reporter, in the language they reported
// in: by e-mail when they left an address (without the access code: e-mail
// is not where secrets belong) and by text message when they left a mobile
// number, with the tracking number and access code, so a reporter who lost
// the receipt page can still follow the case.
func Received(r *model.Report, c *model.Case, accessCode, baseURL string) ([]model.OutboxMessage, error) {
	var out []model.OutboxMessage
	l := locale.New(r.Locale)
	kind := l.T("notice_mail.kind." + string(r.Kind))
	if r.ReporterEmail != "" {
		out = append(out, outbox.Email(r.ReporterEmail, l.T("notice_mail.received_subject", kind, r.TrackingNo),
			l.T("notice_mail.received_body", kind, r.TrackingNo, baseURL), &c.ID, EventReportReceived))
	}
	sms, err := reporterSMS(r, c, SMSReportReceived, map[string]string{"kind": kind, "tracking_number": r.TrackingNo, "access_code": accessCode, "url": baseURL + "/track"},
		l.T("notice_sms.received", kind, r.TrackingNo, accessCode, baseURL+"/track"), EventReportReceived)
	return append(out, sms...), err
}

// CodeAgain texts the access code again to the mobile number the reporter
// gave, at their request (intake.Service.SendCodeAgain decides whether).
func CodeAgain(r *model.Report, c *model.Case, accessCode, baseURL string) ([]model.OutboxMessage, error) {
	l := locale.New(r.Locale)
	return reporterSMS(r, c, SMSAccessCode, map[string]string{"tracking_number": r.TrackingNo, "access_code": accessCode, "url": baseURL + "/track"},
		l.T("notice_sms.code_again", r.TrackingNo, accessCode, baseURL+"/track"), EventCodeAgain)
}

// Reporter events and SMS templates, as the outbox and the SMS gateway see
// them (docs/sms.md lists each template's params).
const (
	EventReportReceived = "report.received"
	EventCodeAgain      = "report.access_code_again"
	SMSReportReceived   = "report.received"
	SMSAccessCode       = "report.access_code"
	SMSStatusChanged    = "report.status"
)

// reporterSMS is a text message to the mobile number on report r, or none
// when the reporter left no mobile number (a fixed line cannot take one).
func reporterSMS(r *model.Report, c *model.Case, template string, params map[string]string, text, event string) ([]model.OutboxMessage, error) {
	to, ok := form.MobileNumber(r.ReporterPhone)
	if !ok {
		return nil, nil
	}
	m, err := outbox.SMS(to, template, params, locale.New(r.Locale).Lang, text, event)
	if err != nil {
		return nil, err
	}
	m.CaseID = &c.ID
	return []model.OutboxMessage{m}, nil
}

// StatusUpdate is what a reporter is told of a new status, already in
// their language (Locale).
type StatusUpdate struct {
	Locale *locale.Printer
	Status string // the public wording of the status
	Detail string // the step's explanation; may be empty
}

// StatusChanged tells the reporter (by e-mail and by text message, as they
// left an address or a mobile number), in their language, and the agency's
// webhook that a case moved.
func StatusChanged(a *model.Agency, r *model.Report, c *model.Case, u StatusUpdate, baseURL string) ([]model.OutboxMessage, error) {
	var out []model.OutboxMessage
	if r.ReporterEmail != "" {
		l := u.Locale
		kind := l.T("notice_mail.kind." + string(r.Kind))
		body := l.T("notice_mail.status_body", kind, r.TrackingNo, u.Status)
		if strings.TrimSpace(u.Detail) != "" {
			body += "\n" + u.Detail + "\n"
		}
		body += l.T("notice_mail.status_more", baseURL)
		out = append(out, outbox.Email(r.ReporterEmail, l.T("notice_mail.status_subject", r.TrackingNo, u.Status), body, &c.ID, EventCaseUpdated))
	}
	sms, err := reporterSMS(r, c, SMSStatusChanged, map[string]string{"tracking_number": r.TrackingNo, "status": u.Status, "url": baseURL + "/track"},
		u.Locale.T("notice_sms.status", r.TrackingNo, u.Status, baseURL+"/track"), EventCaseUpdated)
	if err != nil {
		return nil, err
	}
	out = append(out, sms...)
	if a != nil && a.WebhookURL != "" {
		m, err := outbox.Webhook(a.WebhookURL, casePayload(EventCaseUpdated, r, c, nil, baseURL), &c.ID, EventCaseUpdated)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func kindZh(k model.ReportKind) string {
	if k == model.KindComplaint {
		return "投诉"
	}
	return "举报"
}
