package units

import (
	"context"
	"strconv"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// Service is what merchants and officers do to a demonstration unit. Each
// method owns its transaction, its audit entries and the notices it sends,
// so the pages and the API share one set of rules.
type Service struct {
	Store   *storage.Store
	Audit   *audit.Log
	BaseURL string // for links in notices
	Now     func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
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
	if err := tx.ChangeUnitStatus(ctx, *change); err != nil {
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
