package ui

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/server"
)

type trackData struct {
	TrackingNo string
	Errors     form.Errors
	Result     *intake.Tracked
}

func (h *Handler) trackForm(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	h.render(c, http.StatusOK, "track", h.page(c, server.Printer(c).T("track.title"), trackData{TrackingNo: c.Query("n")}))
}

// track is a POST so the access code never appears in a URL, a log or the
// browser history.
func (h *Handler) track(c *gin.Context) {
	ctx := c.Request.Context()
	l := server.Printer(c)
	d := trackData{TrackingNo: strings.TrimSpace(c.PostForm("tracking_number")), Errors: form.Errors{}}
	c.Header("Cache-Control", "no-store")
	res, err := h.Intake.Track(ctx, d.TrackingNo, strings.TrimSpace(c.PostForm("access_code")), c.ClientIP())
	if e, ok := fail.As(err); ok && (e.Kind == fail.NotFound || e.Kind == fail.RateLimited) {
		// A wrong code, a missing one and an unknown number read alike.
		status, key, args := http.StatusNotFound, "track.not_found", []any(nil)
		if e.Kind == fail.RateLimited {
			c.Header("Retry-After", retryAfterSeconds(e.RetryAfter))
			status, key, args = http.StatusTooManyRequests, "login.throttled", []any{minutesUp(e.RetryAfter)}
		}
		d.Errors.Add("tracking_number", key, args...)
		h.render(c, status, "track", h.page(c, l.T("track.title"), d))
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Result = res
	p := h.page(c, l.T("track.title"), d)
	// The result is the answer to a post: the switch posts it again (the
	// access code stays out of URLs).
	keepOnLangSwitch(&p, "/track", "tracking_number", d.TrackingNo, "access_code", strings.TrimSpace(c.PostForm("access_code")))
	h.render(c, http.StatusOK, "track", p)
}
