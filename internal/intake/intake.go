// Package intake receives citizens' reports, from the web form and from the
// JSON API alike: it validates the submission, cleans the photos, applies
// rate limits, routes the report, computes its legal deadline and stores
// report, photos and case in one transaction. A retried submission (same
// idempotency key) gets the first one's receipt back, never a second report.
package intake

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/routing"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/throttle"
	"honestmeasure/internal/workdays"
)

// An Upload reads one uploaded photo. Submit calls it only when a photo
// slot is free: uploads waiting their turn stay in the multipart form's
// temporary files instead of holding a megabyte of memory each.
type Upload func() ([]byte, error)

// MaxReportBody bounds a report request on either edge: MaxPhotos photos at
// the photo limit, plus a megabyte for the text and the multipart framing.
const MaxReportBody = reports.MaxPhotos*photos.DefaultMaxBytes + 1<<20

// Limits bounds how often reports may arrive; zero disables a limit.
type Limits struct {
	// PerIPPerHour is how many reports one client address (an IPv6 /64)
	// may file in an hour; every attempt that gets as far as its photos
	// counts, accepted or not.
	PerIPPerHour int
	// UnitBurstPerHour is how many reports about one unit in an hour are
	// ordinary. Beyond it reports are still accepted — a report is never
	// refused because of other people's reports — and their cases are
	// marked as part of a burst for the officers.
	UnitBurstPerHour int
}

// limitWindow is the window of both report limits.
const limitWindow = time.Hour

// Service is the intake.
type Service struct {
	Store   *storage.Store
	Secret  []byte
	Limits  Limits
	BaseURL string // for links in notifications
	Now     func() time.Time
	// Photos is the server's photo limiter (nil: one of
	// photos.DefaultMemory for this service alone, made on first use).
	Photos *photos.Limiter
	// Received, when set, is told of every report stored (not of replays
	// of one already stored), after its transaction committed: the
	// metrics' count by kind and category.
	Received func(kind model.ReportKind, category model.Category)

	photosOnce sync.Once
	mu         sync.Mutex
	cal        *workdays.Calendar
	calAt      time.Time
	calEvery   time.Duration
}

// Request is one submission with its context.
type Request struct {
	Submission reports.Submission
	Target     reports.Target
	Photos     []Upload
	ClientIP   string
	Locale     string
	// DropBadPhotos files the report without a photo that cannot be used,
	// saying so on the receipt, instead of refusing the whole report: the
	// web form's choice, for a citizen on a weak connection. The API keeps
	// refusing, so a program can send again.
	DropBadPhotos bool
}

// Receipt is what the reporter is shown.
type Receipt struct {
	Report     *model.Report
	Case       *model.Case
	AccessCode string
	Replayed   bool // the same submission arrived before; this is its receipt
	// PhotosLeftOut names the photos refused and left out of the report
	// (Request.DropBadPhotos), each with its problem.
	PhotosLeftOut []form.Message
}

// ErrKeyReused says an idempotency key arrived with another submission than
// the one it first came with. Nothing about the first is returned: the key
// alone must not open someone else's receipt.
var ErrKeyReused = fail.New(fail.Invalid, "idempotency key reused for a different submission")

