// Package intake receives citizens' reports, from the web form and from the
// JSON API alike: it validates the submission, cleans the photos, applies
// rate limits, routes the report, computes its legal deadline and stores
// report, photos and case in one transaction. A retried submission (same
// idempotency key) gets the first one's receipt back, never a second report.
package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime/multipart"
	"strconv"
	"strings"
	"sync"
	"time"

	"honestmeasure/internal/cases"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/routing"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/workdays"
)

// An Upload reads one uploaded photo. Submit calls it only when a photo
// slot is free: uploads waiting their turn stay in the multipart form's
// temporary files instead of holding a megabyte of memory each.
type Upload func() ([]byte, error)

// UploadOf is an Upload of file fh of a parsed multipart form.
func UploadOf(fh *multipart.FileHeader) Upload {
	return func() ([]byte, error) { return photos.ReadUpload(fh) }
}

// Limits bounds how often reports may arrive; zero disables a limit.
type Limits struct {
	PerIPPerHour   int
	PerUnitPerHour int
}

// Service is the intake.
type Service struct {
	Store   *storage.Store
	Secret  []byte
	Limits  Limits
	BaseURL string // for links in notifications
	Now     func() time.Time

	mu       sync.Mutex
	cal      *workdays.Calendar
	calAt    time.Time
	calEvery time.Duration
}

// Request is one submission with its context.
type Request struct {
	Submission reports.Submission
	Target     reports.Target
	Photos     []Upload
	ClientIP   string
	Locale     string
}

// Receipt is what the reporter is shown.
type Receipt struct {
	Report     *model.Report
	Case       *model.Case
	AccessCode string
	Replayed   bool // the same submission arrived before; this is its receipt
}

// RateLimitError says the submitter (or the unit) sent too many reports.
type RateLimitError struct{ RetryAfter time.Duration }

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many reports; retry in %s", e.RetryAfter.Round(time.Minute))
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// calendar caches the working-day calendar for a few minutes: the city
// admin edits holidays rarely, and every report needs it.
func (s *Service) calendar(ctx context.Context) (*workdays.Calendar, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cal != nil && time.Since(s.calAt) < 5*time.Minute {
		return s.cal, nil
	}
	days, err := s.Store.Holidays(ctx)
	if err != nil {
		return nil, err
	}
	s.cal, s.calAt = workdays.New(days), time.Now()
	return s.cal, nil
}

// Submit handles one submission. Field problems come back as form.Errors
// (nothing stored); a rate limit as *RateLimitError; anything else is an
// error meaning the report was NOT stored.
func (s *Service) Submit(ctx context.Context, req Request) (*Receipt, form.Errors, error) {
	sub := req.Submission
	key := sub.IdempotencyKey
	if key != "" && reports.ValidKey(key) {
		if rec, err := s.replay(ctx, key); err == nil || !errors.Is(err, storage.ErrNotFound) {
			return rec, nil, err
		}
	}
	districts, err := s.Store.Districts(ctx)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	report, errs := sub.Validate(req.Target, districts, now)
	if errs == nil {
		errs = form.Errors{}
	}
	if len(req.Photos) > reports.MaxPhotos {
		errs.Add("photos", "report.too_many_photos", reports.MaxPhotos)
	}
	var cleaned []model.ReportPhoto
	if !errs.Has("photos") {
		if cleaned, err = cleanPhotos(ctx, req.Photos, errs); err != nil {
			return nil, nil, err
		}
	}
	if errs.Any() {
		return nil, errs, nil
	}
	if err := s.checkLimits(ctx, req, report, now); err != nil {
		return nil, nil, err
	}
	if key == "" {
		key = reports.NewKey()
	}
	report.IdempotencyKey = &key
	report.TrackingNo = reports.NewTrackingNumber()
	code := reports.AccessCodeFor(s.Secret, key)
	report.AccessCodeHash = reports.HashAccessCode(s.Secret, report.TrackingNo, code)
	report.SubmitterHash = s.submitterHash(req.ClientIP)
	if req.Locale != "" {
		report.Locale = req.Locale
	}
	report.CreatedAt = now

	c, events, err := s.route(ctx, report, req.Target, now)
	if err != nil {
		return nil, nil, err
	}
	agency, err := s.Store.AgencyByID(ctx, c.AgencyID)
	if err != nil {
		return nil, nil, err
	}
	district, err := s.Store.DistrictByID(ctx, report.DistrictID)
	if err != nil {
		return nil, nil, err
	}
	announce := func(r *model.Report, c *model.Case) ([]model.OutboxMessage, error) {
		msgs, err := notices.Routed(agency, r, c, district, s.BaseURL)
		return append(msgs, notices.Received(r, c, s.BaseURL)...), err
	}
	err = s.Store.CreateIntake(ctx, storage.Intake{Report: report, Photos: cleaned, Case: c, Events: events, Notices: announce})
	if errors.Is(err, storage.ErrDuplicate) {
		// The same key raced in from a double tap: show the first receipt.
		rec, err := s.replay(ctx, key)
		return rec, nil, err
	}
	if err != nil {
		return nil, nil, err
	}
	return &Receipt{Report: report, Case: c, AccessCode: code}, nil, nil
}

