// Package api is the public JSON API under /api/v1: the unit directory, what
// a scanned code means, report submission and report tracking, for the
// WeChat mini-program, the 12315 integration and open-data users. Its
// contract is openapi.json, served at /api/v1/openapi.json and checked by the
// tests against every request and response they make.
//
// Like internal/ui it only translates HTTP to calls on storage and the domain
// packages (scan, intake) and back; it holds no business rules. It must never
// put a reporter's identity, a unit owner's or contact person's details, or
// anything staff-only into a response.
package api

import (
	"fmt"
	"math"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/database"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/model"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/verification"
)

// Handler carries what the endpoints need.
//
// Handlers pass c.Request.Context() to storage, never c itself (see
// internal/ui: Gin reuses its Context objects).
type Handler struct {
	Store   *storage.Store
	Intake  *intake.Service
	QR      *qr.Signer
	BaseURL string           // public base URL, printed into QR codes
	Now     func() time.Time // nil = time.Now
	// Verification takes a body's batches of records.
	Verification *verification.Service

	// Accounts authenticates the verification bodies' tokens (/api/v1/body).
	Accounts *accounts.Service
	// RiskPublic: the city publishes units' risk classes (city.yaml
	// risk_public); off, no response carries one.
	RiskPublic bool
	// CityCode is the city's code (city.yaml), part of every Open311
	// service_request_id (model.ExternalID).
	CityCode string
}

// Register declares every API route.
// Uploads are the API routes that take files, with their limits (see
// server.Upload); every other route takes bodies of server.FormBodyLimit.
var Uploads = map[string]server.Upload{
	// Not multipart: a JSON batch larger than a plain form.
	"POST /api/v1/body/records": {MaxBytes: MaxBodyBatchBytes},
	"POST /api/v1/reports":      {MaxBytes: intake.MaxReportBody, MaxFiles: reports.MaxPhotos, MaxFileBytes: photos.DefaultMaxBytes},
}

func (h *Handler) Register(e *gin.Engine) {
	v1 := e.Group("/api/v1", recoverJSON)
	v1.GET("/openapi.json", h.openAPI)
	v1.GET("/units", h.units)
	v1.GET("/scan/:token", h.scan)
	v1.POST("/reports", h.submitReport)
	v1.GET("/reports/:tracking_number", h.trackReport)

	// A verification body's own system, with its bearer token (body.go).
	body := v1.Group("/body", h.bodyAuth)
	body.GET("/me", h.bodyMe)
	body.POST("/records", h.bodyRecords)

	// Open311 GeoReport v2, read-only (open311.go), with the spec's errors.
	o := e.Group("/open311/v2", recoverAs(func(c *gin.Context) { open311Refused(c, http.StatusInternalServerError, "internal error") }))
	o.GET("/services.json", h.open311Services)
	o.GET("/requests.json", h.open311Requests)
	o.GET("/requests/:file", h.open311Request) // <service_request_id>.json
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now().UTC()
	}
	return time.Now().UTC()
}

// Shared shapes of the responses. Field names are the API's contract: see
// openapi.json before renaming one.

type districtJSON struct {
	Code   string `json:"code"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
}

func districtOf(d *model.District) districtJSON {
	if d == nil {
		return districtJSON{}
	}
	return districtJSON{Code: d.Code, NameZh: d.NameZh, NameEn: d.NameEn}
}

type agencyJSON struct {
	Code   string `json:"code"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
}

func agencyOf(a *model.Agency) *agencyJSON {
	if a == nil {
		return nil
	}
	return &agencyJSON{Code: a.Code, NameZh: a.NameZh, NameEn: a.NameEn}
}

type errorJSON struct {
	Error string `json:"error"`
}

// timestamp is the API's spelling of an instant: RFC 3339 in UTC.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// date is the API's spelling of a calendar day (DATE columns hold midnight UTC).
func date(t time.Time) string { return model.DateOf(t).Format(time.DateOnly) }

func optDate(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := date(*t)
	return &s
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// unitURL is the /Q/ URL a unit's current poster carries ("" when no code
// was ever issued).
// A version that cannot be encoded (a corrupt row) gives "" too: that unit is
// listed without a link instead of the whole list failing.
func (h *Handler) unitURL(id int64, version int) string {
	if version == 0 {
		return ""
	}
	u, err := h.QR.URLFor(h.BaseURL, qr.Ref{Kind: model.QRUnit, ID: id, Version: version})
	if err != nil {
		return ""
	}
	return u
}

// private marks a response that may hold what only this client should see
// (or that changes at any moment): no cache keeps it.
func private(c *gin.Context) { c.Header("Cache-Control", "no-store") }

func retryAfter(c *gin.Context, d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	c.Header("Retry-After", strconv.Itoa(s))
	return s
}

// serverError logs err under the request ID and answers without any detail:
// 503 with Retry-After when the database cannot be reached, 500 otherwise.
func serverError(c *gin.Context, err error) {
	server.Logger(c).Error("api request failed", "err", err)
	private(c)
	if database.IsUnavailable(err) {
		c.Header("Retry-After", "30")
		c.JSON(http.StatusServiceUnavailable, errorJSON{Error: "service unavailable, try again"})
		return
	}
	c.JSON(http.StatusInternalServerError, errorJSON{Error: "internal error"})
}

// recoverJSON answers a panic in an API handler with the documented JSON
// 500 instead of the site's HTML error page. The stack goes to the log
// only; the client never sees it and is never told its request succeeded.
var recoverJSON = recoverAs(func(c *gin.Context) {
	private(c)
	c.JSON(http.StatusInternalServerError, errorJSON{Error: "internal error"})
})

// recoverAs is recoverJSON answering with answer (the Open311 facade
// answers in the spec's error array).
func recoverAs(answer func(*gin.Context)) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if r == http.ErrAbortHandler {
				panic(r)
			}
			server.Logger(c).Error("panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				answer(c)
			}
			c.Abort()
		}()
		c.Next()
	}
}