func (s *Service) photoLimiter() *photos.Limiter {
	s.photosOnce.Do(func() {
		if s.Photos == nil {
			s.Photos = photos.NewServerLimiter(0)
		}
	})
	return s.Photos
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

// Submit handles one submission. Refusals are fail errors, and nothing is
// stored: field problems as fail.Invalid with their fields, a rate limit as
// fail.RateLimited, a reused idempotency key as ErrKeyReused; any other
// error means the report was NOT stored either.
//
// The order is the defence: the text is checked first, which costs next to
// nothing; then the attempt is charged to the client's address, atomically,
// before the photos (the expensive part) are touched; a charge is given
// back only when nothing expensive was done (a replayed receipt, a failure
// to store).
func (s *Service) Submit(ctx context.Context, req Request) (*Receipt, error) {
	sub := req.Submission
	districts, err := s.Store.Districts(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	report, errs := sub.Validate(req.Target, districts, now)
	if errs == nil {
		errs = form.Errors{}
	}
	key := sub.IdempotencyKey
	var held []model.HeldPhoto
	if reports.ValidKey(key) {
		if held, err = s.Store.HeldPhotos(ctx, key, now, true); err != nil {
			return nil, err
		}
	}
	if len(held)+len(req.Photos) > reports.MaxPhotos {
		errs.Add("photos", "report.too_many_photos", reports.MaxPhotos)
	}
	if errs.Any() {
		if err := s.hold(ctx, req, errs, now); err != nil {
			return nil, err
		}
		return nil, fail.Fields(errs)
	}
	hash := reports.RequestHash(report, len(held)+len(req.Photos))

	refund, err := s.charge(ctx, req.ClientIP, now)
	if err != nil {
		return nil, err
	}
	if key != "" && reports.ValidKey(key) {
		rec, err := s.replay(ctx, key, hash)
		if err == nil {
			refund()
			return rec, nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			if !errors.Is(err, ErrKeyReused) {
				refund()
			}
			return nil, err
		}
	}
	var leftOut []form.Message
	cleaned, err := s.cleanPhotos(ctx, req.Photos, errs, &leftOut, req.DropBadPhotos)
	if err != nil {
		refund()
		return nil, err
	}
	if errs.Any() {
		return nil, fail.Fields(errs)
	}
	heldKey := ""
	if len(held) > 0 {
		heldKey = key
		kept := make([]model.ReportPhoto, 0, len(held)+len(cleaned))
		for _, h := range held {
			kept = append(kept, model.ReportPhoto{ContentType: h.ContentType, Width: h.Width, Height: h.Height,
				SizeBytes: h.SizeBytes, SHA256: h.SHA256, Data: h.Data})
		}
		cleaned = append(kept, cleaned...)
	}
	if key == "" {
		key = reports.NewKey()
	}
	report.IdempotencyKey = &key
	report.RequestHash = hash
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
		refund()
		return nil, err
	}
	if c.Burst, err = s.unitBurst(ctx, report, now); err != nil {
		refund()
		return nil, err
	}
	if c.Burst > 0 {
		events = append(events, model.CaseEvent{Kind: "burst", CreatedAt: now, Body: ptr(strconv.Itoa(c.Burst))})
	}
	agency, err := s.Store.AgencyByID(ctx, c.AgencyID)
	if err != nil {
		refund()
		return nil, err
	}
	district, err := s.Store.DistrictByID(ctx, report.DistrictID)
	if err != nil {
		refund()
		return nil, err
	}
	announce := func(r *model.Report, c *model.Case) ([]model.OutboxMessage, error) {
		msgs, err := notices.Routed(agency, r, c, district, s.BaseURL)
		if err != nil {
			return nil, err
		}
		told, err := notices.Received(r, c, code, s.BaseURL)
		return append(msgs, told...), err
	}
	err = s.Store.CreateIntake(ctx, storage.Intake{Report: report, Photos: cleaned, Case: c, Events: events, Notices: announce, HeldKey: heldKey})
	if errors.Is(err, storage.ErrDuplicate) {
		// The same key raced in from a double tap: show the first receipt.
		refund()
		rec, err := s.replay(ctx, key, hash)
		return rec, err
	}
	if err != nil {
		refund()
		return nil, err
	}
	if s.Received != nil {
		s.Received(report.Kind, report.Category)
	}
	return &Receipt{Report: report, Case: c, AccessCode: code, PhotosLeftOut: leftOut}, nil
}

func ptr[T any](v T) *T { return &v }

// charge takes one attempt from the client address's hourly allowance, in
// one atomic step, and returns the function that gives it back.
func (s *Service) charge(ctx context.Context, clientIP string, now time.Time) (refund func(), err error) {
	if s.Limits.PerIPPerHour <= 0 || clientIP == "" {
		return func() {}, nil
	}
	bucket := "report:ip:" + throttle.AddressKey(clientIP)
	st, err := s.Store.RateTake(ctx, bucket, limitWindow, s.Limits.PerIPPerHour, now)
	if err != nil {
		return nil, err
	}
	if st.Blocked {
		return nil, fail.Limited(st.RetryAfter)
	}
	return func() {
		// Best effort: a refund that fails only costs the client one attempt.
		_ = s.Store.RateRefund(context.WithoutCancel(ctx), bucket)
	}, nil
}

// unitBurst counts the report against its unit's hourly count and returns
// that count when it is past the ordinary (0 otherwise). Nothing is refused.
func (s *Service) unitBurst(ctx context.Context, r *model.Report, now time.Time) (int, error) {
	if s.Limits.UnitBurstPerHour <= 0 || r.UnitID == nil {
		return 0, nil
	}
	st, err := s.Store.RateHit(ctx, "report:unit:"+strconv.FormatInt(*r.UnitID, 10), limitWindow, math.MaxInt32, now)
	if err != nil {
		return 0, err
	}
	if st.Hits > s.Limits.UnitBurstPerHour {
		return st.Hits, nil
	}
	return 0, nil
}

// hold keeps the photos of a form that came back with problems elsewhere,
// cleaned, under its idempotency key, so the next try need not send them
// again. Cleaning them is the expensive part of a report, so it counts
// against the address's hourly allowance like a filed report. Nothing is
// held without a valid key, when the photos themselves are the problem, or
// when the address has used its allowance (the form says to choose them
// again, as before).
func (s *Service) hold(ctx context.Context, req Request, errs form.Errors, now time.Time) error {
	key := req.Submission.IdempotencyKey
	if len(req.Photos) == 0 || errs.Has("photos") || !reports.ValidKey(key) {
		return nil
	}
	if _, err := s.charge(ctx, req.ClientIP, now); err != nil {
		if e, ok := fail.As(err); ok && e.Kind == fail.RateLimited {
			return nil
		}
		return err
	}
	cleaned, err := s.cleanPhotos(ctx, req.Photos, errs, nil, false)
	if err != nil || errs.Has("photos") {
		return err
	}
	keep := make([]model.HeldPhoto, len(cleaned))
	for i, p := range cleaned {
		keep[i] = model.HeldPhoto{ContentType: p.ContentType, Width: p.Width, Height: p.Height, SizeBytes: p.SizeBytes,
			SHA256: p.SHA256, Data: p.Data, CreatedAt: now, ExpiresAt: now.Add(model.HeldPhotoTTL)}
	}
	return s.Store.HoldPhotos(ctx, key, keep)
}

// HeldPhotos lists, without their data, the photos held for the form with
// idempotency key key (nothing for an invalid key).
func (s *Service) HeldPhotos(ctx context.Context, key string) ([]model.HeldPhoto, error) {
	if !reports.ValidKey(key) {
		return nil, nil
	}
	return s.Store.HeldPhotos(ctx, key, s.now(), false)
}

// DropHeldPhotos lets the reporter take back photos held for their form.
func (s *Service) DropHeldPhotos(ctx context.Context, key string, ids []int64) error {
	if !reports.ValidKey(key) {
		return nil
	}
	return s.Store.DropHeldPhotos(ctx, key, ids)
}

// cleanPhotos decodes and re-encodes the uploads one at a time, each
// through the server's photo limiter, which reads an upload only once
// there is room for it (memory and a CPU). A photo that is refused adds its
// problem to errs and ends the work — unless dropBad, when it is left out,
// its problem noted in leftOut, and the others go on: a bad photo does not
// cost a citizen on a phone the report they typed. An error means the photos
// could not be read at all.
func (s *Service) cleanPhotos(ctx context.Context, uploads []Upload, errs form.Errors, leftOut *[]form.Message, dropBad bool) ([]model.ReportPhoto, error) {
	var cleaned []model.ReportPhoto
	for i, upload := range uploads {
		p, err := s.photoLimiter().Process(ctx, upload, photos.DefaultOptions())
		if err != nil {
			var pe *photos.Error
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("photo %d: %w", i+1, err)
			}
			key, args := PhotoMessage(pe.Kind, i+1)
			if dropBad {
				*leftOut = append(*leftOut, form.Message{Key: key, Args: args})
				continue
			}
			errs.Add("photos", key, args...)
			return nil, nil
		}
		cleaned = append(cleaned, model.ReportPhoto{ContentType: p.ContentType, Width: p.Width, Height: p.Height,
			SizeBytes: len(p.Data), SHA256: p.SHA256, Data: p.Data})
	}
	return cleaned, nil
}

