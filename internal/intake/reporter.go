package intake

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/storage"
)

// What a reporter may do on the tracking page, signed in by tracking number
// and access code (each call checks them as Track does, within its limits).
const (
	MaxAddedInfo     = 1000 // characters of information added to a report
	MaxRatingComment = 500
)

// Errors of the reporter's actions.
var (
	ErrNotNow       = fail.New(fail.Conflict, "not possible at this stage of the case")
	ErrAlreadyRated = fail.New(fail.Conflict, "the handling was rated already")
)

// Handling stages as the reporter's actions see them: one definition for
// the service and the page.

// MayAddInfo: information can be added while a decision or a conclusion is
// still to come.
func MayAddInfo(c *model.Case) bool {
	switch c.Status {
	case model.CaseNew, model.CaseReturned, model.CaseAccepted, model.CaseVerifying, model.CaseOpened:
		return true
	}
	return false
}

// MayWithdraw: a complaint (a dispute of the reporter's own) can be
// withdrawn until it is mediated or refused; a tip reports a violation,
// which the bureau pursues whatever the reporter later wishes.
func MayWithdraw(c *model.Case) bool {
	if c.Kind != model.KindComplaint {
		return false
	}
	switch c.Status {
	case model.CaseNew, model.CaseReturned, model.CaseAccepted:
		return true
	}
	return false
}

// MayRate: the handling can be rated once it has ended, whatever the end.
func MayRate(c *model.Case) bool {
	switch c.Status {
	case model.CaseNotAccepted, model.CaseMediated, model.CaseNoCase, model.CaseConcluded, model.CaseClosed:
		return true
	}
	return false
}

// MaxReportPhotos bounds a report's photos, those sent with it and those
// added later together.
const MaxReportPhotos = 2 * reports.MaxPhotos

// AddInfo adds the reporter's text and photos (either may be empty, not
// both) to the report: the text to the timeline, where the officer sees it
// (and the reporter too), the photos beside the report's own, cleaned like
// them. A photo that cannot be used is left out, as on the report form, and
// named in leftOut; the rest is added.
func (s *Service) AddInfo(ctx context.Context, trackingNo, accessCode, clientIP, text string, uploads []Upload) (leftOut []form.Message, err error) {
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0 && len(uploads) == 0:
		return nil, fail.Fields(form.Errors{"info": {Key: "track.add_info_empty"}})
	case n > MaxAddedInfo:
		return nil, fail.Fields(form.Errors{"info": {Key: "form.too_long", Args: []any{MaxAddedInfo}}})
	case len(uploads) > reports.MaxPhotos:
		return nil, fail.Fields(form.Errors{"info_photos": {Key: "report.too_many_photos", Args: []any{reports.MaxPhotos}}})
	}
	t, err := s.Track(ctx, trackingNo, accessCode, clientIP)
	if err != nil {
		return nil, err
	}
	if !MayAddInfo(t.Case) {
		return nil, ErrNotNow
	}
	var cleaned []model.ReportPhoto
	if len(uploads) > 0 {
		have, err := s.Store.ReportPhotos(ctx, t.Report.ID)
		if err != nil {
			return nil, err
		}
		if room := MaxReportPhotos - len(have); len(uploads) > room {
			return nil, fail.Fields(form.Errors{"info_photos": {Key: "track.photos_full", Args: []any{MaxReportPhotos, max(room, 0)}}})
		}
		if cleaned, err = s.cleanPhotos(ctx, uploads, form.Errors{}, &leftOut, true); err != nil {
			return nil, err
		}
	}
	if text == "" && len(cleaned) == 0 {
		return leftOut, fail.Fields(form.Errors{"info_photos": {Key: "track.no_photo_usable"}})
	}
	body := text
	if len(cleaned) > 0 {
		body = strings.TrimSpace(text + "\n" + locale.New(t.Report.Locale).T("track.photos_added", len(cleaned)))
	}
	return leftOut, s.Store.UpdateCase(ctx, storage.CaseUpdate{CaseID: t.Case.ID, LockVersion: t.Case.LockVersion,
		Events:   []model.CaseEvent{{Kind: "reporter_info", Public: true, Body: &body, CreatedAt: s.now()}},
		ReportID: t.Report.ID, Photos: cleaned})
}

// Withdraw ends a complaint at the reporter's wish, with their reason: the
// case is closed and the officer sees why in its timeline.
func (s *Service) Withdraw(ctx context.Context, trackingNo, accessCode, clientIP, reason string) error {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > MaxRatingComment {
		return fail.Fields(form.Errors{"reason": {Key: "form.too_long", Args: []any{MaxRatingComment}}})
	}
	t, err := s.Track(ctx, trackingNo, accessCode, clientIP)
	if err != nil {
		return err
	}
	if !MayWithdraw(t.Case) {
		return ErrNotNow
	}
	now := s.now()
	ev := model.CaseEvent{Kind: "withdrawn", Public: true, FromStatus: t.Case.Status, ToStatus: model.CaseClosed, CreatedAt: now}
	if reason != "" {
		ev.Body = &reason
	}
	return s.Store.UpdateCase(ctx, storage.CaseUpdate{CaseID: t.Case.ID, LockVersion: t.Case.LockVersion,
		Set:    map[string]any{"status": model.CaseClosed, "closed_at": now, "due_at": nil, "outcome": "withdrawn"},
		Events: []model.CaseEvent{ev}})
}

// Rate records the reporter's rating of the handling, once.
func (s *Service) Rate(ctx context.Context, trackingNo, accessCode, clientIP string, score int, comment string) error {
	comment = strings.TrimSpace(comment)
	errs := form.Errors{}
	if score < 1 || score > 5 {
		errs.Add("score", "form.choose")
	}
	if utf8.RuneCountInString(comment) > MaxRatingComment {
		errs.Add("comment", "form.too_long", MaxRatingComment)
	}
	if errs.Any() {
		return fail.Fields(errs)
	}
	t, err := s.Track(ctx, trackingNo, accessCode, clientIP)
	if err != nil {
		return err
	}
	if !MayRate(t.Case) {
		return ErrNotNow
	}
	err = s.Store.RateCase(ctx, &model.CaseRating{CaseID: t.Case.ID, AgencyID: t.Case.AgencyID, Score: score,
		Comment: comment, CreatedAt: s.now()})
	if errors.Is(err, storage.ErrDuplicate) {
		return ErrAlreadyRated
	}
	return err
}
