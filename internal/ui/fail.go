package ui

import (
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
)

// refused answers an error a service returned: a *fail.Error by its kind —
// NotFound is the 404 page (nothing says whether the thing exists);
// Conflict, Invalid, Unauthorized and RateLimited show the form again
// through render, with the status and the field messages (a conflict with
// none says the thing changed meanwhile; a rate limit sets Retry-After);
// Unavailable is the 503 page. Anything else is a server error, so a
// failing database is never shown as the person's mistake.
func (h *Handler) refused(c *gin.Context, err error, render func(status int, errs form.Errors)) {
	e, ok := fail.As(err)
	if !ok {
		h.serverError(c, err)
		return
	}
	errs := e.Fields
	if errs == nil {
		errs = form.Errors{}
	}
	switch e.Kind {
	case fail.NotFound:
		h.ErrorPage(c, http.StatusNotFound)
	case fail.Conflict:
		if !errs.Any() {
			errs = form.Errors{"action": {Key: "review.changed_meanwhile"}}
		}
		render(http.StatusConflict, errs)
	case fail.Invalid:
		render(http.StatusUnprocessableEntity, errs)
	case fail.Unauthorized:
		render(http.StatusUnauthorized, errs)
	case fail.RateLimited:
		c.Header("Retry-After", retryAfter(e))
		render(http.StatusTooManyRequests, errs)
	case fail.Unavailable:
		if e.RetryAfter > 0 {
			c.Header("Retry-After", retryAfter(e))
		}
		h.ErrorPage(c, http.StatusServiceUnavailable)
	default:
		h.serverError(c, err)
	}
}

// retryAfter is e's RetryAfter in whole seconds, rounded up, at least 1.
func retryAfter(e *fail.Error) string {
	return strconv.Itoa(max(1, int(math.Ceil(e.RetryAfter.Seconds()))))
}
