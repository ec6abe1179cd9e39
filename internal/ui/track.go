package ui

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/form"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/server"
)

// Lookups per client address in a window: enough for a person who mistypes,
// far too few to try access codes.
const (
	trackWindow = 10 * time.Minute
	trackLimit  = 30
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
	st, err := h.Store.RateHit(ctx, "track:ip:"+c.ClientIP(), trackWindow, trackLimit+1, h.now())
	if err != nil {
		h.serverError(c, err)
		return
	}
	if st.Blocked {
		c.Header("Retry-After", retryAfterSeconds(st.RetryAfter))
		d.Errors.Add("tracking_number", "login.throttled", minutesUp(st.RetryAfter))
		h.render(c, http.StatusTooManyRequests, "track", h.page(c, l.T("track.title"), d))
		return
	}
	res, err := h.Intake.Track(ctx, d.TrackingNo, strings.TrimSpace(c.PostForm("access_code")))
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
