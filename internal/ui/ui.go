// Package ui serves the server-rendered pages. Routes are declared here, in
// one place; each page's handler lives in its own file as a method on
// Handler. Handlers translate HTTP into calls on storage and the domain
// packages and back; they hold no business rules of their own.
package ui

import (
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/database"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/reminders"
	"honestmeasure/internal/render"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/risk"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
	"honestmeasure/internal/verification"
)

// Handler carries what the pages need.
//
// Handlers pass c.Request.Context() to storage, never c itself: Gin reuses
// its Context objects once a handler returns, and database drivers may still
// watch the context they were given from another goroutine.
type Handler struct {
	Store         *storage.Store
	Audit         *audit.Log // every audit entry is appended through it
	Renderer      *render.Renderer
	Ref           *reference.Data
	Logger        *slog.Logger
	SecureCookies bool
	BaseURL       string     // public base URL, printed into QR codes
	QR            *qr.Signer // signs and checks QR tokens
	Intake        *intake.Service
	Cases         *cases.Service
	Units         *units.Service
	Photos        *photos.Limiter // the server's one photo limiter (shop photos)
	Accounts      *accounts.Service
	// Verification takes bodies' records and works the conflict queue.
	Verification *verification.Service
	ScanCache    *scan.PageCache // nil: every scan renders afresh
	// ScanWatermark lets a cached scan page be sent without a query while
	// nothing it shows changed (nil: every scan queries once).
	ScanWatermark *scan.Watermark
	Reminders     *reminders.Service
	// Moderation reads masked texts' originals back (supervisors only).
	Moderation *moderation.Service
	// Risk keeps units' risk classes; the unit pages show the stored class.
	Risk *risk.Service
	// Outbox is the admin's view of the notifications that failed or wait.
	Outbox *outbox.Operator
	// DraftMaxAge is how long an unchanged unit draft is kept (0: for ever);
	// the deletion itself runs in cmd/honestmeasure (storage.DeleteStaleDrafts).
	DraftMaxAge time.Duration
	// Now is the clock; tests move it to check expiry and throttling.
	Now func() time.Time
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now().UTC()
	}
	return time.Now().UTC()
}

