package outbox_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/storage"
)

var secret = []byte("test-webhook-secret")

const (
	zhSubject = "计量举报已受理：案件 HM-2026-000123（短秤）"
	zhBody    = "您好：\n\n您于今日提交的举报已登记，我们将在15个工作日内核查。\n诚信计量，人人有责。\n"
	fromAddr  = "常州诚信计量 <noreply@hm.example.cn>"
)

func newStore(t *testing.T) *storage.Store {
	t.Helper()
	return storage.New(dbtest.Open(t))
}

func enqueue(t *testing.T, st *storage.Store, msgs ...model.OutboxMessage) []int64 {
	t.Helper()
	ctx := context.Background()
	var before []int64
	if err := st.DB().Model(&model.OutboxMessage{}).Pluck("id", &before).Error; err != nil {
		t.Fatal(err)
	}
	// The way callers do it: inside the transaction of the change.
	if err := st.Tx(ctx, func(tx *storage.Store) error { return tx.Enqueue(ctx, msgs...) }); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := st.DB().Model(&model.OutboxMessage{}).Where("id NOT IN ?", append(before, 0)).Order("id").Pluck("id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	if len(ids) != len(msgs) {
		t.Fatalf("enqueued %d messages, found %d", len(msgs), len(ids))
	}
	return ids
}

