package storage

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"honestmeasure/internal/model"
)

// CaseHandoffs lists a case's hand-offs in target order.
func (s *Store) CaseHandoffs(ctx context.Context, caseID int64) ([]model.CaseHandoff, error) {
	var out []model.CaseHandoff
	err := s.q(ctx).Where("case_id = ?", caseID).Order("target").Find(&out).Error
	return out, err
}

// CaseHandoff is the case's hand-off to target, or ErrNotFound. In a
// transaction it locks the row (FOR UPDATE on MySQL) so a correction reads
// the number it replaces.
func (s *Store) CaseHandoff(ctx context.Context, caseID int64, target model.HandoffTarget) (*model.CaseHandoff, error) {
	var h model.CaseHandoff
	if err := s.q(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("case_id = ? AND target = ?", caseID, target).Take(&h).Error; err != nil {
		return nil, notFound(err)
	}
	return &h, nil
}

// AddCaseHandoff stores a new hand-off; a second one for the same case and
// target is ErrDuplicate.
func (s *Store) AddCaseHandoff(ctx context.Context, h *model.CaseHandoff) error {
	err := s.q(ctx).Create(h).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// CorrectCaseHandoff replaces a hand-off's registration number.
func (s *Store) CorrectCaseHandoff(ctx context.Context, id int64, regNo string, by int64, at time.Time) error {
	return s.q(ctx).Model(&model.CaseHandoff{}).Where("id = ?", id).
		Updates(map[string]any{"registration_no": regNo, "updated_by": by, "updated_at": at}).Error
}

// TouchCase marks a case changed (updated_at) without taking its lock
// version, for a change beside the case row that an incremental export must
// pick up (a hand-off) but that must not make an officer's open form stale.
func (s *Store) TouchCase(ctx context.Context, caseID int64) error {
	return s.q(ctx).Model(&model.Case{}).Where("id = ?", caseID).UpdateColumn("updated_at", time.Now().UTC()).Error
}

// HandoffFilter selects the cases of a hand-off export.
type HandoffFilter struct {
	AgencyID *int64 // nil: every agency's
	Target   model.HandoffTarget
	// Rows changed at or after Since, or — when AfterID is set — strictly
	// after the position (Since, AfterID) in (updated_at, id) order.
	Since   time.Time
	AfterID int64
	// Settle, when not zero, leaves out rows changed less than this long
	// ago by the clock that stamps updated_at (UpdateCase, TouchCase): their
	// transactions may still be committing behind later ones.
	Settle time.Duration
	Limit  int
}

// HandoffRow is one case as the hand-off export reads it: the case, its
// report and the unit and instrument it names.
type HandoffRow struct {
	CaseID          int64
	UpdatedAt       time.Time
	TrackingNo      string
	Kind            model.ReportKind
	Category        model.Category
	Anonymous       bool
	ReporterName    string
	ReporterPhone   string
	ReporterAddress string
	BusinessName    string
	BusinessAddress string
	UnitName        *string
	UnitUSCC        *string `gorm:"column:unit_uscc"`
	UnitAddress     *string
	InstrumentID    *int64
	IncidentAt      *time.Time
	Request         string
	Description     string
	AmountCents     *int64
	AgencyID        int64
	Status          model.CaseStatus
	DecisionGround  string
	Outcome         string
	ConcludedAt     *time.Time
	// Filled after the query from the instrument (InstrumentID).
	InstrumentSerial string                    `gorm:"-"`
	Certificate      *model.VerificationRecord `gorm:"-"`
}

// HandoffRows reads up to f.Limit cases in (updated_at, id) order, with
// each named instrument's serial and current record.
func (s *Store) HandoffRows(ctx context.Context, f HandoffFilter) ([]HandoffRow, error) {
	q := s.q(ctx).Table("cases").
		Joins("JOIN reports ON reports.id = cases.report_id").
		Joins("LEFT JOIN units ON units.id = reports.unit_id").
		Select(`cases.id AS case_id, cases.updated_at, reports.tracking_no, cases.kind, cases.category, reports.anonymous,
			reports.reporter_name, reports.reporter_phone, reports.reporter_address, reports.business_name, reports.business_address,
			units.name AS unit_name, units.uscc AS unit_uscc, units.address AS unit_address, reports.instrument_id,
			reports.incident_at, reports.request, reports.description, reports.amount_cents, cases.agency_id, cases.status,
			cases.decision_ground, cases.outcome, cases.concluded_at`)
	if f.AgencyID != nil {
		q = q.Where("cases.agency_id = ?", *f.AgencyID)
	}
	if f.Target != "" {
		q = q.Where("EXISTS (SELECT 1 FROM case_handoffs WHERE case_handoffs.case_id = cases.id AND case_handoffs.target = ?)", f.Target)
	}
	if f.AfterID > 0 {
		q = q.Where("(cases.updated_at > ? OR (cases.updated_at = ? AND cases.id > ?))", f.Since, f.Since, f.AfterID)
	} else if !f.Since.IsZero() {
		q = q.Where("cases.updated_at >= ?", f.Since)
	}
	if f.Settle > 0 {
		q = q.Where("cases.updated_at < ?", time.Now().UTC().Add(-f.Settle))
	}
	var rows []HandoffRow
	if err := q.Order("cases.updated_at, cases.id").Limit(f.Limit).Scan(&rows).Error; err != nil {
		return nil, err
	}
	var ids []int64
	for _, r := range rows {
		if r.InstrumentID != nil {
			ids = append(ids, *r.InstrumentID)
		}
	}
	if len(ids) == 0 {
		return rows, nil
	}
	var ins []model.Instrument
	if err := s.q(ctx).Where("id IN ?", ids).Find(&ins).Error; err != nil {
		return nil, err
	}
	views, err := s.withLatest(ctx, ins)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]InstrumentView, len(views))
	for _, v := range views {
		byID[v.Instrument.ID] = v
	}
	for i := range rows {
		if rows[i].InstrumentID == nil {
			continue
		}
		if v, ok := byID[*rows[i].InstrumentID]; ok {
			rows[i].InstrumentSerial, rows[i].Certificate = v.Instrument.SerialNo, v.Latest
		}
	}
	return rows, nil
}
