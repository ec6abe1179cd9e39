package outbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"honestmeasure/internal/model"
)

// Headers of a webhook POST. The signature lets the receiver check that the
// body came from us unchanged; the delivery id lets it drop a repeat.
const (
	HeaderSignature = "X-HonestMeasure-Signature"
	HeaderDelivery  = "X-HonestMeasure-Delivery"
	HeaderEvent     = "X-HonestMeasure-Event"
)

// Sign returns the X-HonestMeasure-Signature value of body: "sha256=" and
// the hex HMAC-SHA256 of body under secret.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// postWebhook POSTs m.Body to m.Recipient. Any 2xx is success. A 4xx other
// than 408 and 429 means the receiver refuses this request as it is, so it
// is permanent; network errors, other statuses (5xx, 408, 429, and 3xx, as
// redirects are not followed) are worth retrying.
func postWebhook(ctx context.Context, client *http.Client, secret []byte, m model.OutboxMessage) error {
	if len(secret) == 0 {
		// Unsigned notifications could be forged by anyone who knows the
		// receiver's URL; wait until the operator sets a secret.
		return errors.New("webhook secret is not configured")
	}
	if err := checkWebhookURL(m.Recipient); err != nil {
		return permanent(err)
	}
	body := []byte(m.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Recipient, bytes.NewReader(body))
	if err != nil {
		return permanent(errors.New("webhook request cannot be built"))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "HonestMeasure-Outbox/1")
	req.Header.Set(HeaderSignature, Sign(secret, body))
	req.Header.Set(HeaderDelivery, strconv.FormatInt(m.ID, 10))
	req.Header.Set(HeaderEvent, m.Event)
	resp, err := client.Do(req)
	if err != nil {
		// *url.Error quotes the URL, which may carry the receiver's token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("webhook: %v", err)
	}
	// Reading the body (up to a limit) lets the connection be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests:
		return fmt.Errorf("webhook answered HTTP %s", resp.Status)
	case code >= 400 && code < 500:
		return permanent(fmt.Errorf("webhook answered HTTP %s", resp.Status))
	default:
		return fmt.Errorf("webhook answered HTTP %s", resp.Status)
	}
}