// Register declares every page route.
func (h *Handler) Register(e *gin.Engine) {
	e.GET("/", h.home)
	// The printed codes say /Q/ (upper case keeps QR codes small); links say /q/.
	e.GET("/q/:token", h.scanPage)
	e.GET("/Q/:token", h.scanPage)
	// Link checkers and chat apps' previews ask with HEAD: same headers, no body.
	e.HEAD("/q/:token", h.scanPage)
	e.HEAD("/Q/:token", h.scanPage)
	e.GET("/q/:token/photo", h.scanPhoto)
	e.GET("/favicon.ico", h.favicon)
	e.GET("/report", h.reportForm)
	e.POST("/report", h.reportSubmit)
	e.POST("/report/form", h.reportFormAgain)
	e.POST("/report/receipt", h.receiptAgain)
	e.GET("/track", h.trackForm)
	e.POST("/track", h.track)
	e.POST("/track/info", h.trackAct("notice.track_info_added", h.trackAddInfo))
	e.POST("/track/withdraw", h.trackAct("notice.track_withdrawn", h.trackWithdraw))
	e.POST("/track/rate", h.trackAct("notice.track_rated", h.trackRate))
	e.POST("/track/code", h.trackCode)
	e.GET("/units", h.directory)
	e.GET("/spot-checks", h.publicSpotChecks)
	e.GET("/spot-checks/draws/:file", h.drawFile) // <code>.json
	e.GET("/open-data", h.openData)
	e.GET("/open-data/units.csv", h.openDataCSV)
	e.GET("/open-data/units.json", h.openDataJSON)

	// Everything below knows who is signed in.
	s := e.Group("/", h.loadSession)
	s.GET("/login", h.loginPage)
	s.POST("/login", h.login)
	s.GET("/signup", h.signupPage)
	s.POST("/signup", h.signup)
	s.GET("/signup/code", h.signupCodePage)
	s.POST("/signup/code", h.signupConfirm)
	s.GET("/password/forgot", h.forgotPage)
	s.POST("/password/forgot", h.forgot)
	s.GET("/password/reset", h.resetPage)
	s.POST("/password/reset", h.reset)

	anyone := s.Group("/", h.requireRole(model.Roles...))
	anyone.POST("/logout", h.logout)
	anyone.GET("/account/password", h.passwordPage)
	anyone.POST("/account/password", h.changePassword)

	m := s.Group("/merchant", h.requireRole(model.RoleMerchant))
	m.GET("", h.merchantHome)
	m.GET("/units/new", h.unitNew)
	m.POST("/units", h.unitCreate)
	m.GET("/units/:id", h.unitShow)
	m.GET("/units/:id/edit", h.unitEdit)
	m.GET("/units/:id/photo", h.unitPhoto)
	m.POST("/units/:id", h.unitUpdate)
	m.POST("/units/:id/submit", h.unitSubmit)
	m.GET("/units/held-photo/:key", h.heldPhoto)
	m.GET("/units/:id/change-request", h.changeRequestForm)
	m.POST("/units/:id/change-request", h.changeRequestSend)
	m.POST("/units/:id/change-request/withdraw", h.changeRequestWithdraw)
	m.GET("/units/:id/pledge", h.pledgeForm)
	m.POST("/units/:id/pledge", h.pledgeSign)
	m.GET("/units/:id/instruments/new", h.instrumentNew)
	m.POST("/units/:id/instruments", h.instrumentCreate)
	m.GET("/units/:id/certificates", h.certificatesNew)
	m.POST("/units/:id/certificates", h.certificatesCheck)
	m.POST("/units/:id/certificates/save", h.certificatesSave)
	m.GET("/instruments/:iid", h.instrumentShow)
	m.GET("/instruments/:iid/edit", h.instrumentEdit)
	m.POST("/instruments/:iid", h.instrumentUpdate)
	m.GET("/instruments/:iid/retire", h.instrumentRetireConfirm)
	m.POST("/instruments/:iid/retire", h.instrumentRetire)
	m.POST("/instruments/:iid/verifications", h.verificationAdd)
	m.GET("/units/:id/poster", h.poster)
	m.GET("/units/:id/poster.pdf", h.posterFile(true))
	m.GET("/units/:id/poster.png", h.posterFile(false))
	m.GET("/units/:id/labels.pdf", h.labelsPDF)
	m.GET("/units/:id/labels", h.labels)
	m.GET("/units/:id/qr.png", h.unitQRPNG)
	m.GET("/units/:id/public", h.unitPublicPreview)
	m.GET("/units/:id/qr.svg", h.unitQRSVG)
	m.GET("/units/:id/qr/reprint", h.unitQRReprintConfirm)
	m.POST("/units/:id/qr/reprint", h.unitQRReprint)
	m.GET("/instruments/:iid/qr.png", h.instrumentQRPNG)
	m.GET("/instruments/:iid/qr.svg", h.instrumentQRSVG)
	m.GET("/instruments/:iid/qr/reprint", h.instrumentQRReprintConfirm)
	m.POST("/instruments/:iid/qr/reprint", h.instrumentQRReprint)
	m.POST("/reminders/:id/ack", h.reminderAck)
	m.POST("/reminders/settings", h.reminderSettings)

	body := s.Group("/body", h.requireRole(model.RoleVerificationBody))
	body.GET("", h.bodyHome)
	body.GET("/template.xlsx", h.bodyTemplate)
	body.GET("/template.csv", h.bodyTemplate)
	body.POST("/imports", h.bodyImportUpload)
	body.GET("/imports/:id", h.bodyImportShow)
	body.POST("/imports/:id/confirm", h.bodyImportConfirm)
	body.POST("/imports/:id/discard", h.bodyImportDiscard)
	body.POST("/imports/:id/step", h.bodyImportStep)
	body.GET("/imports/:id/errors.xlsx", h.bodyImportReport)
	body.GET("/imports/:id/errors.csv", h.bodyImportReport)

	st := s.Group("/staff", h.requireRole(staffRoles...))
	st.GET("", func(c *gin.Context) { c.Redirect(http.StatusSeeOther, "/staff/queue") })
	st.GET("/queue", h.queue)
	st.POST("/queue/assign", h.queueAssign)
	st.GET("/queue.csv", h.queueCSV)
	st.GET("/queue.xlsx", h.queueXLSX)
	st.GET("/cases/:id", h.caseShow)
	st.GET("/cases/:id/photos/:seq", h.casePhoto)
	st.POST("/cases/:id/act/:action", h.caseAction)
	st.POST("/cases/:id/update/:what", h.caseUpdate)
	st.GET("/applications", h.applications)
	st.GET("/units/:id", h.reviewUnit)
	st.GET("/units/:id/photo", h.reviewPhoto)
	st.GET("/units/:id/photo/original", h.photoOriginal)
	st.POST("/units/:id/photo/redact", h.redactPhoto)
	st.POST("/units/:id/:action", h.reviewAction)
	st.POST("/units/:id/credit-code/release", h.releaseCode)
	st.POST("/change-requests/:id/:decision", h.changeRequestDecide)
	st.POST("/cases/:id/transfer", h.caseTransfer)
	st.POST("/cases/:id/reroute", h.caseReroute)
	st.POST("/cases/:id/merge", h.caseMerge)
	st.POST("/cases/:id/tip", h.caseTip)
	st.GET("/moderations/:id", h.moderationShow)
	st.POST("/cases/:id/handoff", h.caseHandoff)
	// Verification conflicts: a body's records against merchants' declarations.
	st.GET("/conflicts", h.conflictList)
	st.GET("/conflicts.csv", h.conflictsCSV)
	st.GET("/conflicts.xlsx", h.conflictsXLSX)
	st.GET("/conflicts/:id", h.conflictShow)
	st.POST("/conflicts/:id/close/:status", h.conflictClose)
	st.POST("/conflicts/:id/tip", h.conflictTip)
	st.GET("/expired", h.expiredList)
	st.GET("/expired.csv", h.expiredCSV)
	// Spot checks: plans, draws, inspections (internal/spotcheck).
	st.GET("/spot-checks", h.spotChecks)
	st.POST("/spot-checks/plans", h.planCreate)
	st.POST("/spot-checks/plans/:id/announce", h.drawAnnounce)
	st.GET("/draws/:id", h.drawShow)
	st.POST("/draws/:id/draw", h.drawAct(h.drawMake, "random_value", "drawn"))
	st.POST("/draws/:id/void", h.drawAct(h.drawVoid, "void_reason", "draw_voided"))
	st.GET("/inspections/:id", h.inspectionShow)
	st.GET("/inspections/:id/photos/:seq", h.inspectionPhoto)
	st.POST("/inspections/:id/result", h.inspectionResult)
	st.POST("/inspections/:id/publish", h.inspectionAct(h.inspectionPublish, "inspection_published"))
	st.POST("/inspections/:id/case", h.inspectionAct(h.inspectionCase, "inspection_case"))
	st.POST("/inspections/:id/substitute", h.inspectionAct(h.inspectionSubstitute, "inspection_substituted"))
	st.POST("/recusals", h.recusal)
	dash := st.Group("", h.requireRole(dashboardRoles...))
	dash.GET("/dashboard", h.dashboard)
	dash.GET("/dashboard.csv", h.dashboardCSV)
	// The hand-off export carries reporters' details: supervisors and the
	// city admin only (cases.MayExportHandoffs), audited by the service.
	dash.GET("/handoffs/export", h.handoffExport)

	// The city admin's reference data; every change is audited (admin.go).
	admin := s.Group("/admin", h.requireRole(model.RoleCityAdmin))
	admin.GET("", h.adminIndex)

	admin.GET("/rules", h.adminRules)
	admin.GET("/rules/new", h.adminRuleNew)
	admin.POST("/rules", h.adminRuleCreate)
	admin.GET("/rules/:id/edit", h.adminRuleEdit)
	admin.POST("/rules/:id", h.adminRuleUpdate)
	admin.POST("/rules/:id/move", h.adminRuleMove)
	admin.POST("/rules/:id/enabled", h.adminRuleEnabled)

	admin.GET("/agencies", h.adminAgencies)
	admin.GET("/agencies/:id/edit", h.adminAgencyEdit)
	admin.POST("/agencies/:id", h.adminAgencyUpdate)
	admin.GET("/districts/:id/edit", h.adminDistrictEdit)
	admin.POST("/districts/:id", h.adminDistrictUpdate)

	admin.GET("/accounts", h.adminAccounts)
	admin.GET("/accounts/new", h.adminAccountNew)
	admin.POST("/accounts", h.adminAccountCreate)
	admin.POST("/accounts/:id/disable", h.adminAccountDisable)
	admin.POST("/accounts/:id/enable", h.adminAccountEnable)
	admin.GET("/accounts/:id/password", h.adminPasswordForm)
	admin.POST("/accounts/:id/password", h.adminPasswordReset)

	admin.GET("/verification-bodies", h.adminBodies)
	admin.POST("/verification-bodies/:id/tokens", h.adminBodyTokenCreate)
	admin.POST("/body-tokens/:id/revoke", h.adminBodyTokenRevoke)

	admin.GET("/holidays", h.adminHolidays)
	admin.POST("/holidays", h.adminHolidayCreate)
	admin.POST("/holidays/:id/delete", h.adminHolidayDelete)

	admin.GET("/instrument-types", h.adminInstrumentTypes)
	admin.GET("/instrument-types/new", h.adminInstrumentTypeNew)
	admin.POST("/instrument-types", h.adminInstrumentTypeCreate)
	admin.GET("/instrument-types/:id/edit", h.adminInstrumentTypeEdit)
	admin.POST("/instrument-types/:id", h.adminInstrumentTypeUpdate)

	admin.GET("/pledge-texts", h.adminPledgeTexts)
	admin.GET("/pledge-texts/new", h.adminPledgeTextNew)
	admin.POST("/pledge-texts", h.adminPledgeTextCreate)
	admin.GET("/pledge-texts/:id", h.adminPledgeTextShow)

	admin.GET("/reply-templates", h.adminReplyTemplates)
	admin.POST("/reply-templates", h.adminReplyTemplateCreate)
	admin.GET("/reply-templates/:id/edit", h.adminReplyTemplateEdit)
	admin.POST("/reply-templates/:id", h.adminReplyTemplateUpdate)
	admin.POST("/reply-templates/:id/delete", h.adminReplyTemplateDelete)

	admin.GET("/check-items", h.adminCheckItems)
	admin.POST("/check-items", h.adminCheckItemSave)
	admin.POST("/check-items/:id", h.adminCheckItemSave)

	admin.GET("/outbox", h.adminOutbox)
	admin.POST("/outbox/:id/retry", h.adminOutboxRetry)

	admin.GET("/audit", h.adminAudit)
	admin.GET("/audit/:id", h.adminAuditEntry)
}

