package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"honestmeasure/internal/model"
)

// ChannelSMS sends a text message to a phone number through the city's SMS
// gateway: a signed JSON POST to Config.SMSWebhookURL.
const ChannelSMS = "sms"

// SMSPayload is the JSON body the SMS gateway receives, signed like a
// webhook (X-HonestMeasure-Signature, X-HonestMeasure-Delivery,
// X-HonestMeasure-Event). Gateways with registered templates (as carriers in
// China require) send Template with Params; others may send Text, the same
// message already rendered in Locale.
type SMSPayload struct {
	To       string            `json:"to"`       // 11-digit mainland mobile number
	Template string            `json:"template"` // e.g. account.signup_code
	Params   map[string]string `json:"params"`   // the template's variables, e.g. {"code": "123456", "minutes": "10"}
	Locale   string            `json:"locale"`   // zh-CN or en
	Text     string            `json:"text"`     // the whole message, rendered
}

// maxSMSText bounds a message: a few concatenated SMS parts, never a
// document.
const maxSMSText = 500

// SMS builds a text message to one phone number, for storage.Store.Enqueue.
// It is for any sender (sign-up codes, access codes, reminders): template
// and params name the message for gateways that need registered templates,
// text is the message itself.
func SMS(to, template string, params map[string]string, locale, text, event string) (model.OutboxMessage, error) {
	if to == "" || template == "" || text == "" {
		return model.OutboxMessage{}, errors.New("sms needs a number, a template and a text")
	}
	if utf8.RuneCountInString(text) > maxSMSText {
		return model.OutboxMessage{}, fmt.Errorf("sms text is %d characters long, at most %d", utf8.RuneCountInString(text), maxSMSText)
	}
	if params == nil {
		params = map[string]string{}
	}
	b, err := json.Marshal(SMSPayload{To: to, Template: template, Params: params, Locale: locale, Text: text})
	if err != nil {
		return model.OutboxMessage{}, err
	}
	return model.OutboxMessage{Channel: ChannelSMS, Recipient: to, Body: string(b), Event: event}, nil
}

// postSMS hands m to the gateway. Without a gateway URL the message waits
// (like e-mail without SMTP) until one is configured.
func postSMS(ctx context.Context, client *http.Client, cfg Config, m model.OutboxMessage) error {
	if cfg.SMSWebhookURL == "" {
		return errors.New("SMS is not configured (no SMS gateway URL)")
	}
	if len(cfg.SMSWebhookSecret) == 0 {
		return errors.New("SMS gateway secret is not configured")
	}
	gw := m
	gw.Recipient = cfg.SMSWebhookURL
	return postWebhook(ctx, client, cfg.SMSWebhookSecret, gw)
}
