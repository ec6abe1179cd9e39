package outbox_test

import (
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/outbox"
	"honestmeasure/internal/storage"
)

// A 5xx reply to the message (sender, recipient, content) is the server's
// final word: retrying only repeats it until the attempt budget runs out. A
// 4xx is the server asking to come back later.
func TestSMTPReplyDecidesWhetherToRetry(t *testing.T) {
	tests := []struct {
		verb, reply string
		permanent   bool
	}{
		{"RCPT", "550 5.1.1 no such mailbox", true},
		{"MAIL", "553 5.7.1 sender not allowed", true},
		{"DATA", "554 5.3.4 message too big", true},
		{".", "554 5.7.1 rejected as spam", true},
		{"RCPT", "450 4.2.1 mailbox busy", false},
		{"MAIL", "421 4.3.2 shutting down", false},
		{".", "451 4.3.0 try again later", false},
	}
	for _, tt := range tests {
		t.Run(tt.verb+" "+tt.reply[:3], func(t *testing.T) {
			st := newStore(t)
			smtpAddr := freeAddr(t)
			srv := startSMTP(t, smtpAddr)
			srv.answer(tt.verb, tt.reply)
			ids := enqueue(t, st, outbox.Email("reporter@example.cn", "主题", "正文", nil, "case.received"))
			clk := newClock(time.Now())
			w := &outbox.Worker{Store: st, Now: clk.Now, Config: outbox.Config{SMTPAddr: smtpAddr, From: fromAddr}}

			runOnce(t, w, 0, 1)
			m := message(t, st, ids[0])
			want := storage.OutboxPending
			if tt.permanent {
				want = storage.OutboxFailed
			}
			if m.Status != want || m.Attempts != 1 || !strings.Contains(m.LastError, tt.reply[:3]) {
				t.Fatalf("after %q: status %s, attempts %d, error %q; want %s naming the reply", tt.reply, m.Status, m.Attempts, m.LastError, want)
			}
			clk.Add(24 * time.Hour)
			retried := 0
			if !tt.permanent {
				retried = 1
			}
			runOnce(t, w, 0, retried)
			mails := 0
			for _, c := range srv.commandsSeen() {
				if strings.HasPrefix(c, "MAIL FROM:") {
					mails++
				}
			}
			if mails != 1+retried {
				t.Errorf("server saw %d MAIL FROM, want %d", mails, 1+retried)
			}
		})
	}
}

// With STARTTLS configured, a server that does not offer it, or fails it,
// gets nothing in clear: whoever strips STARTTLS from the EHLO answer on the
// way must not be handed the reporters' addresses and the mail's text.
func TestSTARTTLSIsRequiredWhenConfigured(t *testing.T) {
	tests := []struct {
		name      string
		offer     bool
		starttls  bool
		delivered bool
	}{
		{"not offered", false, true, false},
		{"offered but failing", true, true, false},
		{"not configured, plain relay", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t)
			smtpAddr := freeAddr(t)
			srv := startSMTP(t, smtpAddr)
			if tt.offer {
				srv.offerStartTLS()
			}
			ids := enqueue(t, st, outbox.Email("reporter@example.cn", "主题", "正文", nil, "case.received"))
			w := &outbox.Worker{Store: st, Config: outbox.Config{SMTPAddr: smtpAddr, From: fromAddr, SMTPTLS: tt.starttls}}
			if tt.delivered {
				runOnce(t, w, 1, 0)
				return
			}
			runOnce(t, w, 0, 1)
			m := message(t, st, ids[0])
			// Not permanent: the relay may be fixed, or the attacker gone.
			if m.Status != storage.OutboxPending || !strings.Contains(m.LastError, "STARTTLS") {
				t.Errorf("status %s, error %q; want pending, naming STARTTLS", m.Status, m.LastError)
			}
			for _, c := range srv.commandsSeen() {
				if strings.HasPrefix(c, "MAIL") || strings.HasPrefix(c, "RCPT") || c == "DATA" {
					t.Errorf("sent %q in clear", c)
				}
			}
			if mails, _ := srv.messages(); len(mails) != 0 {
				t.Errorf("%d mails received in clear", len(mails))
			}
		})
	}
}
