package outbox_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/storage"
)

// TestOperatorListsAndRetries walks a message from given up to retried to
// delivered, as the admin's outbox page drives it.
func TestOperatorListsAndRetries(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	log, err := audit.New([]byte("audit-key-for-tests-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	admin := &model.User{Login: "admin@example.cn", Role: model.RoleCityAdmin, PasswordHash: "x"}
	if err := st.CreateUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	who := audit.Actor{User: admin, IP: "10.0.0.1"}
	r := newReceiver(t, secret, http.StatusBadRequest) // final: given up at once
	ids := enqueue(t, st, webhook(t, r.srv.URL+"/hook?token=s3cret", map[string]string{"k": "v"}),
		outbox.Email("zhang.san@example.cn", "s", "b", nil, "case.received"))
	// After the enqueueing (due at the real now), whatever the engine rounds.
	clk := newClock(time.Now().Add(time.Second))
	op := &outbox.Operator{Store: st, Audit: log, Now: clk.Now}
	var told []string
	w := &outbox.Worker{Store: st, Config: outbox.Config{WebhookSecret: secret}, Now: clk.Now,
		Attempted: func(channel, result string) { told = append(told, channel+"/"+result) }}
	runOnce(t, w, 0, 2) // the e-mail waits for a relay
	if strings.Join(told, ",") != "webhook/given_up,email/retry" {
		t.Fatalf("attempts told: %v", told)
	}

	l, err := op.List(ctx, who, storage.OutboxFailed, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if l.Total != 1 || len(l.Messages) != 1 || l.Counts[storage.OutboxFailed] != 1 || l.Counts[storage.OutboxPending] != 1 {
		t.Fatalf("failed list: %+v", l)
	}
	m := l.Messages[0]
	if m.ID != ids[0] || m.Attempts != 1 || m.LastError == "" || m.Recipient != "http://"+r.srv.Listener.Addr().String()+"/…" {
		t.Errorf("listed: %+v", m)
	}
	if strings.Contains(m.LastError, "s3cret") {
		t.Errorf("last error shows the webhook's token: %q", m.LastError)
	}
	pending, err := op.List(ctx, who, storage.OutboxPending, outbox.ChannelEmail, 1)
	if err != nil || pending.Total != 1 || pending.Messages[0].Recipient != "z***@example.cn" {
		t.Fatalf("pending e-mails: %+v %v", pending, err)
	}

	for _, nobody := range []audit.Actor{{}, {User: &model.User{ID: 99, Role: model.RoleOfficer}}} {
		if _, err := op.List(ctx, nobody, storage.OutboxFailed, "", 1); !fail.Is(err, fail.NotFound) {
			t.Errorf("list as %+v: %v", nobody.User, err)
		}
		if err := op.Retry(ctx, nobody, ids[0]); !fail.Is(err, fail.NotFound) {
			t.Errorf("retry as %+v: %v", nobody.User, err)
		}
	}

	if err := op.Retry(ctx, who, ids[0]); err != nil {
		t.Fatal(err)
	}
	got := message(t, st, ids[0])
	if got.Status != storage.OutboxPending || got.Attempts != 0 || got.NextAttemptAt.After(clk.Now()) {
		t.Fatalf("after retry: %+v", got)
	}
	entries, n, err := st.AuditSearch(ctx, storage.AuditFilter{ObjectType: audit.ObjectOutboxMessage, ObjectID: strconv.FormatInt(ids[0], 10), Page: 1, PerPage: 10})
	if err != nil || n != 1 || entries[0].Action != audit.ActionOutboxRetry || entries[0].ActorUserID == nil || *entries[0].ActorUserID != admin.ID {
		t.Fatalf("audit: %d entries %+v %v", n, entries, err)
	}
	if strings.Contains(*entries[0].BeforeJSON, "127.0.0.1") {
		t.Errorf("audit entry holds the recipient: %s", *entries[0].BeforeJSON)
	}

	r.status.Store(http.StatusOK)
	told = nil
	runOnce(t, w, 1, 0)
	if strings.Join(told, ",") != "webhook/delivered" {
		t.Fatalf("attempts told: %v", told)
	}
	if err := op.Retry(ctx, who, ids[0]); !errors.Is(err, outbox.ErrNotRetryable) {
		t.Errorf("retry of a delivered message: %v", err)
	}
	if err := op.Retry(ctx, who, 1<<40); !fail.Is(err, fail.NotFound) {
		t.Errorf("retry of no message: %v", err)
	}

	// A message a worker holds is not reset under it.
	clk.Add(time.Hour)
	if _, err := st.ClaimDue(ctx, clk.Now(), time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	if err := op.Retry(ctx, who, ids[1]); !errors.Is(err, outbox.ErrNotRetryable) {
		t.Errorf("retry of a leased message: %v", err)
	}
	if l, _ := op.List(ctx, who, storage.OutboxPending, "", 1); len(l.Messages) != 1 || !l.Messages[0].Leased {
		t.Errorf("leased message not shown as such: %+v", l)
	}
}

func TestMaskRecipient(t *testing.T) {
	for _, tc := range []struct{ channel, to, want string }{
		{outbox.ChannelSMS, "13812345678", "138****5678"},
		{outbox.ChannelSMS, "123", "***"},
		{outbox.ChannelEmail, "zhang.san@example.cn", "z***@example.cn"},
		{outbox.ChannelEmail, "张三@例子.中国", "张***@例子.中国"},
		{outbox.ChannelEmail, "@x", "***"},
		{outbox.ChannelWebhook, "https://hooks.example.cn/a/b?token=x", "https://hooks.example.cn/…"},
		{outbox.ChannelWebhook, "not a url", "***"},
	} {
		if got := outbox.MaskRecipient(tc.channel, tc.to); got != tc.want {
			t.Errorf("MaskRecipient(%s, %q) = %q, want %q", tc.channel, tc.to, got, tc.want)
		}
	}
}
