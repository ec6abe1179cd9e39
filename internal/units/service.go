package units

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/photos"
	"honestmeasure/internal/storage"
)

// Service is what merchants and officers do to a demonstration unit. Each
// method owns its transaction, its audit entries and the notices it sends,
// so the pages and the API share one set of rules.
type Service struct {
	Store *storage.Store
	Audit *audit.Log
	// Photos is the server's photo limiter, through which photos to redact
	// are decoded (nil: decoded at once, for tools and tests).
	Photos  *photos.Limiter
	BaseURL string // for links in notices
	Now     func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Refusals. A unit the actor may not see is storage.ErrNotFound, answered
// exactly like one that does not exist; the others carry the message the
// person is shown. errors.Is tells them apart.
var (
	// ErrChanged: the unit changed while the person looked at it (another
	// officer acted first, another tab submitted it); nothing was written.
	ErrChanged = refusal(fail.Conflict, "unit changed meanwhile", "action", "review.changed_meanwhile")
	// ErrNotAllowed: the transition table does not allow the officer's
	// action on the unit as it is.
	ErrNotAllowed = refusal(fail.Conflict, "unit action not allowed", "action", "review.not_allowed")
	// ErrCannotSubmit: the unit is not a draft or returned, or it still
	// lacks a valid pledge or an instrument (SubmitReadiness).
	ErrCannotSubmit = refusal(fail.Conflict, "unit cannot be submitted", "action", "unit.cannot_submit")
	// ErrCreditCodeHeld: submission would reserve a credit code another
	// unit holds. The words say nothing about who holds it or why.
	ErrCreditCodeHeld = refusal(fail.Conflict, "credit code held by another unit", "uscc", "unit.uscc_unavailable")
	// ErrNotEditable: the unit's status allows no edits (EditableFields).
	ErrNotEditable = refusal(fail.Conflict, "unit not editable", "action", "review.not_allowed")
	// ErrPledgeNotAllowed: no pledge is signed in the unit's status
	// (PledgeAllowed), or, for Renew, signing it would not be a renewal.
	ErrPledgeNotAllowed = refusal(fail.Conflict, "pledge not signed in this status", "action", "review.not_allowed")
	// ErrRenewalNotDue: the unit's pledge stands for more than
	// RenewalLeadDays yet (MayRenew); nothing was signed.
	ErrRenewalNotDue = refusal(fail.Conflict, "pledge renewal not due yet", "action", "apps.renewal_not_due", RenewalLeadDays)
	// errCodeUnavailable: an application names a credit code another unit
	// holds; the same words as ErrCreditCodeHeld, beside the field.
	errCodeUnavailable = refusal(fail.Invalid, "credit code unavailable", "uscc", "unit.uscc_unavailable")
)

func refusal(kind fail.Kind, msg, field, key string, args ...any) *fail.Error {
	e := fail.Field(kind, field, key, args...)
	e.Msg = msg
	return e
}

// unexpected turns a refusal from a lookup that must succeed (the owner of
// a unit, the current pledge text) into a plain error, so that an edge
// answers it as the server failure it is and never as the person's fault.
func unexpected(what string, err error) error {
	if _, ok := fail.As(err); ok {
		return fmt.Errorf("%s: %v", what, err)
	}
	return err
}

// changed maps the storage refusals of a status change to what the person
// sees; any other error passes through as a server error.
func changed(err error) error {
	switch {
	case errors.Is(err, storage.ErrConflict):
		return ErrChanged
	case errors.Is(err, storage.ErrDuplicate):
		return ErrCreditCodeHeld
	}
	return err
}

// OwnUnit is unit id if who owns it. Anyone else gets storage.ErrNotFound,
// exactly as for a unit that does not exist, so IDs reveal nothing.
func (s *Service) OwnUnit(ctx context.Context, who audit.Actor, id int64) (*model.Unit, error) {
	u, err := s.Store.UnitByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !Owner(u, who.User) {
		return nil, storage.ErrNotFound
	}
	return u, nil
}

// StaffUnit is unit id if who is staff whose jurisdiction covers its
// district (the city admin: every district) and the unit is not a draft;
// otherwise storage.ErrNotFound, as for a unit that does not exist.
func (s *Service) StaffUnit(ctx context.Context, who audit.Actor, id int64) (*model.Unit, error) {
	agency, ok := who.User.Jurisdiction()
	if !ok {
		return nil, storage.ErrNotFound
	}
	u, err := s.Store.UnitByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !VisibleToStaff(u.Status) {
		return nil, storage.ErrNotFound
	}
	if agency != nil {
		ok, err := s.Store.AgencyHasJurisdiction(ctx, *agency, u.DistrictID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, storage.ErrNotFound
		}
	}
	return u, nil
}

// reason cleans a reason the merchant (and, for some actions, the public)
// is shown, and checks it into errs under field.
func reason(text string, required bool, field string, errs form.Errors) string {
	text = form.Clean(text)
	switch {
	case required && text == "":
		errs.Add(field, "review.reason_required")
	case form.TooLong(text, MaxReason):
		errs.Add(field, "form.too_long", MaxReason)
	}
	return text
}

// MaxReason bounds the reason given with a decision or a release.
const MaxReason = 1000

func actorID(who audit.Actor) *int64 {
	if who.User == nil {
		return nil
	}
	id := who.User.ID
	return &id
}

func (s *Service) record(ctx context.Context, tx *storage.Store, who audit.Actor, action string, unitID int64, agencyID *int64, before, after any) error {
	return s.Audit.Record(ctx, tx, audit.Event{Action: action, ObjectType: audit.ObjectUnit, ObjectID: strconv.FormatInt(unitID, 10),
		AgencyID: agencyID, Before: before, After: after, At: s.now()}.By(who))
}

// Measures on a unit that a substantiated case may carry (internal/cases
// offers them); they take effect on the public scan page at once.
const (
	MeasureNone      = ""
	MeasureWarning   = "warning"
	MeasureSuspended = "suspended"
	MeasureRevoked   = "revoked"
)

// ErrMeasureImpossible: the unit's status does not allow the measure (it is
// not published, or it is already revoked).
var ErrMeasureImpossible = fail.Field(fail.Invalid, "unit_measure", "case.unit_measure_impossible")

// CaseMeasure is a unit measure a concluded case imposes.
type CaseMeasure struct {
	UnitID     int64
	Measure    string // MeasureSuspended or MeasureRevoked; others change nothing
	CaseID     int64
	AgencyID   int64 // the agency that concluded the case
	TrackingNo string
	Reason     string // the conclusion's text; empty gives a standard one naming the report
}

// CheckCaseMeasure says, before anything is written, whether m can be
// applied to the unit as it is now.
func (s *Service) CheckCaseMeasure(ctx context.Context, m CaseMeasure) error {
	_, _, err := s.caseMeasureChange(ctx, s.Store, audit.Actor{}, m)
	return err
}

// ApplyCaseMeasure suspends or revokes the unit a concluded case names, in
// the caller's transaction tx (the case's conclusion and the measure are
// one change), with its audit entry.
func (s *Service) ApplyCaseMeasure(ctx context.Context, tx *storage.Store, who audit.Actor, m CaseMeasure) error {
	change, unit, err := s.caseMeasureChange(ctx, tx, who, m)
	if err != nil || change == nil {
		return err
	}
	told, err := s.ownerTold(ctx, tx, unit, change.From, change.To, change.Reason)
	if err != nil {
		return err
	}
	if err := tx.ChangeUnitStatus(ctx, *change); err != nil {
		return err
	}
	if err := tx.Enqueue(ctx, told...); err != nil {
		return err
	}
	return s.record(ctx, tx, who, audit.ActionUnitStatus, unit.ID, &m.AgencyID,
		map[string]any{"status": change.From}, map[string]any{"status": change.To, "case_id": m.CaseID})
}

func (s *Service) caseMeasureChange(ctx context.Context, st *storage.Store, who audit.Actor, m CaseMeasure) (*storage.UnitChange, *model.Unit, error) {
	var action Action
	switch m.Measure {
	case MeasureSuspended:
		action = ActSuspend
	case MeasureRevoked:
		action = ActRevoke
	default:
		return nil, nil, nil
	}
	unit, err := st.UnitByID(ctx, m.UnitID)
	if err != nil {
		if fail.Is(err, fail.NotFound) {
			return nil, nil, ErrMeasureImpossible
		}
		return nil, nil, err
	}
	tr, err := Next(unit.Status, action, ByOfficer)
	if err != nil {
		return nil, nil, ErrMeasureImpossible
	}
	reason := m.Reason
	if reason == "" {
		// Stored as the unit's public reason: in the city's first language,
		// whatever the officer's UI language.
		reason = locale.New(locale.Chinese).T("case.measure_reason", m.TrackingNo)
	}
	change := &storage.UnitChange{UnitID: unit.ID, From: unit.Status, To: tr.To, Reason: reason, At: s.now()}
	if who.User != nil {
		change.ActorID = &who.User.ID
	}
	return change, unit, nil
}
