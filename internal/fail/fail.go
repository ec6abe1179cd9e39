// Package fail is the one error vocabulary of honestmeasure. Storage and
// the services return a *fail.Error when a request is refused; each edge
// (internal/ui, internal/api) maps its Kind to an answer in one function.
// Any other error is a server failure: the edge logs it and says that
// nothing was done, never which rule or query failed.
//
// It depends on nothing but internal/form (field messages are locale keys,
// rendered by the edge in the reader's language) and must stay that way.
package fail

import (
	"errors"
	"fmt"
	"time"

	"honestmeasure/internal/form"
)

// Kind says how an edge answers an Error.
type Kind int

const (
	// Internal is not a refusal: a bug, or a failure below us. Edges
	// answer 500 (503 when the database cannot be reached).
	Internal Kind = iota
	// NotFound: the thing does not exist, or the caller may not know that
	// it does; answered exactly alike.
	NotFound
	// Conflict: the state does not allow the request, or it changed
	// meanwhile (an optimistic-lock miss, a unique key taken).
	Conflict
	// Invalid: the input is wrong; Fields says where and why.
	Invalid
	// Unauthorized: the login or password is wrong (never which).
	Unauthorized
	// RateLimited: too many attempts; RetryAfter says when to try again.
	RateLimited
	// Unavailable: a dependency is down or a budget is spent for now; the
	// same request may succeed later.
	Unavailable
)

var kindNames = [...]string{"internal", "not_found", "conflict", "invalid", "unauthorized", "rate_limited", "unavailable"}

// String is the machine code an API client sees ("not_found", "conflict"…).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is a refusal the person (or client) can act on.
type Error struct {
	Kind       Kind
	Fields     form.Errors   // per-field messages; may be empty
	RetryAfter time.Duration // RateLimited and Unavailable only
	Msg        string        // for logs; never shown to users
	Err        error         // the cause, if any
}

func (e *Error) Error() string {
	msg := e.Msg
	if msg == "" {
		msg = e.Kind.String()
	}
	if len(e.Fields) > 0 {
		msg = fmt.Sprintf("%s: %v", msg, e.Fields)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, sentinel) hold for any Error of the same kind and
// message, so a sentinel wrapped with fields (WithField) still matches.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Msg != "" && t.Msg == e.Msg
}

// New returns a sentinel-style error of kind with a log message.
func New(kind Kind, msg string) *Error { return &Error{Kind: kind, Msg: msg} }

// Field returns an error of kind with one field message.
func Field(kind Kind, field, key string, args ...any) *Error {
	errs := form.Errors{}
	errs.Add(field, key, args...)
	return &Error{Kind: kind, Fields: errs}
}

// Fields returns an Invalid error carrying errs.
func Fields(errs form.Errors) *Error { return &Error{Kind: Invalid, Fields: errs} }

// Limited returns a RateLimited error; RetryAfter is at least a second.
func Limited(retryAfter time.Duration) *Error {
	return &Error{Kind: RateLimited, RetryAfter: max(retryAfter, time.Second)}
}

// WithField returns a copy of e with one more field message.
func (e *Error) WithField(field, key string, args ...any) *Error {
	c := *e
	c.Fields = form.Errors{}
	for k, v := range e.Fields {
		c.Fields[k] = v
	}
	c.Fields.Add(field, key, args...)
	return &c
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// KindOf returns the kind of err: Internal for nil and for anything that
// is not an *Error.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is an *Error of kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }
