package outbox

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// Operator is the city admin's view of the outbox: the messages that failed
// or still wait, and sending one again. Recipients are reporters' and
// merchants' contact data, so what it lists is masked, and every retry is
// audited.
type Operator struct {
	Store *storage.Store
	Audit *audit.Log
	Now   func() time.Time // nil: time.Now
}

// OperatorPageSize is how many messages one page of the list holds.
const OperatorPageSize = 50

// operatorMaxPage bounds paging: past it the list offers a narrower filter
// instead of an ever deeper OFFSET.
const operatorMaxPage = 200

var (
	errNotCityAdmin = fail.New(fail.NotFound, "only the city admin sees the outbox")
	// ErrNotRetryable: the message was delivered, or is being delivered at
	// this moment; sending it again could send it twice.
	ErrNotRetryable = fail.New(fail.Conflict, "delivered or being delivered")
)

// Listed is one message as the operator sees it: no body, the recipient
// masked.
type Listed struct {
	ID            int64
	Channel       string
	Recipient     string // masked (MaskRecipient)
	Event         string
	CaseID        *int64
	Status        string
	Attempts      int
	LastError     string
	CreatedAt     time.Time
	NextAttemptAt time.Time
	Leased        bool // a worker holds it now: no retry
}

// Listing is one page of messages of a status.
type Listing struct {
	Messages []Listed
	Total    int64
	Page     int
	Counts   map[string]int64 // by status, all channels
}

func mayOperate(who audit.Actor) bool {
	return who.User != nil && who.User.Role == model.RoleCityAdmin && !who.User.Disabled
}

// Statuses the operator lists: the two that need an eye.
var operatorStatuses = []string{storage.OutboxFailed, storage.OutboxPending}

// List returns page page (from 1) of the messages of status (failed or
// pending; anything else is failed) in channel (empty: all), newest first.
func (o *Operator) List(ctx context.Context, who audit.Actor, status, channel string, page int) (*Listing, error) {
	if !mayOperate(who) {
		return nil, errNotCityAdmin
	}
	if status != storage.OutboxPending {
		status = storage.OutboxFailed
	}
	if channel != ChannelEmail && channel != ChannelSMS && channel != ChannelWebhook {
		channel = ""
	}
	page = min(max(page, 1), operatorMaxPage)
	msgs, total, err := o.Store.OutboxList(ctx, storage.OutboxFilter{Status: status, Channel: channel, Page: page, PerPage: OperatorPageSize})
	if err != nil {
		return nil, err
	}
	counts, err := o.Store.OutboxCounts(ctx)
	if err != nil {
		return nil, err
	}
	now := o.now()
	l := &Listing{Total: total, Page: page, Counts: counts, Messages: make([]Listed, len(msgs))}
	for i, m := range msgs {
		l.Messages[i] = Listed{ID: m.ID, Channel: m.Channel, Recipient: MaskRecipient(m.Channel, m.Recipient), Event: m.Event,
			CaseID: m.CaseID, Status: m.Status, Attempts: m.Attempts, LastError: redact(m.LastError, m),
			CreatedAt: m.CreatedAt, NextAttemptAt: m.NextAttemptAt, Leased: m.LockedUntil != nil && m.LockedUntil.After(now)}
	}
	return l, nil
}

// Retry makes message id due now with a fresh count of attempts, whether
// it failed or waits out its back-off, and audits that. A delivered message,
// or one a worker is delivering, is ErrNotRetryable.
func (o *Operator) Retry(ctx context.Context, who audit.Actor, id int64) error {
	if !mayOperate(who) {
		return errNotCityAdmin
	}
	m, err := o.Store.OutboxByID(ctx, id)
	if err != nil {
		return err
	}
	now := o.now()
	return o.Store.Tx(ctx, func(tx *storage.Store) error {
		ok, err := tx.RetryOutbox(ctx, m.ID, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotRetryable
		}
		return o.Audit.Record(ctx, tx, audit.Event{Action: audit.ActionOutboxRetry, ObjectType: audit.ObjectOutboxMessage,
			ObjectID: strconv.FormatInt(m.ID, 10), At: now,
			Before: map[string]any{"channel": m.Channel, "event": m.Event, "status": m.Status, "attempts": m.Attempts},
			After:  map[string]any{"status": storage.OutboxPending, "attempts": 0}}.By(who))
	})
}

func (o *Operator) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// MaskRecipient shows enough of a recipient to recognise it, not enough to
// use it: 138****5678, w***@example.com, and of a webhook only its scheme
// and host (a path or query may carry a token).
func MaskRecipient(channel, to string) string {
	if channel == ChannelWebhook {
		u, err := url.Parse(to)
		if err != nil || u.Host == "" {
			return "***"
		}
		return u.Scheme + "://" + u.Host + "/…"
	}
	return MaskAddress(to)
}

// MaskAddress masks a phone number or e-mail address: its first characters
// and its end (the domain of an address) stay.
func MaskAddress(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i > 0 {
		_, first := utf8.DecodeRuneInString(addr)
		return addr[:first] + "***" + addr[i:]
	}
	if len(addr) == 11 {
		return addr[:3] + "****" + addr[7:]
	}
	return "***"
}