func webhook(t *testing.T, url string, payload any) model.OutboxMessage {
	t.Helper()
	m, err := outbox.Webhook(url, payload, nil, "case.received")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func message(t *testing.T, st *storage.Store, id int64) *model.OutboxMessage {
	t.Helper()
	m, err := st.OutboxByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func runOnce(t *testing.T, w *outbox.Worker, wantDelivered, wantFailed int) {
	t.Helper()
	d, f, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if d != wantDelivered || f != wantFailed {
		t.Fatalf("RunOnce delivered %d, failed %d; want %d, %d", d, f, wantDelivered, wantFailed)
	}
}

// latestDue moves the clock just past the latest next_attempt_at of ids.
func latestDue(t *testing.T, st *storage.Store, ids []int64) time.Time {
	t.Helper()
	var last time.Time
	for _, id := range ids {
		if n := message(t, st, id).NextAttemptAt; n.After(last) {
			last = n
		}
	}
	return last.Add(time.Millisecond)
}

func TestDownAtFirstThenUpDeliversEachMessageExactlyOnce(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	smtpAddr := freeAddr(t) // nothing listens here yet
	rcv := newReceiver(t, secret, 503)
	hookURL := rcv.srv.URL + "/hooks/agency?token=receiver-access-token"

	var msgs []model.OutboxMessage
	for i := range 3 {
		msgs = append(msgs, outbox.Email(fmt.Sprintf("officer%d@tianning.example.gov.cn", i), zhSubject, zhBody, nil, "case.received"))
		msgs = append(msgs, webhook(t, hookURL, map[string]any{"tracking": fmt.Sprintf("HM-%d", i), "summary": "电子计价秤短秤"}))
	}
	ids := enqueue(t, st, msgs...)
	recipient := map[int64]string{}
	for i, id := range ids {
		recipient[id] = msgs[i].Recipient
	}

	var logs syncBuffer
	clk := newClock(time.Now())
	w := &outbox.Worker{
		Store:  st,
		Config: outbox.Config{SMTPAddr: smtpAddr, From: fromAddr, WebhookSecret: secret},
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    clk.Now,
	}

	// Down: every try fails, is recorded, and pushes the next try further out.
	prevWait := map[int64]time.Duration{}
	for round := 1; round <= 3; round++ {
		runOnce(t, w, 0, 6)
		now := clk.Now()
		for _, id := range ids {
			m := message(t, st, id)
			if m.Status != storage.OutboxPending || m.Attempts != round || m.LastError == "" || m.LockedUntil != nil || m.DeliveredAt != nil {
				t.Fatalf("round %d, message %d: status %s, attempts %d, error %q, locked %v", round, id, m.Status, m.Attempts, m.LastError, m.LockedUntil)
			}
			wait := m.NextAttemptAt.Sub(now)
			if wait <= prevWait[id] {
				t.Errorf("round %d, message %d: next try in %v, not later than the previous %v", round, id, wait, prevWait[id])
			}
			prevWait[id] = wait
			atts, err := st.OutboxAttempts(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(atts) != round {
				t.Fatalf("message %d: %d attempts recorded, want %d", id, len(atts), round)
			}
			for _, a := range atts {
				if a.OK || a.Error == "" {
					t.Errorf("message %d: attempt %+v should be a failure with its error", id, a)
				}
			}
			if strings.Contains(m.LastError, "receiver-access-token") {
				t.Errorf("last error quotes the webhook URL: %q", m.LastError)
			}
		}
		// Nothing is due before the back-off ends.
		runOnce(t, w, 0, 0)
		clk.Set(latestDue(t, st, ids))
	}
	if n, _ := rcv.counts(); n != 9 {
		t.Errorf("webhook receiver saw %d requests while down, want 9", n)
	}

	// Up: the same port now answers, the receiver accepts.
	srv := startSMTP(t, smtpAddr)
	rcv.status.Store(200)
	runOnce(t, w, 6, 0)
	for range 3 {
		clk.Add(2 * time.Hour)
		runOnce(t, w, 0, 0)
	}

	for _, id := range ids {
		m := message(t, st, id)
		if m.Status != storage.OutboxDelivered || m.DeliveredAt == nil || m.Attempts != 4 || m.LockedUntil != nil {
			t.Errorf("message %d: status %s, delivered %v, attempts %d", id, m.Status, m.DeliveredAt, m.Attempts)
		}
		atts, _ := st.OutboxAttempts(ctx, id)
		if len(atts) != 4 || !atts[3].OK {
			t.Errorf("message %d: attempts %+v, want 3 failures then a success", id, atts)
		}
	}
	counts, err := st.OutboxCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts[storage.OutboxDelivered] != 6 || counts[storage.OutboxPending] != 0 || counts[storage.OutboxFailed] != 0 {
		t.Errorf("counts %v", counts)
	}

	// Webhooks: exactly one accepted delivery per outbox id.
	_, accepted := rcv.counts()
	for i, id := range ids {
		if msgs[i].Channel != outbox.ChannelWebhook {
			continue
		}
		if n := accepted[strconv.FormatInt(id, 10)]; n != 1 {
			t.Errorf("webhook %d accepted %d times, want 1", id, n)
		}
	}
	if len(accepted) != 3 {
		t.Errorf("webhook deliveries %v, want 3 ids", accepted)
	}

	// E-mail: exactly one per outbox id, decodable, Chinese intact.
	mails, authTried := srv.messages()
	if authTried {
		t.Error("client tried AUTH without a configured user")
	}
	perID := map[int64]int{}
	msgID := regexp.MustCompile(`^<outbox-(\d+)@hm\.example\.cn>$`)
	for _, sm := range mails {
		msg, err := mail.ReadMessage(bytes.NewReader(sm.data))
		if err != nil {
			t.Fatalf("received mail does not parse: %v\n%s", err, sm.data)
		}
		mm := msgID.FindStringSubmatch(msg.Header.Get("Message-ID"))
		if mm == nil {
			t.Fatalf("Message-ID %q", msg.Header.Get("Message-ID"))
		}
		id, _ := strconv.ParseInt(mm[1], 10, 64)
		perID[id]++
		if len(sm.to) != 1 || sm.to[0] != recipient[id] || sm.from != "noreply@hm.example.cn" {
			t.Errorf("envelope from %q to %v, want %q", sm.from, sm.to, recipient[id])
		}
		if to, err := mail.ParseAddress(msg.Header.Get("To")); err != nil || to.Address != recipient[id] {
			t.Errorf("To header %q", msg.Header.Get("To"))
		}
		if from, err := mail.ParseAddress(msg.Header.Get("From")); err != nil || from.Name != "常州诚信计量" || from.Address != "noreply@hm.example.cn" {
			t.Errorf("From header %q: %v %v", msg.Header.Get("From"), from, err)
		}
		if _, err := msg.Header.Date(); err != nil {
			t.Errorf("Date header: %v", err)
		}
		for _, c := range []byte(msg.Header.Get("Subject")) {
			if c < ' ' || c > '~' {
				t.Fatalf("raw Subject header is not MIME-encoded ASCII: %q", msg.Header.Get("Subject"))
			}
		}
		subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || subj != zhSubject {
			t.Errorf("subject %q (%v), want %q", subj, err, zhSubject)
		}
		mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if err != nil || mt != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
			t.Errorf("Content-Type %q", msg.Header.Get("Content-Type"))
		}
		if cte := msg.Header.Get("Content-Transfer-Encoding"); cte != "base64" {
			t.Fatalf("Content-Transfer-Encoding %q", cte)
		}
		raw, _ := io.ReadAll(msg.Body)
		dec, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(raw)), ""))
		if err != nil {
			t.Fatalf("body is not base64: %v", err)
		}
		if got := strings.ReplaceAll(string(dec), "\r\n", "\n"); got != zhBody {
			t.Errorf("body %q, want %q", got, zhBody)
		}
		if strings.Contains(string(dec), "\n") && !strings.Contains(string(dec), "\r\n") {
			t.Error("body lines do not end in CRLF")
		}
	}
	if len(mails) != 3 || len(perID) != 3 {
		t.Errorf("received %d mails for ids %v, want 3 distinct", len(mails), perID)
	}
	for id, n := range perID {
		if n != 1 {
			t.Errorf("mail for message %d received %d times", id, n)
		}
	}

	// Logs name messages, never their recipients or content.
	out := logs.String()
	if !strings.Contains(out, `"outbox_id"`) || !strings.Contains(out, "delivered") {
		t.Errorf("logs lack outbox ids or deliveries:\n%s", out)
	}
	for _, secret := range []string{"officer", "tianning", "receiver-access-token", "短秤", "举报", "HM-0"} {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain %q:\n%s", secret, out)
		}
	}
}