// Uploads are the routes that take files, with their limits. The edge
// (internal/server) parses their bodies within these limits and refuses
// multipart bodies, and anything over server.FormBodyLimit, everywhere else.
var Uploads = map[string]server.Upload{
	"POST /report":                               reportUpload,
	"POST /track/info":                           reportUpload,
	"POST /staff/inspections/:id/result":         reportUpload,
	"POST /merchant/units":                       shopPhotoUpload,
	"POST /merchant/units/:id":                   shopPhotoUpload,
	"POST /body/imports":                         bodyUpload,
	"POST /merchant/units/:id/certificates":      certificatesUpload,
	"POST /merchant/units/:id/certificates/save": certificatesUpload,
}

// reportUpload bounds a report: five photos at the limit plus the text.
var reportUpload = server.Upload{MaxBytes: intake.MaxReportBody, MaxFiles: reports.MaxPhotos, MaxFileBytes: photos.DefaultMaxBytes}

// shopPhotoUpload bounds a unit application with its shop-front photo.
var shopPhotoUpload = server.Upload{MaxBytes: photos.DefaultMaxBytes + server.MaxTextBytes + 1<<20, MaxFiles: 1, MaxFileBytes: photos.DefaultMaxBytes}

type renderPage = render.Page

// page builds the data every template receives.
func (h *Handler) page(c *gin.Context, title string, data any) render.Page {
	p := render.Page{
		L:         server.Printer(c),
		Title:     title,
		RequestID: server.RequestID(c),
		Path:      c.Request.URL.Path,
		Hotline:   h.Ref.City.ComplaintHotline,
		CityZh:    h.Ref.City.NameZh,
		CityEn:    h.Ref.City.NameEn,
		User:      currentUser(c),
		Data:      data,
	}
	if sess := currentSession(c); sess != nil {
		p.CSRF = sess.CSRFToken
	}
	p.LangURL = langURL(c.Request, p.L.T("nav.language_code"))
	// Confirmations come through a redirect as ?ok=key; only known keys show.
	if ok := c.Query("ok"); ok != "" && p.L.Has("notice."+ok) {
		p.Notice = "notice." + ok
	}
	return p
}

