package outbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/outbox"
	"honestmeasure/internal/storage"
)

var smsSecret = []byte("test-sms-gateway-secret")

// TestSMSGoesToTheGatewaySignedAndDocumented: a text message reaches a
// gateway on 127.0.0.1 as the documented JSON, signed with the SMS key, with
// the delivery id; the log never shows the number or the text.
func TestSMSGoesToTheGatewaySignedAndDocumented(t *testing.T) {
	st := newStore(t)
	gw := newReceiver(t, smsSecret, http.StatusOK)
	text := "【诚信计量】您的验证码是 493027，10 分钟内有效。"
	m, err := outbox.SMS("13812345678", "account.signup_code", map[string]string{"code": "493027", "minutes": "10"}, "zh-CN", text, "account.signup_code")
	if err != nil {
		t.Fatal(err)
	}
	ids := enqueue(t, st, m)
	var logs bytes.Buffer
	w := &outbox.Worker{Store: st, Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Config: outbox.Config{SMSWebhookURL: gw.srv.URL + "/send?token=gw-token", SMSWebhookSecret: smsSecret, WebhookSecret: []byte("another-key")}}
	runOnce(t, w, 1, 0)
	id := strconv.FormatInt(ids[0], 10)
	_, accepted := gw.counts()
	if accepted[id] != 1 {
		t.Fatalf("gateway accepted %v, want delivery %s once", accepted, id)
	}
	var got outbox.SMSPayload
	if err := json.Unmarshal([]byte(gw.bodies[id]), &got); err != nil {
		t.Fatal(err)
	}
	if got.To != "13812345678" || got.Template != "account.signup_code" || got.Params["code"] != "493027" || got.Params["minutes"] != "10" ||
		got.Locale != "zh-CN" || got.Text != text {
		t.Fatalf("payload %+v", got)
	}
	for _, want := range []string{`"to":`, `"template":`, `"params":`, `"locale":`, `"text":`} {
		if !strings.Contains(gw.bodies[id], want) {
			t.Errorf("payload %s lacks %s", gw.bodies[id], want)
		}
	}
	if s := logs.String(); strings.Contains(s, "13812345678") || strings.Contains(s, "493027") || strings.Contains(s, "gw-token") {
		t.Fatalf("log shows the number, the code or the gateway token:\n%s", s)
	}
	if m := message(t, st, ids[0]); m.Status != storage.OutboxDelivered {
		t.Fatalf("status %s", m.Status)
	}
}

// Without a gateway a text waits, like e-mail without SMTP; a gateway that
// refuses the request (4xx) is not asked again; a URL without a key is
// refused at start-up.
func TestSMSWithoutGatewayWaitsAndRefusalsAreFinal(t *testing.T) {
	st := newStore(t)
	m, err := outbox.SMS("13812345678", "reminder", nil, "zh-CN", "提醒", "unit.reminder")
	if err != nil {
		t.Fatal(err)
	}
	ids := enqueue(t, st, m)
	clk := newClock(time.Now())
	runOnce(t, &outbox.Worker{Store: st, Now: clk.Now}, 0, 1)
	if got := message(t, st, ids[0]); got.Status != storage.OutboxPending || !strings.Contains(got.LastError, "SMS is not configured") {
		t.Fatalf("unconfigured: %s %q", got.Status, got.LastError)
	}
	gw := newReceiver(t, smsSecret, http.StatusBadRequest)
	clk.Add(time.Hour)
	w := &outbox.Worker{Store: st, Now: clk.Now, Config: outbox.Config{SMSWebhookURL: gw.srv.URL, SMSWebhookSecret: smsSecret}}
	runOnce(t, w, 0, 1)
	if got := message(t, st, ids[0]); got.Status != storage.OutboxFailed {
		t.Fatalf("after a 400: %s, want failed for good", got.Status)
	}
	if _, _, err := (&outbox.Worker{Store: st, Config: outbox.Config{SMSWebhookURL: gw.srv.URL}}).RunOnce(context.Background()); err == nil {
		t.Error("an SMS gateway without a key was accepted")
	}
	if _, _, err := (&outbox.Worker{Store: st, Config: outbox.Config{SMSWebhookURL: "gateway.local/send", SMSWebhookSecret: smsSecret}}).RunOnce(context.Background()); err == nil {
		t.Error("a relative SMS gateway URL was accepted")
	}
	for _, bad := range []struct{ to, tpl, text string }{{"", "t", "x"}, {"1", "", "x"}, {"1", "t", ""}, {"1", "t", strings.Repeat("长", 501)}} {
		if _, err := outbox.SMS(bad.to, bad.tpl, nil, "zh-CN", bad.text, "e"); err == nil {
			t.Errorf("SMS(%q, %q, %d chars) accepted", bad.to, bad.tpl, len(bad.text))
		}
	}
}