func TestPermanentFailuresGiveUpAfterOneAttempt(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	rcv := newReceiver(t, secret, 410)
	smtpAddr := freeAddr(t)
	srv := startSMTP(t, smtpAddr)
	ids := enqueue(t, st,
		webhook(t, rcv.srv.URL, map[string]string{"event": "gone"}),
		// A header injection attempt is no address at all.
		outbox.Email("officer@example.cn\r\nBcc: everyone@example.cn", "s", "b", nil, "case.received"),
	)
	clk := newClock(time.Now())
	w := &outbox.Worker{Store: st, Now: clk.Now,
		Config: outbox.Config{SMTPAddr: smtpAddr, From: fromAddr, WebhookSecret: secret}}

	runOnce(t, w, 0, 2)
	for _, id := range ids {
		m := message(t, st, id)
		if m.Status != storage.OutboxFailed || m.Attempts != 1 || m.LastError == "" {
			t.Errorf("message %d: status %s, attempts %d, error %q; want failed after 1", id, m.Status, m.Attempts, m.LastError)
		}
		if atts, _ := st.OutboxAttempts(ctx, id); len(atts) != 1 || atts[0].OK {
			t.Errorf("message %d: attempts %+v", id, atts)
		}
	}
	if !strings.Contains(message(t, st, ids[0]).LastError, "410") {
		t.Errorf("last error %q does not name the status", message(t, st, ids[0]).LastError)
	}
	clk.Add(24 * time.Hour)
	runOnce(t, w, 0, 0)
	if n, _ := rcv.counts(); n != 1 {
		t.Errorf("receiver saw %d requests, want 1", n)
	}
	if mails, _ := srv.messages(); len(mails) != 0 {
		t.Errorf("%d mails sent to an invalid address", len(mails))
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	st := newStore(t)
	rcv := newReceiver(t, secret, 429) // retryable, but never better
	down := "http://" + freeAddr(t) + "/hook?token=receiver-access-token"
	ids := enqueue(t, st,
		webhook(t, rcv.srv.URL, map[string]int{"n": 1}),
		webhook(t, down, map[string]int{"n": 2}),
	)
	clk := newClock(time.Now())
	w := &outbox.Worker{Store: st, Now: clk.Now,
		Config: outbox.Config{WebhookSecret: secret, MaxAttempts: 3}}
	for round := 1; round <= 3; round++ {
		runOnce(t, w, 0, 2)
		want := storage.OutboxPending
		if round == 3 {
			want = storage.OutboxFailed
		}
		for _, id := range ids {
			if m := message(t, st, id); m.Status != want || m.Attempts != round {
				t.Fatalf("round %d, message %d: status %s, attempts %d; want %s", round, id, m.Status, m.Attempts, want)
			}
		}
		clk.Set(latestDue(t, st, ids))
	}
	clk.Add(24 * time.Hour)
	runOnce(t, w, 0, 0)
	if n, _ := rcv.counts(); n != 3 {
		t.Errorf("receiver saw %d requests, want 3", n)
	}
	if e := message(t, st, ids[1]).LastError; strings.Contains(e, "token") || strings.Contains(e, "/hook") {
		t.Errorf("network error quotes the webhook URL: %q", e)
	}
}

func TestMessagesWhoseLeaseWouldRunOutAreLeftForTheNextClaim(t *testing.T) {
	st := newStore(t)
	rcv := newReceiver(t, secret, 200)
	ids := enqueue(t, st,
		webhook(t, rcv.srv.URL, map[string]int{"n": 1}),
		webhook(t, rcv.srv.URL, map[string]int{"n": 2}),
	)
	clk := newClock(time.Now())
	start := clk.Now()
	rcv.onPost = func() { clk.Add(15 * time.Second) } // each delivery is slow
	w := &outbox.Worker{Store: st, Now: clk.Now,
		Config: outbox.Config{WebhookSecret: secret, Lease: 20 * time.Second, HTTPTimeout: 10 * time.Second}}

	// After the first delivery the lease has 5 s left, less than the
	// timeout: the second message is not started, and not marked failed.
	runOnce(t, w, 1, 0)
	m := message(t, st, ids[1])
	if m.Status != storage.OutboxPending || m.Attempts != 0 || m.LockedUntil == nil || !m.LockedUntil.Equal(start.Add(20*time.Second)) {
		t.Fatalf("second message after the first round: %+v", m)
	}
	runOnce(t, w, 0, 0) // still leased
	clk.Set(start.Add(20*time.Second + time.Millisecond))
	runOnce(t, w, 1, 0)
	if _, accepted := rcv.counts(); len(accepted) != 2 || accepted[strconv.FormatInt(ids[0], 10)] != 1 || accepted[strconv.FormatInt(ids[1], 10)] != 1 {
		t.Errorf("deliveries %v", accepted)
	}
}

func TestConcurrentWorkersNeverDeliverTwice(t *testing.T) {
	const perChannel = 25
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st := newStore(t)
	rcv := newReceiver(t, secret, 200)
	rcv.delay = 2 * time.Millisecond // widen the window between claim and record
	smtpAddr := freeAddr(t)
	srv := startSMTP(t, smtpAddr)
	var msgs []model.OutboxMessage
	for i := range perChannel {
		msgs = append(msgs, outbox.Email(fmt.Sprintf("o%d@example.cn", i), "主题", "正文", nil, "case.received"))
		msgs = append(msgs, webhook(t, rcv.srv.URL, map[string]int{"i": i}))
	}
	enqueue(t, st, msgs...)

	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 4 {
		w := &outbox.Worker{Store: st, Config: outbox.Config{SMTPAddr: smtpAddr, From: fromAddr, WebhookSecret: secret}}
		wg.Go(func() {
			for ctx.Err() == nil {
				d, f, err := w.RunOnce(ctx)
				if err != nil {
					t.Errorf("RunOnce: %v", err)
					return
				}
				if f != 0 {
					t.Errorf("%d failures", f)
				}
				mu.Lock()
				total += d
				mu.Unlock()
				if d == 0 {
					c, err := st.OutboxCounts(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if c[storage.OutboxPending] == 0 {
						return
					}
					time.Sleep(5 * time.Millisecond) // others hold the rest
				}
			}
		})
	}
	wg.Wait()
	if total != 2*perChannel {
		t.Errorf("workers delivered %d, want %d", total, 2*perChannel)
	}
	if _, accepted := rcv.counts(); len(accepted) != perChannel {
		t.Errorf("%d webhook ids delivered, want %d", len(accepted), perChannel)
	} else {
		for id, n := range accepted {
			if n != 1 {
				t.Errorf("webhook %s delivered %d times", id, n)
			}
		}
	}
	mails, _ := srv.messages()
	seen := map[string]int{}
	for _, m := range mails {
		msg, err := mail.ReadMessage(bytes.NewReader(m.data))
		if err != nil {
			t.Fatal(err)
		}
		seen[msg.Header.Get("Message-ID")]++
	}
	if len(mails) != perChannel || len(seen) != perChannel {
		t.Errorf("%d mails with %d distinct ids, want %d", len(mails), len(seen), perChannel)
	}
}

func TestRunDeliversUntilCancelled(t *testing.T) {
	st := newStore(t)
	rcv := newReceiver(t, secret, 200)
	ids := enqueue(t, st, webhook(t, rcv.srv.URL, map[string]int{"n": 1}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	w := &outbox.Worker{Store: st, Config: outbox.Config{WebhookSecret: secret, Poll: 10 * time.Millisecond}}
	go func() { done <- w.Run(ctx) }()

	deadline := time.Now().Add(5 * time.Second)
	for message(t, st, ids[0]).Status != storage.OutboxDelivered {
		if time.Now().After(deadline) {
			t.Fatal("Run did not deliver within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// A message enqueued while it runs goes out on a later tick.
	more := enqueue(t, st, webhook(t, rcv.srv.URL, map[string]int{"n": 2}))
	for message(t, st, more[0]).Status != storage.OutboxDelivered {
		if time.Now().After(deadline) {
			t.Fatal("Run did not deliver the second message within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v after cancel", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestUnconfiguredChannelsWaitAndBadConfigIsRefused(t *testing.T) {
	st := newStore(t)
	ids := enqueue(t, st,
		outbox.Email("officer@example.cn", "s", "b", nil, "case.received"),
		webhook(t, "https://agency.example.cn/hook", map[string]int{"n": 1}),
	)
	w := &outbox.Worker{Store: st} // no SMTP server, no webhook secret
	runOnce(t, w, 0, 2)
	for _, id := range ids {
		if m := message(t, st, id); m.Status != storage.OutboxPending || !strings.Contains(m.LastError, "not configured") {
			t.Errorf("message %d: status %s, error %q; want pending, not configured", id, m.Status, m.LastError)
		}
	}

	for name, cfg := range map[string]outbox.Config{
		"lease shorter than timeout": {Lease: 5 * time.Second, HTTPTimeout: 10 * time.Second},
		"bad sender":                 {SMTPAddr: "127.0.0.1:25", From: "not an address"},
		"bad SMTP address":           {SMTPAddr: "mail.example.cn", From: fromAddr},
		"password in clear":          {SMTPAddr: "mail.example.cn:587", From: fromAddr, SMTPUser: "hm", SMTPPassword: "pw"},
	} {
		w := &outbox.Worker{Store: st, Config: cfg}
		if _, _, err := w.RunOnce(context.Background()); err == nil {
			t.Errorf("%s: RunOnce accepted the config", name)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := w.Run(ctx)
		cancel()
		if err == nil {
			t.Errorf("%s: Run accepted the config", name)
		}
	}
}

func TestWebhookHelperRejectsBadInput(t *testing.T) {
	if _, err := outbox.Webhook("ftp://example.cn/x", 1, nil, "e"); err == nil {
		t.Error("ftp URL accepted")
	}
	if _, err := outbox.Webhook("/relative", 1, nil, "e"); err == nil {
		t.Error("relative URL accepted")
	}
	if _, err := outbox.Webhook("https://example.cn/x", func() {}, nil, "e"); err == nil {
		t.Error("unmarshallable payload accepted")
	}
	m, err := outbox.Webhook("https://example.cn/x", map[string]string{"a": "计量"}, nil, "e")
	if err != nil || m.Body != `{"a":"计量"}` || m.Channel != outbox.ChannelWebhook {
		t.Errorf("Webhook = %+v, %v", m, err)
	}
}