// render writes a page, or the error page if the template fails.
func (h *Handler) render(c *gin.Context, status int, name string, p render.Page) {
	if err := h.Renderer.Render(c.Writer, status, name, p); err != nil {
		server.Logger(c).Error("render failed", "page", name, "err", err)
		h.ErrorPage(c, http.StatusInternalServerError)
	}
}

// ErrorPage renders the error page for status in the visitor's language.
// It never includes error details: those go to the log under the request ID.
func (h *Handler) ErrorPage(c *gin.Context, status int) {
	l := server.Printer(c)
	var title, body string
	switch status {
	case http.StatusNotFound:
		title, body = l.T("error.404.title"), l.T("error.404.body")
	case http.StatusForbidden:
		title, body = l.T("error.403.title"), l.T("error.403.body")
	case http.StatusServiceUnavailable:
		title, body = l.T("error.503.title"), l.T("error.503.body")
	case http.StatusBadRequest:
		title, body = l.T("error.400.title"), l.T("error.400.body")
	case http.StatusRequestEntityTooLarge:
		title, body = l.T("error.413.title"), l.T("error.413.body")
		if limit := server.BodyLimit(c); limit >= 2<<20 {
			body = l.T("error.413.body_limit", limit>>20)
		}
	case http.StatusUnsupportedMediaType:
		title, body = l.T("error.415.title"), l.T("error.415.body")
	default:
		title, body = l.T("error.500.title"), l.T("error.500.body")
	}
	c.Header("Cache-Control", "no-store")
	p := h.page(c, title, body)
	if err := h.Renderer.Render(c.Writer, status, "error", p); err != nil {
		// The error template itself failed: fall back to plain text.
		server.Logger(c).Error("error page failed", "err", err)
		c.String(status, "%s\n%s\n", title, body)
	}
}

