package outbox

import (
	"bufio"
	"bytes"
	"mime"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/model"
)

func TestBackoffDoublesFromThirtySecondsToAnHourWithJitter(t *testing.T) {
	base := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour, time.Hour}
	for i, want := range base {
		n := i + 1
		lo, hi := time.Duration(float64(want)*0.8), time.Duration(float64(want)*1.2)
		var min, max time.Duration = hi, lo
		for range 200 {
			d := backoff(n)
			if d < lo || d > hi {
				t.Fatalf("backoff(%d) = %v, want within %v..%v", n, d, lo, hi)
			}
			min, max = minDur(min, d), maxDur(max, d)
		}
		if max-min < (hi-lo)/4 {
			t.Errorf("backoff(%d) spreads only %v..%v: no jitter?", n, min, max)
		}
	}
	if d := backoff(1000); d > 72*time.Minute {
		t.Errorf("backoff(1000) = %v, beyond the cap", d)
	}
}

func minDur(a, b time.Duration) time.Duration { return min(a, b) }
func maxDur(a, b time.Duration) time.Duration { return max(a, b) }

func TestSignMatchesRFC4231(t *testing.T) {
	// RFC 4231 test case 2.
	got := Sign([]byte("Jefe"), []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestLongChineseSubjectIsFoldedAndRoundTrips(t *testing.T) {
	subject := strings.Repeat("诚信计量示范单位复查通知", 25) // 300 characters, 900 bytes
	from, _ := mail.ParseAddress("noreply@hm.example.cn")
	to, _ := mail.ParseAddress("officer@example.cn")
	raw := buildEmail(from, to, model.OutboxMessage{ID: 7, Subject: subject + "\r\nBcc: x@example.cn", Body: "x"}, time.Now())
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(head), "\r\n") {
		if len(line) > 78 {
			t.Errorf("header line of %d octets: %q", len(line), line)
		}
		if strings.HasPrefix(strings.ToLower(line), "bcc:") {
			t.Errorf("subject injected a header: %q", line)
		}
	}
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	if err != nil {
		t.Fatal(err)
	}
	got, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || got != subject+" Bcc: x@example.cn" {
		t.Errorf("subject decodes to %q (%v)", got, err)
	}
	if h.Get("Message-Id") != "<outbox-7@hm.example.cn>" {
		t.Errorf("Message-ID %q", h.Get("Message-Id"))
	}
}