// cleanPhotos decodes and re-encodes the uploads one at a time, each
// through the process-wide photo limiter, which reads an upload only once
// there is room for it (memory and a CPU). A photo that is refused adds its
// problem to errs and ends the work; an error means the photos could not be
// read at all.
func cleanPhotos(ctx context.Context, uploads []Upload, errs form.Errors) ([]model.ReportPhoto, error) {
	var cleaned []model.ReportPhoto
	for i, upload := range uploads {
		p, err := photos.ProcessUpload(ctx, upload, photos.DefaultOptions())
		if err != nil {
			var pe *photos.Error
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("photo %d: %w", i+1, err)
			}
			key, args := PhotoMessage(pe.Kind, i+1)
			errs.Add("photos", key, args...)
			return nil, nil
		}
		cleaned = append(cleaned, model.ReportPhoto{ContentType: p.ContentType, Width: p.Width, Height: p.Height,
			SizeBytes: len(p.Data), SHA256: p.SHA256, Data: p.Data})
	}
	return cleaned, nil
}

func (s *Service) replay(ctx context.Context, key string) (*Receipt, error) {
	r, err := s.Store.ReportByIdempotencyKey(ctx, key)
	if err != nil {
		return nil, err
	}
	c, err := s.Store.CaseOfReport(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	return &Receipt{Report: r, Case: c, AccessCode: reports.AccessCodeFor(s.Secret, key), Replayed: true}, nil
}

func (s *Service) route(ctx context.Context, r *model.Report, target reports.Target, now time.Time) (*model.Case, []model.CaseEvent, error) {
	district, err := s.Store.DistrictByID(ctx, r.DistrictID)
	if err != nil {
		return nil, nil, err
	}
	rules, err := s.Store.RoutingRules(ctx)
	if err != nil {
		return nil, nil, err
	}
	in := routing.Input{Category: r.Category, DistrictID: r.DistrictID}
	if target.Unit != nil {
		in.BusinessType = target.Unit.BusinessType
	}
	d, err := routing.Decide(rules, *district, in)
	if err != nil {
		return nil, nil, err
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return nil, nil, err
	}
	due := cases.DecisionDue(cal, r.Kind, now)
	c := &model.Case{AgencyID: d.AgencyID, Kind: r.Kind, Category: r.Category, DistrictID: r.DistrictID,
		Status: model.CaseNew, Priority: d.Priority, RoutingRuleID: d.RuleID, RoutingReason: d.Reason,
		ReceivedAt: now, DecisionDueAt: due, DueAt: &due, CreatedAt: now}
	routed := model.CaseEvent{Kind: "routed", AgencyID: &d.AgencyID, CreatedAt: now}
	if d.RuleID != nil {
		// The timeline names the rule; the default needs no words.
		name := strings.TrimPrefix(d.Reason, "rule: ")
		routed.Body = &name
	}
	events := []model.CaseEvent{{Kind: "received", ToStatus: model.CaseNew, Public: true, CreatedAt: now}, routed}
	return c, events, nil
}

// checkLimits counts the submission against the per-address and per-unit
// hourly limits.
func (s *Service) checkLimits(ctx context.Context, req Request, r *model.Report, now time.Time) error {
	buckets := map[string]int{}
	if s.Limits.PerIPPerHour > 0 && req.ClientIP != "" {
		buckets["report:ip:"+req.ClientIP] = s.Limits.PerIPPerHour
	}
	if s.Limits.PerUnitPerHour > 0 && r.UnitID != nil {
		buckets["report:unit:"+strconv.FormatInt(*r.UnitID, 10)] = s.Limits.PerUnitPerHour
	}
	for bucket := range buckets {
		st, err := s.Store.RateCheck(ctx, bucket, now)
		if err != nil {
			return err
		}
		if st.Blocked {
			return &RateLimitError{RetryAfter: st.RetryAfter}
		}
	}
	for bucket, limit := range buckets {
		// Counting after the check: the submission that reaches the limit is
		// still accepted; the next one waits.
		if _, err := s.Store.RateHit(ctx, bucket, time.Hour, limit+1, now); err != nil {
			return err
		}
	}
	return nil
}

// submitterHash lets staff see that several reports came from one address
// without the address itself being kept.
func (s *Service) submitterHash(ip string) string {
	if ip == "" {
		return ""
	}
	sum := sha256.Sum256(append(append([]byte{}, s.Secret...), []byte("submitter:"+ip)...))
	return hex.EncodeToString(sum[:])
}

// PhotoMessage names the n-th photo's problem for the visitor (locale key
// and arguments).
func PhotoMessage(k photos.Kind, n int) (string, []any) {
	switch k {
	case photos.KindTooLarge:
		return "report.photo_too_large", []any{n, photos.DefaultMaxBytes >> 20}
	case photos.KindNotImage:
		return "report.photo_not_image", []any{n}
	case photos.KindTooManyPixels:
		return "report.photo_dimensions", []any{n}
	default:
		return "report.photo_corrupt", []any{n}
	}
}