// serverError logs err with the request and shows the visitor a page that
// says nothing was done. A database that cannot be reached is a 503.
func (h *Handler) serverError(c *gin.Context, err error) {
	server.Logger(c).Error("request failed", "err", err)
	if database.IsUnavailable(err) {
		c.Header("Retry-After", "30")
		h.ErrorPage(c, http.StatusServiceUnavailable)
		return
	}
	h.ErrorPage(c, http.StatusInternalServerError)
}

// langURL is the page r asked for, in language lang: relative, with the
// query kept (the directory's filters, the scanned shop on /report?t=) but
// for a confirmation already shown (ok). A page that answered a post links
// to its own address without the post's fields.
func langURL(r *http.Request, lang string) string {
	q := url.Values{}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		q = r.URL.Query()
	}
	q.Del("ok")
	q.Set("lang", lang)
	return r.URL.Path + "?" + q.Encode()
}

// keepOnLangSwitch makes p's language switch post the page's state to
// action in the other language: name/value pairs, as hidden inputs. Pages
// answering a post opt in with it (the receipt, a form sent back, a
// tracking result); never pass a password.
func keepOnLangSwitch(p *render.Page, action string, nameValues ...string) {
	f := &render.LangForm{Action: action + "?lang=" + url.QueryEscape(p.L.T("nav.language_code"))}
	for i := 0; i+1 < len(nameValues); i += 2 {
		f.Fields = append(f.Fields, render.LangField{Name: nameValues[i], Value: nameValues[i+1]})
	}
	p.LangForm = f
}
