package ui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

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
	var limited *intake.RateLimitError
	if errors.As(err, &limited) {
		c.Header("Retry-After", retryAfterSeconds(limited.RetryAfter))
		d.Errors.Add("tracking_number", "login.throttled", minutesUp(limited.RetryAfter))
		h.render(c, http.StatusTooManyRequests, "track", h.page(c, l.T("track.title"), d))
		return
	}
	if errors.Is(err, intake.ErrNotFound) {
		d.Errors.Add("tracking_number", "track.not_found")
		h.render(c, http.StatusNotFound, "track", h.page(c, l.T("track.title"), d))
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	d.Result = res
	h.render(c, http.StatusOK, "track", h.page(c, l.T("track.title"), d))
}
