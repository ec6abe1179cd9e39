// Package outbox delivers the notifications that other packages write to
// the outbox table — e-mail, signed webhooks, and text messages through the
// SMS gateway's signed webhook — and records every try.
//
// A change and the message announcing it are stored in one transaction:
// the caller builds the message with Email or Webhook and passes it to
// storage.Store.Enqueue on the Store of its own transaction. The Worker then
// delivers it, outside any transaction, from whichever instance claims it
// first. The package decides neither who is told nor what they are told, and
// it never logs message bodies or recipients (reporters' contact data may be
// among them): logs carry ids, channel, event, attempt and error.
//
// Delivery is at least once. A message whose success has been recorded is
// never sent again: its row is delivered and no longer claimable. The one
// window left is a crash (or lost database) after the receiver accepted a
// message and before RecordAttempt stored that: the lease then runs out and
// another round sends it again. Receivers de-duplicate on the e-mail
// Message-ID (<outbox-ID@domain>) or the X-HonestMeasure-Delivery header,
// both carrying the outbox id.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// Channels a message can be sent through.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// batchSize is how many messages one round claims. Deliveries within a round
// run one after another, each bounded by Config.HTTPTimeout; messages whose
// lease would run out before their turn are left for the next claimer.
const batchSize = 10

// recordTimeout bounds storing an outcome; it runs even while shutting down,
// because an unrecorded success is a message sent twice.
const recordTimeout = 5 * time.Second

// Config tunes delivery. The zero value of each duration and of MaxAttempts
// means its default.
type Config struct {
	SMTPAddr      string // host:port; empty disables e-mail
	SMTPUser      string // empty: no AUTH
	SMTPPassword  string
	From          string // "Name <address>" or a bare address
	SMTPTLS       bool   // STARTTLS required: nothing is sent in clear; implicit TLS is not supported
	WebhookSecret []byte // HMAC-SHA256 key for X-HonestMeasure-Signature
	// The SMS gateway: signed JSON POSTs (SMSPayload) to this URL, under
	// their own key. An empty URL keeps text messages waiting.
	SMSWebhookURL    string
	SMSWebhookSecret []byte
	MaxAttempts      int           // default 20
	Poll             time.Duration // default 2s
	Lease            time.Duration // default 1m; must exceed HTTPTimeout
	HTTPTimeout      time.Duration // default 10s; bounds each delivery, SMTP included
}

func (c Config) withDefaults() Config {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 20
	}
	if c.Poll <= 0 {
		c.Poll = 2 * time.Second
	}
	if c.Lease <= 0 {
		c.Lease = time.Minute
	}
	if c.HTTPTimeout <= 0 {
		c.HTTPTimeout = 10 * time.Second
	}
	return c
}

// Check reports settings that would make every delivery fail, so the
// operator hears about them at start-up rather than per message.
func (c Config) Check() error { return c.withDefaults().check() }

func (c Config) check() error {
	if c.Lease <= c.HTTPTimeout {
		return fmt.Errorf("outbox: lease %v must be longer than the delivery timeout %v", c.Lease, c.HTTPTimeout)
	}
	if c.SMSWebhookURL != "" {
		if err := checkWebhookURL(c.SMSWebhookURL); err != nil {
			return fmt.Errorf("outbox: SMS gateway: %v", err)
		}
		if len(c.SMSWebhookSecret) == 0 {
			// Unsigned requests to the gateway could be forged by anyone
			// who learns its URL, to send texts in the city's name.
			return errors.New("outbox: the SMS gateway URL needs a secret to sign requests with")
		}
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			return fmt.Errorf("outbox: SMTP address %q is not host:port: %v", c.SMTPAddr, err)
		}
		if _, err := mail.ParseAddress(c.From); err != nil {
			return fmt.Errorf("outbox: sender address %q: %v", c.From, err)
		}
		host, _, _ := net.SplitHostPort(c.SMTPAddr)
		if c.SMTPUser != "" && !c.SMTPTLS && host != "localhost" && host != "127.0.0.1" && host != "::1" {
			// net/smtp refuses to send a password in clear to another host;
			// every message would fail with the same error.
			return fmt.Errorf("outbox: SMTP login to %s needs STARTTLS turned on", host)
		}
	}
	return nil
}

