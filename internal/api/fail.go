package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/server"
)

// refused is the one mapping of the error vocabulary to JSON answers (the
// shapes are in openapi.json): Invalid → 422 with a message per field in
// the client's language; RateLimited → 429 with Retry-After; NotFound →
// 404; Conflict → 409; Unavailable → 503 with Retry-After; anything else is
// a server error that says nothing of its cause. what names the thing
// refused in the 429 message ("reports", "lookups").
func refused(c *gin.Context, err error, what string) {
	e, ok := fail.As(err)
	if !ok || e.Kind == fail.Internal {
		serverError(c, err)
		return
	}
	private(c)
	switch e.Kind {
	case fail.Invalid:
		l := server.Printer(c)
		out := validationJSON{Error: "invalid input", Errors: map[string]string{}}
		for field, m := range e.Fields {
			if f, ok := apiField[field]; ok {
				field = f
			}
			out.Errors[field] = l.T(m.Key, m.Args...)
		}
		c.JSON(http.StatusUnprocessableEntity, out)
	case fail.RateLimited:
		secs := retryAfter(c, e.RetryAfter)
		c.JSON(http.StatusTooManyRequests, rateLimitedJSON{Error: "too many " + what + ", try again later", RetryAfterSeconds: secs})
	case fail.NotFound:
		c.JSON(http.StatusNotFound, errorJSON{Error: "not found"})
	case fail.Conflict:
		c.JSON(http.StatusConflict, errorJSON{Error: "changed meanwhile, reload and try again"})
	case fail.Unauthorized:
		c.JSON(http.StatusUnauthorized, errorJSON{Error: "not authorised"})
	case fail.Unavailable:
		c.Header("Retry-After", "30")
		c.JSON(http.StatusServiceUnavailable, errorJSON{Error: "service unavailable, try again"})
	}
}
