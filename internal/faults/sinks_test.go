package faults

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// deliveries counts what a receiver accepted per outbox id (the
// X-HonestMeasure-Delivery header every e-mail and webhook carries).
type deliveries struct {
	mu   sync.Mutex
	byID map[string]int
}

func (d *deliveries) add(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.byID == nil {
		d.byID = map[string]int{}
	}
	d.byID[id]++
}

func (d *deliveries) snapshot() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]int, len(d.byID))
	for k, v := range d.byID {
		out[k] = v
	}
	return out
}

// smtpSink speaks just enough SMTP to take mail on 127.0.0.1: no TLS, no
// AUTH (as internal/outbox's test server).
type smtpSink struct {
	addr string
	got  deliveries
}

func startSMTPSink(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.handle(t, conn)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return s
}

func (s *smtpSink) handle(t *testing.T, conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	tp := textproto.NewConn(conn)
	_ = tp.PrintfLine("220 sink.test ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		cmd := strings.ToUpper(line)
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			_ = tp.PrintfLine("250-sink.test")
			_ = tp.PrintfLine("250 8BITMIME")
		case strings.HasPrefix(cmd, "HELO"), strings.HasPrefix(cmd, "MAIL FROM:"), strings.HasPrefix(cmd, "RCPT TO:"),
			cmd == "RSET", cmd == "NOOP":
			_ = tp.PrintfLine("250 ok")
		case cmd == "DATA":
			_ = tp.PrintfLine("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			msg, err := mail.ReadMessage(bytes.NewReader(data))
			if err != nil || msg.Header.Get("X-HonestMeasure-Delivery") == "" {
				t.Errorf("e-mail without a delivery id: %v\n%s", err, data)
			} else {
				s.got.add(msg.Header.Get("X-HonestMeasure-Delivery"))
			}
			_ = tp.PrintfLine("250 queued")
		case cmd == "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("502 not here")
		}
	}
}

// webhookSink takes signed webhooks, refusing any whose signature is wrong.
type webhookSink struct {
	url string
	got deliveries
}

func startWebhookSink(t *testing.T, secret string) *webhookSink {
	t.Helper()
	w := &webhookSink{}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		if got, want := r.Header.Get("X-HonestMeasure-Signature"), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
			t.Errorf("webhook signature %q, want %q", got, want)
			http.Error(rw, "bad signature", http.StatusUnauthorized)
			return
		}
		w.got.add(r.Header.Get("X-HonestMeasure-Delivery"))
		rw.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	w.url = srv.URL
	return w
}
