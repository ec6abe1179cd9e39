package outbox

import (
	"encoding/json"
	"fmt"
	"net/url"

	"honestmeasure/internal/model"
)

// Email builds a plain-text e-mail to one address, for storage.Store.Enqueue.
// An address the mail system cannot use makes delivery fail for good.
func Email(to, subject, body string, caseID *int64, event string) model.OutboxMessage {
	return model.OutboxMessage{
		Channel:   ChannelEmail,
		Recipient: to,
		Subject:   subject,
		Body:      body,
		Event:     event,
		CaseID:    caseID,
	}
}

// Webhook builds a signed JSON POST of payload to url, for
// storage.Store.Enqueue. The payload is marshalled now, so the receiver gets
// the state at the time of the change, not at the time of delivery.
func Webhook(url string, payload any, caseID *int64, event string) (model.OutboxMessage, error) {
	if err := checkWebhookURL(url); err != nil {
		return model.OutboxMessage{}, err
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return model.OutboxMessage{}, fmt.Errorf("webhook payload for %s: %w", event, err)
	}
	return model.OutboxMessage{
		Channel:   ChannelWebhook,
		Recipient: url,
		Body:      string(b),
		Event:     event,
		CaseID:    caseID,
	}, nil
}

// checkWebhookURL accepts absolute http(s) URLs. Its errors never quote the
// URL, which may hold a receiver's access token.
func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("webhook URL does not parse")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("webhook URL must be an absolute http or https URL")
	}
	return nil
}