// replay returns the receipt of the report first filed under key, if the
// submission is the same one (hash); a different one gets ErrKeyReused.
func (s *Service) replay(ctx context.Context, key, hash string) (*Receipt, error) {
	r, err := s.Store.ReportByIdempotencyKey(ctx, key)
	if err != nil {
		return nil, err
	}
	// Reports filed before the hash was kept have none: never a match.
	if r.RequestHash == "" || subtle.ConstantTimeCompare([]byte(r.RequestHash), []byte(hash)) != 1 {
		return nil, ErrKeyReused
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
	received := cases.Received(r.Kind, now, cal)
	c := &received
	c.AgencyID, c.Category, c.DistrictID = d.AgencyID, r.Category, r.DistrictID
	c.Priority, c.RoutingRuleID, c.RoutingReason = d.Priority, d.RuleID, d.Reason
	routed := model.CaseEvent{Kind: "routed", AgencyID: &d.AgencyID, CreatedAt: now}
	if d.RuleID != nil {
		// The timeline names the rule; the default needs no words.
		name := strings.TrimPrefix(d.Reason, "rule: ")
		routed.Body = &name
	}
	events := []model.CaseEvent{{Kind: "received", ToStatus: model.CaseNew, Public: true, CreatedAt: now}, routed}
	return c, events, nil
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

// OpenInternalTip files a tip staff raise themselves (from a verification
// conflict, say) about a registered unit: routed and timed like any tip,
// with no reporter to answer. who is recorded by the caller's audit entry.
func (s *Service) OpenInternalTip(ctx context.Context, who audit.Actor, unit *model.Unit, ins *model.Instrument,
	category model.Category, text string) (*model.Case, error) {
	// The matter is noticed now: that is the incident time a report needs.
	sub := reports.Submission{Kind: string(model.KindTip), Category: string(category), Description: text, Anonymous: true,
		BusinessName: unit.Name, IncidentAt: s.now().Format(time.RFC3339)}
	rec, err := s.Submit(ctx, Request{Submission: sub, Target: reports.Target{Unit: unit, Instrument: ins}, Locale: locale.Chinese})
	if err != nil {
		return nil, err
	}
	return rec.Case, nil
}
