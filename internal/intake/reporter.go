package intake

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
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

// AddInfo adds the reporter's text to the report's timeline, where the
// officer sees it (and the reporter too).
func (s *Service) AddInfo(ctx context.Context, trackingNo, accessCode, clientIP, text string) error {
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return fail.Fields(form.Errors{"info": {Key: "form.required"}})
	case n > MaxAddedInfo:
		return fail.Fields(form.Errors{"info": {Key: "form.too_long", Args: []any{MaxAddedInfo}}})
	}
	t, err := s.Track(ctx, trackingNo, accessCode, clientIP)
	if err != nil {
		return err
	}
	if !MayAddInfo(t.Case) {
		return ErrNotNow
	}
	return s.Store.UpdateCase(ctx, storage.CaseUpdate{CaseID: t.Case.ID, LockVersion: t.Case.LockVersion,
		Events: []model.CaseEvent{{Kind: "reporter_info", Public: true, Body: &text, CreatedAt: s.now()}}})
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
