package ui

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
)

// statusOf is the one mapping of the error vocabulary to HTTP statuses for
// pages (internal/api has its own for JSON).
var statusOf = map[fail.Kind]int{
	fail.NotFound:     http.StatusNotFound,
	fail.Conflict:     http.StatusConflict,
	fail.Invalid:      http.StatusUnprocessableEntity,
	fail.Unauthorized: http.StatusUnauthorized,
	fail.RateLimited:  http.StatusTooManyRequests,
	fail.Unavailable:  http.StatusServiceUnavailable,
}

// refused answers err from a service or storage: NotFound and Unavailable
// as their error pages; Conflict, Invalid, Unauthorized and RateLimited by
// render(status, field messages), so the form is shown again with what was
// typed (with a nil render, as the error page for the status); anything
// else as a server error, which never claims success. A conflict without
// its own message says the thing changed meanwhile.
func (h *Handler) refused(c *gin.Context, err error, render func(status int, errs form.Errors)) {
	e, ok := fail.As(err)
	if !ok || e.Kind == fail.Internal {
		h.serverError(c, err)
		return
	}
	status := statusOf[e.Kind]
	if e.RetryAfter > 0 {
		c.Header("Retry-After", retryAfterSeconds(e.RetryAfter))
	}
	if e.Kind == fail.NotFound || e.Kind == fail.Unavailable || render == nil {
		h.ErrorPage(c, status)
		return
	}
	errs := form.Errors{}
	for k, v := range e.Fields {
		errs[k] = v
	}
	switch {
	case e.Kind == fail.Conflict && !errs.Any():
		errs.Add("action", "review.changed_meanwhile")
	case e.Kind == fail.RateLimited && !errs.Any():
		errs.Add("form", throttledKey(e.RetryAfter), throttledIn(e.RetryAfter))
	}
	render(status, errs)
}

// throttledKey and throttledIn word a wait in seconds when it is short,
// in minutes otherwise.
func throttledKey(d time.Duration) string {
	if d < 2*time.Minute {
		return "accounts.throttled_seconds"
	}
	return "login.throttled"
}

func throttledIn(d time.Duration) int {
	if d < 2*time.Minute {
		return int((d + time.Second - 1) / time.Second)
	}
	return minutesUp(d)
}

func minutesUp(d time.Duration) int { return int(math.Ceil(d.Minutes())) }

func retryAfterSeconds(d time.Duration) string { return strconv.Itoa(int(math.Ceil(d.Seconds()))) }