// Worker delivers due outbox messages. Any number of workers, in any number
// of instances, may run against one database.
type Worker struct {
	Store      *storage.Store
	Config     Config
	Logger     *slog.Logger     // nil: discard
	Now        func() time.Time // nil: time.Now; drives leases, back-off and the Date header
	HTTPClient *http.Client     // nil: a client with Config.HTTPTimeout
	// Attempted, when set, is told the channel and result (one of the
	// Result constants) of every delivery try: the metrics' count.
	Attempted func(channel, result string)
}

// Results of a delivery try, as Worker.Attempted is told them.
const (
	ResultDelivered   = "delivered"   // the receiver took it
	ResultRetry       = "retry"       // refused or unreachable; tried again later
	ResultGivenUp     = "given_up"    // refused for good, or out of attempts: the message is failed
	ResultInterrupted = "interrupted" // cut short by shutdown; due again when its lease ends
	ResultUnrecorded  = "unrecorded"  // the outcome could not be stored; the lease decides what follows
)

// Results lists the Result constants.
func Results() []string {
	return []string{ResultDelivered, ResultRetry, ResultGivenUp, ResultInterrupted, ResultUnrecorded}
}

func (w *Worker) tell(m model.OutboxMessage, result string) {
	if w.Attempted != nil {
		w.Attempted(m.Channel, result)
	}
}

// Run delivers messages every Config.Poll until ctx is done, then returns
// nil. A round that claimed a full batch is followed at once by another, so
// a backlog drains without waiting for the ticker. Errors of a round are
// logged and the next round tries again; only an unusable Config is returned.
func (w *Worker) Run(ctx context.Context) error {
	cfg := w.Config.withDefaults()
	if err := cfg.check(); err != nil {
		return err
	}
	log := w.logger()
	log.Info("outbox worker started", "poll", cfg.Poll, "email", cfg.SMTPAddr != "", "sms", cfg.SMSWebhookURL != "")
	tick := time.NewTicker(cfg.Poll)
	defer tick.Stop()
	for {
		claimed, _, _, err := w.round(ctx, cfg)
		if ctx.Err() != nil {
			log.Info("outbox worker stopped")
			return nil
		}
		if err != nil {
			log.Error("outbox round failed", "error", err)
		}
		if err == nil && claimed == batchSize {
			continue
		}
		select {
		case <-ctx.Done():
			log.Info("outbox worker stopped")
			return nil
		case <-tick.C:
		}
	}
}

// RunOnce runs one round: claim due messages, deliver each, record each
// outcome. failed counts unsuccessful tries, including those given up on.
func (w *Worker) RunOnce(ctx context.Context) (delivered, failed int, err error) {
	cfg := w.Config.withDefaults()
	if err := cfg.check(); err != nil {
		return 0, 0, err
	}
	_, delivered, failed, err = w.round(ctx, cfg)
	return delivered, failed, err
}

func (w *Worker) round(ctx context.Context, cfg Config) (claimed, delivered, failed int, err error) {
	msgs, err := w.Store.ClaimDue(ctx, w.now(), cfg.Lease, batchSize)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("outbox: claim: %w", err)
	}
	s := sender{cfg: cfg, client: w.client(cfg), now: w.now}
	var errs []error
	for _, m := range msgs {
		if ctx.Err() != nil {
			break // unstarted messages wait for their lease to end
		}
		if m.LockedUntil == nil || !w.now().Add(cfg.HTTPTimeout).Before(*m.LockedUntil) {
			// The lease could run out mid-delivery and another worker send
			// the message too; leave it to whoever claims it next.
			w.logger().Warn("outbox lease too short for delivery, left for the next round", attrs(m)...)
			continue
		}
		res, err := w.attempt(ctx, cfg, s, m)
		if err != nil {
			errs = append(errs, err)
		}
		switch res {
		case sent:
			delivered++
		case notSent:
			failed++
		}
	}
	return len(msgs), delivered, failed, errors.Join(errs...)
}

type outcome int

