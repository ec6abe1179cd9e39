package ui

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/server"
)

type trackData struct {
	TrackingNo string
	AccessCode string // posted back by the page's own forms, never in a URL
	Errors     form.Errors
	Result     *intake.Tracked
	// The "text me the code" form, kept as typed when it comes back.
	CodeTrackingNo, CodePhone string
	CodeSent                  bool
	// Info is the added information as typed, when it came back with a
	// problem; LeftOut the photos left out of what was added, and why.
	Info    string
	LeftOut []form.Message
}

func (h *Handler) trackForm(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	h.render(c, http.StatusOK, "track", h.page(c, server.Printer(c).T("track.title"), trackData{TrackingNo: c.Query("n")}))
}

// track is a POST so the access code never appears in a URL, a log or the
// browser history.
func (h *Handler) track(c *gin.Context) { h.showTracked(c, "", nil, nil) }

// showTracked looks the posted tracking number and access code up and shows
// the result, with notice (a locale key: what the reporter just did) or the
// problems of what they tried.
func (h *Handler) showTracked(c *gin.Context, notice string, problems form.Errors, leftOut []form.Message) {
	ctx := c.Request.Context()
	l := server.Printer(c)
	d := trackData{TrackingNo: strings.TrimSpace(c.PostForm("tracking_number")), Errors: form.Errors{}}
	c.Header("Cache-Control", "no-store")
	code := strings.TrimSpace(c.PostForm("access_code"))
	res, err := h.Intake.Track(ctx, d.TrackingNo, code, c.ClientIP())
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
	d.Result, d.AccessCode, d.LeftOut = res, code, leftOut
	status := http.StatusOK
	if problems.Any() {
		d.Errors, status = problems, http.StatusUnprocessableEntity
		d.Info = c.PostForm("info")
	}
	p := h.page(c, l.T("track.title"), d)
	if notice != "" {
		p.Notice = notice
	}
	// The result is the answer to a post: the switch posts it again (the
	// access code stays out of URLs).
	keepOnLangSwitch(&p, "/track", "tracking_number", d.TrackingNo, "access_code", code)
	h.render(c, status, "track", p)
}

// trackAct is one thing a reporter does on the tracking page: it is done
// through intake (which checks the tracking number and code again), then
// the result is shown with what happened, or why it could not be done.
func (h *Handler) trackAct(done string, act func(c *gin.Context, no, code, ip string) ([]form.Message, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		leftOut, err := act(c, strings.TrimSpace(c.PostForm("tracking_number")), strings.TrimSpace(c.PostForm("access_code")), c.ClientIP())
		e, _ := fail.As(err)
		switch {
		case err == nil:
			h.showTracked(c, done, nil, leftOut)
		case e != nil && e.Kind == fail.Invalid:
			h.showTracked(c, "", e.Fields, leftOut)
		case e != nil && e.Kind == fail.Conflict:
			h.showTracked(c, "", form.Errors{"action": {Key: "track.not_now"}}, nil)
		case e != nil && (e.Kind == fail.NotFound || e.Kind == fail.RateLimited):
			h.showTracked(c, "", nil, nil) // shows the same "not found" or "wait" as a lookup
		default:
			h.serverError(c, err)
		}
	}
}

// trackAddInfo adds text and photos; the body was parsed by the edge within
// reportUpload's limits (ui.Uploads).
func (h *Handler) trackAddInfo(c *gin.Context, no, code, ip string) ([]form.Message, error) {
	var uploads []intake.Upload
	if up := server.UploadOf(c); up != nil {
		if up.Busy {
			return nil, fail.Limited(30 * time.Second)
		}
		if up.TooLarge {
			return nil, fail.Fields(form.Errors{"info_photos": {Key: "report.too_large_body", Args: []any{reports.MaxPhotos, photos.DefaultMaxBytes >> 20}}})
		}
		for _, f := range up.FilesOf("photos") {
			uploads = append(uploads, f.ReadAll)
		}
	}
	return h.Intake.AddInfo(c.Request.Context(), no, code, ip, c.PostForm("info"), uploads)
}

func (h *Handler) trackWithdraw(c *gin.Context, no, code, ip string) ([]form.Message, error) {
	return nil, h.Intake.Withdraw(c.Request.Context(), no, code, ip, c.PostForm("reason"))
}

func (h *Handler) trackRate(c *gin.Context, no, code, ip string) ([]form.Message, error) {
	score, _ := strconv.Atoi(c.PostForm("score"))
	return nil, h.Intake.Rate(c.Request.Context(), no, code, ip, score, c.PostForm("comment"))
}

// trackCode texts the access code again to the mobile number given with
// the report (intake.SendCodeAgain), and says so in words that do not tell
// whether the number matched.
func (h *Handler) trackCode(c *gin.Context) {
	l := server.Printer(c)
	d := trackData{CodeTrackingNo: strings.TrimSpace(c.PostForm("code_tracking_number")), CodePhone: strings.TrimSpace(c.PostForm("code_phone")), Errors: form.Errors{}}
	d.TrackingNo = d.CodeTrackingNo
	c.Header("Cache-Control", "no-store")
	err := h.Intake.SendCodeAgain(c.Request.Context(), d.CodeTrackingNo, d.CodePhone, c.ClientIP())
	e, _ := fail.As(err)
	status := http.StatusOK
	switch {
	case err == nil:
		d.CodeSent = true
	case e != nil && e.Kind == fail.Invalid:
		d.Errors, status = e.Fields, http.StatusUnprocessableEntity
	case e != nil && e.Kind == fail.RateLimited:
		c.Header("Retry-After", retryAfterSeconds(e.RetryAfter))
		d.Errors.Add("code_tracking_number", "login.throttled", minutesUp(e.RetryAfter))
		status = http.StatusTooManyRequests
	default:
		h.serverError(c, err)
		return
	}
	p := h.page(c, l.T("track.title"), d)
	if d.CodeSent {
		p.Notice = "track.code_again_sent"
	}
	keepOnLangSwitch(&p, "/track", "tracking_number", d.TrackingNo)
	h.render(c, status, "track", p)
}
