package notices_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/outbox"
)

const base = "https://hm.example.gov.cn"

func report(lang, email string) *model.Report {
	return &model.Report{TrackingNo: "HM2604060001", Kind: model.KindComplaint, Category: model.CategoryShortWeight,
		BusinessName: "钟楼菜场 8号摊位", ReporterEmail: email, ReporterName: "王五", ReporterPhone: "13700000000", Locale: lang}
}

func aCase() *model.Case {
	due := time.Date(2026, 4, 15, 15, 59, 59, 0, time.UTC)
	return &model.Case{ID: 7, Status: model.CaseNew, Priority: model.PriorityNormal, ReceivedAt: due.AddDate(0, 0, -9), DueAt: &due}
}

// TestReceiptIsInTheReportersLanguage: the receipt speaks the reporter's
// language and names the tracking number; the e-mail never carries the
// access code or the reporter's own details, the text message to the
// mobile number they gave carries the code (and nothing else of theirs).
func TestReceiptIsInTheReportersLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang    string
		subject string
		body    string
		sms     string
	}{
		{locale.Chinese, "已收到您的投诉", "受理编号：HM2604060001", "【诚信计量】您的投诉已收到，受理编号 HM2604060001，查询码 12345678"},
		{locale.English, "Your complaint HM2604060001 was received", "Tracking number: HM2604060001", "tracking number HM2604060001, access code 12345678"},
	} {
		r := report(tc.lang, "reporter@example.com")
		msgs, err := notices.Received(r, aCase(), "12345678", base)
		if err != nil || len(msgs) != 2 || msgs[0].Channel != outbox.ChannelEmail || msgs[0].Recipient != "reporter@example.com" ||
			msgs[1].Channel != outbox.ChannelSMS || msgs[1].Recipient != "13700000000" {
			t.Fatalf("%s: %+v %v", tc.lang, msgs, err)
		}
		m := msgs[0]
		if !strings.Contains(m.Subject, tc.subject) || !strings.Contains(m.Body, tc.body) || !strings.Contains(m.Body, base+"/track") {
			t.Errorf("%s receipt: %q / %q", tc.lang, m.Subject, m.Body)
		}
		for _, secret := range []string{"13700000000", "王五", "12345678"} {
			if strings.Contains(m.Body, secret) {
				t.Errorf("%s receipt carries %q", tc.lang, secret)
			}
		}
		var p outbox.SMSPayload
		if err := json.Unmarshal([]byte(msgs[1].Body), &p); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(p.Text, tc.sms) || p.Template != notices.SMSReportReceived || p.Params["access_code"] != "12345678" ||
			strings.Contains(p.Text, "王五") || msgs[1].CaseID == nil || *msgs[1].CaseID != 7 {
			t.Errorf("%s text message: %+v", tc.lang, p)
		}
	}
	none := report(locale.Chinese, "")
	none.ReporterPhone = "0519-88886666" // a fixed line takes no text message
	if msgs, err := notices.Received(none, aCase(), "12345678", base); err != nil || len(msgs) != 0 {
		t.Errorf("a reporter without e-mail or mobile got %d messages (%v)", len(msgs), err)
	}
}

// TestAgencyMailNamesTheCategory: the agency's new-case mail is in the
// bureau's language and names the category, not its code; it never carries
// the reporter's contact details (staff read those on the platform).
func TestAgencyMailNamesTheCategory(t *testing.T) {
	a := &model.Agency{NameZh: "天宁区市场监督管理局", Email: "tn@example.gov.cn", WebhookURL: "https://hooks.example.gov.cn/hm"}
	msgs, err := notices.Routed(a, report(locale.English, "reporter@example.com"), aCase(), nil, base)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("routed: %d messages, %v", len(msgs), err)
	}
	mail := msgs[0]
	if !strings.Contains(mail.Body, "问题：缺斤短两") || strings.Contains(mail.Body, "short_weight") {
		t.Errorf("agency mail: %q", mail.Body)
	}
	for _, m := range msgs {
		for _, secret := range []string{"13700000000", "王五", "reporter@example.com"} {
			if strings.Contains(m.Body, secret) {
				t.Errorf("%s message carries %q", m.Channel, secret)
			}
		}
	}
	if msgs[1].Channel != outbox.ChannelWebhook || !strings.Contains(msgs[1].Body, `"category":"short_weight"`) {
		t.Errorf("webhook: %+v", msgs[1])
	}
}

// TestStatusUpdateCarriesTheDetail: the reporter's update has the status
// and the step's explanation as given, in the printer's language.
func TestStatusUpdateCarriesTheDetail(t *testing.T) {
	l := locale.New(locale.English)
	u := notices.StatusUpdate{Locale: l, Status: l.T("case_public.not_accepted"), Detail: "Already handled by a court：另有诉讼"}
	msgs, err := notices.StatusChanged(nil, report(locale.English, "reporter@example.com"), aCase(), u, base)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("%d messages, %v", len(msgs), err)
	}
	m := msgs[0]
	if m.Subject != "[Honest Measure] Update on HM2604060001: Not accepted" || !strings.Contains(m.Body, "is now: Not accepted") ||
		!strings.Contains(m.Body, "另有诉讼") || m.Event != notices.EventCaseUpdated {
		t.Errorf("update: %q / %q", m.Subject, m.Body)
	}
	// The text message is short: the status and where to read more.
	var p outbox.SMSPayload
	if err := json.Unmarshal([]byte(msgs[1].Body), &p); err != nil || msgs[1].Recipient != "13700000000" ||
		p.Text != "[Honest Measure] Your report HM2604060001 is now: Not accepted. Details: "+base+"/track" || p.Template != notices.SMSStatusChanged {
		t.Errorf("update by SMS to %s: %+v %v", msgs[1].Recipient, p, err)
	}
}