const (
	// interrupted: the delivery was cut short by ctx (shutdown). That is no
	// verdict on the receiver, so it is not recorded and the message is due
	// again when its lease ends.
	interrupted outcome = iota
	sent
	notSent
)

// attempt delivers m and records the outcome; err reports a failure to
// record it.
func (w *Worker) attempt(ctx context.Context, cfg Config, s sender, m model.OutboxMessage) (outcome, error) {
	log := w.logger()
	n := m.Attempts + 1
	start := time.Now()
	derr := s.send(ctx, m)
	dur := time.Since(start)
	if derr != nil && ctx.Err() != nil {
		log.Info("outbox delivery interrupted", append(attrs(m), "attempt", n)...)
		w.tell(m, ResultInterrupted)
		return interrupted, nil
	}
	at := w.now()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if derr == nil {
		if err := w.Store.RecordAttempt(rctx, m.ID, at, true, "", dur, nil, false); err != nil {
			// Sent but not recorded: the message will go out again when the
			// lease ends (the at-least-once window).
			log.Error("outbox delivery not recorded", append(attrs(m), "attempt", n, "error", err)...)
			w.tell(m, ResultUnrecorded)
			return sent, fmt.Errorf("outbox: record delivery of %d: %w", m.ID, err)
		}
		log.Info("outbox message delivered", append(attrs(m), "attempt", n, "duration", dur)...)
		w.tell(m, ResultDelivered)
		return sent, nil
	}
	giveUp := isPermanent(derr) || n >= cfg.MaxAttempts
	var next *time.Time
	if !giveUp {
		t := at.Add(backoff(n))
		next = &t
	}
	if err := w.Store.RecordAttempt(rctx, m.ID, at, false, derr.Error(), dur, next, giveUp); err != nil {
		log.Error("outbox failure not recorded", append(attrs(m), "attempt", n, "error", err)...)
		w.tell(m, ResultUnrecorded)
		return notSent, fmt.Errorf("outbox: record failure of %d: %w", m.ID, err)
	}
	logged := append(attrs(m), "attempt", n, "error", redact(derr.Error(), m))
	if giveUp {
		log.Error("outbox message given up", append(logged, "permanent", isPermanent(derr))...)
		w.tell(m, ResultGivenUp)
	} else {
		log.Warn("outbox delivery failed, will retry", append(logged, "retry_at", *next)...)
		w.tell(m, ResultRetry)
	}
	return notSent, nil
}

// sender delivers one message through its channel.
type sender struct {
	cfg    Config
	client *http.Client
	now    func() time.Time
}

func (s sender) send(ctx context.Context, m model.OutboxMessage) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.HTTPTimeout)
	defer cancel()
	switch m.Channel {
	case ChannelEmail:
		return sendEmail(ctx, s.cfg, m, s.now())
	case ChannelWebhook:
		return postWebhook(ctx, s.client, s.cfg.WebhookSecret, m)
	case ChannelSMS:
		return postSMS(ctx, s.client, s.cfg, m)
	default:
		return permanent(fmt.Errorf("unknown channel %q", m.Channel))
	}
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// client returns the configured client with redirects turned off: a
// redirected POST becomes a GET without the payload, and a 2xx for that
// would count as delivered.
func (w *Worker) client(cfg Config) *http.Client {
	c := http.Client{Timeout: cfg.HTTPTimeout}
	if w.HTTPClient != nil {
		c = *w.HTTPClient
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// attrs are the log fields every line about a message carries: never its
// recipient or content.
func attrs(m model.OutboxMessage) []any {
	return []any{"outbox_id", m.ID, "channel", m.Channel, "event", m.Event}
}

// redact removes the recipient from an error text before it is logged (mail
// servers like to quote the address they reject).
func redact(text string, m model.OutboxMessage) string {
	if m.Recipient == "" {
		return text
	}
	text = strings.ReplaceAll(text, m.Recipient, "[recipient]")
	if a, err := mail.ParseAddress(m.Recipient); err == nil && a.Address != "" {
		text = strings.ReplaceAll(text, a.Address, "[recipient]")
	}
	return text
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return permanentError{err} }

func isPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
