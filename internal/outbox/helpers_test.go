package outbox_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is the injected time of a test worker.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t.UTC().Truncate(time.Millisecond)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// receiver is a webhook endpoint that checks every signature and counts the
// deliveries it accepted per X-HonestMeasure-Delivery id.
type receiver struct {
	t      *testing.T
	secret []byte
	srv    *httptest.Server
	status atomic.Int32
	delay  time.Duration
	onPost func() // runs for every request, before it is answered

	mu       sync.Mutex
	requests int
	accepted map[string]int
	bodies   map[string]string
}

func newReceiver(t *testing.T, secret []byte, status int) *receiver {
	r := &receiver{t: t, secret: secret, accepted: map[string]int{}, bodies: map[string]string{}}
	r.status.Store(int32(status))
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	mac := hmac.New(sha256.New, r.secret)
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if got := req.Header.Get("X-HonestMeasure-Signature"); !hmac.Equal([]byte(got), []byte(want)) {
		r.t.Errorf("webhook signature %q, want %q", got, want)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
		r.t.Errorf("webhook %s with Content-Type %q", req.Method, req.Header.Get("Content-Type"))
	}
	id := req.Header.Get("X-HonestMeasure-Delivery")
	if id == "" {
		r.t.Error("webhook without X-HonestMeasure-Delivery")
	}
	if r.delay > 0 {
		time.Sleep(r.delay)
	}
	if r.onPost != nil {
		r.onPost()
	}
	status := int(r.status.Load())
	r.mu.Lock()
	r.requests++
	if status >= 200 && status < 300 {
		r.accepted[id]++
		r.bodies[id] = string(body)
	}
	r.mu.Unlock()
	w.WriteHeader(status)
}

func (r *receiver) counts() (requests int, accepted map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	accepted = map[string]int{}
	for k, v := range r.accepted {
		accepted[k] = v
	}
	return r.requests, accepted
}

// smtpServer speaks just enough SMTP to receive mail: no TLS, no AUTH.
type smtpServer struct {
	ln net.Listener
	wg sync.WaitGroup

	mu        sync.Mutex
	msgs      []smtpMessage
	authTried bool
	commands  []string          // every command received, in order
	replies   map[string]string // verb ("MAIL", "RCPT", "DATA", "." after the data) → reply instead of success
	starttls  bool              // advertise STARTTLS (the command itself is then refused: no certificate here)
}

// answer makes the server reply to verb with reply instead of succeeding.
func (s *smtpServer) answer(verb, reply string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.replies == nil {
		s.replies = map[string]string{}
	}
	s.replies[verb] = reply
}

// offerStartTLS makes EHLO advertise STARTTLS.
func (s *smtpServer) offerStartTLS() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.starttls = true
}

// received records cmd and returns the reply configured for verb, if any,
// and whether STARTTLS is advertised.
func (s *smtpServer) received(cmd, verb string) (reply string, starttls bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands = append(s.commands, cmd)
	return s.replies[verb], s.starttls
}

func (s *smtpServer) commandsSeen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...)
}

type smtpMessage struct {
	from string
	to   []string
	data []byte // as received, dot-unstuffed, LF line ends
}

func startSMTP(t *testing.T, addr string) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("start SMTP server on %s: %v", addr, err)
	}
	s := &smtpServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.handle(conn)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *smtpServer) handle(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	tp := textproto.NewConn(conn)
	reply := func(lines ...string) {
		for _, l := range lines {
			_ = tp.PrintfLine("%s", l)
		}
	}
	reply("220 mx.test ESMTP ready")
	var cur smtpMessage
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		cmd := strings.ToUpper(line)
		verb, _, _ := strings.Cut(cmd, " ")
		verb, _, _ = strings.Cut(verb, ":")
		override, starttls := s.received(cmd, verb)
		if override != "" {
			reply(override)
			continue
		}
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			if starttls {
				reply("250-mx.test", "250-STARTTLS", "250 8BITMIME")
			} else {
				reply("250-mx.test", "250 8BITMIME")
			}
		case cmd == "STARTTLS":
			reply("454 4.7.0 TLS not available")
		case strings.HasPrefix(cmd, "HELO"):
			reply("250 mx.test")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			cur = smtpMessage{from: angle(line)}
			reply("250 2.1.0 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			cur.to = append(cur.to, angle(line))
			reply("250 2.1.5 ok")
		case cmd == "DATA":
			reply("354 end with <CRLF>.<CRLF>")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			cur.data = data
			if end, _ := s.received(".", "."); end != "" {
				cur = smtpMessage{}
				reply(end)
				continue
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			s.mu.Unlock()
			cur = smtpMessage{}
			reply("250 2.0.0 queued")
		case strings.HasPrefix(cmd, "AUTH"):
			s.mu.Lock()
			s.authTried = true
			s.mu.Unlock()
			reply("502 5.5.1 AUTH not offered")
		case cmd == "RSET" || cmd == "NOOP":
			reply("250 ok")
		case cmd == "QUIT":
			reply("221 bye")
			return
		default:
			reply("500 5.5.2 unknown command")
		}
	}
}

func angle(line string) string {
	i, j := strings.IndexByte(line, '<'), strings.IndexByte(line, '>')
	if i < 0 || j < i {
		return ""
	}
	return line[i+1 : j]
}

func (s *smtpServer) messages() ([]smtpMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]smtpMessage(nil), s.msgs...), s.authTried
}

// freeAddr returns a loopback address nothing listens on (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// syncBuffer collects log output from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
