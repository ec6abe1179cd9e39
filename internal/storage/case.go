package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/model"
)

// CreateCase stores a new case.
func (s *Store) CreateCase(ctx context.Context, c *model.Case) error {
	now := time.Now().UTC()
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	c.UpdatedAt = now
	if c.LockVersion == 0 {
		c.LockVersion = 1
	}
	return s.q(ctx).Create(c).Error
}

// AddCaseEvent appends an entry to a case's timeline.
func (s *Store) AddCaseEvent(ctx context.Context, e *model.CaseEvent) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now().UTC()
	}
	return s.q(ctx).Create(e).Error
}

// Holidays returns every calendar exception, for the working-day calendar.
func (s *Store) Holidays(ctx context.Context) ([]model.Holiday, error) {
	var out []model.Holiday
	err := s.q(ctx).Order("day").Find(&out).Error
	return out, err
}

// CaseByID finds a case.
func (s *Store) CaseByID(ctx context.Context, id int64) (*model.Case, error) {
	var c model.Case
	if err := s.q(ctx).Take(&c, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &c, nil
}

// ReportByID finds a report.
func (s *Store) ReportByID(ctx context.Context, id int64) (*model.Report, error) {
	var r model.Report
	if err := s.q(ctx).Take(&r, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &r, nil
}

// CaseEvents lists a case's whole timeline, oldest first.
func (s *Store) CaseEvents(ctx context.Context, caseID int64) ([]model.CaseEvent, error) {
	var out []model.CaseEvent
	err := s.q(ctx).Where("case_id = ?", caseID).Order("id").Find(&out).Error
	return out, err
}

// PhotoMeta is a report photo without its bytes.
type PhotoMeta struct {
	ID, ReportID       int64
	Seq, Width, Height int
	SizeBytes          int
}

// ReportPhotos lists a report's photos without loading them.
func (s *Store) ReportPhotos(ctx context.Context, reportID int64) ([]PhotoMeta, error) {
	var out []PhotoMeta
	err := s.q(ctx).Model(&model.ReportPhoto{}).Select("id, report_id, seq, width, height, size_bytes").
		Where("report_id = ?", reportID).Order("seq").Scan(&out).Error
	return out, err
}

// ReportPhoto loads one photo of a report.
func (s *Store) ReportPhoto(ctx context.Context, reportID int64, seq int) (*model.ReportPhoto, error) {
	var p model.ReportPhoto
	if err := s.q(ctx).Where("report_id = ? AND seq = ?", reportID, seq).Take(&p).Error; err != nil {
		return nil, notFound(err)
	}
	return &p, nil
}

// RelatedCase is another report on the same unit or instrument.
type RelatedCase struct {
	CaseID     int64
	TrackingNo string
	Kind       model.ReportKind
	Status     model.CaseStatus
	Category   model.Category
	AgencyID   int64
	CreatedAt  time.Time
}

// relatedTo selects the cases of other reports on the same unit (or, for a
// report about an instrument, on that instrument or its unit); nil when the
// report names neither.
func (s *Store) relatedTo(ctx context.Context, r *model.Report) *gorm.DB {
	if r.UnitID == nil && r.InstrumentID == nil {
		return nil
	}
	q := s.q(ctx).Table("reports").Joins("JOIN cases ON cases.report_id = reports.id").Where("reports.id <> ?", r.ID)
	switch {
	case r.InstrumentID != nil && r.UnitID != nil:
		// Parenthesised by hand: more conditions are ANDed on after this one.
		q = q.Where("(reports.instrument_id = ? OR reports.unit_id = ?)", *r.InstrumentID, *r.UnitID)
	case r.InstrumentID != nil:
		q = q.Where("reports.instrument_id = ?", *r.InstrumentID)
	default:
		q = q.Where("reports.unit_id = ?", *r.UnitID)
	}
	return q
}

// RelatedCases lists other reports on the same unit (or instrument), newest
// first: possible duplicates. With agencyID set it lists only the cases that
// agency handles; nil lists every agency's.
func (s *Store) RelatedCases(ctx context.Context, r *model.Report, agencyID *int64, limit int) ([]RelatedCase, error) {
	q := s.relatedTo(ctx, r)
	if q == nil {
		return nil, nil
	}
	if agencyID != nil {
		q = q.Where("cases.agency_id = ?", *agencyID)
	}
	var out []RelatedCase
	err := q.Select("cases.id AS case_id, reports.tracking_no, cases.kind, cases.status, cases.category, cases.agency_id, reports.created_at").
		Order("reports.id DESC").Limit(limit).Scan(&out).Error
	return out, err
}

// RelatedCount is how many related cases one agency has in one status.
type RelatedCount struct {
	AgencyID int64
	Status   model.CaseStatus
	N        int
}

// RelatedCasesElsewhere counts, per agency and status, the other reports on
// the same unit (or instrument) that agencies other than agencyID handle:
// their existence without anything that identifies them.
func (s *Store) RelatedCasesElsewhere(ctx context.Context, r *model.Report, agencyID int64) ([]RelatedCount, error) {
	q := s.relatedTo(ctx, r)
	if q == nil {
		return nil, nil
	}
	var out []RelatedCount
	err := q.Where("cases.agency_id <> ?", agencyID).Select("cases.agency_id, cases.status, COUNT(*) AS n").
		Group("cases.agency_id, cases.status").Order("cases.agency_id, cases.status").Scan(&out).Error
	return out, err
}

// CaseUpdate is a change to a case made under optimistic locking: it applies
// only if the case is still at LockVersion (nobody acted in between).
type CaseUpdate struct {
	CaseID      int64
	LockVersion int
	Set         map[string]any
	Events      []model.CaseEvent
	// Photos are added to the case's report (ReportID), numbered after the
	// ones it has, in the same transaction.
	ReportID int64
	Photos   []model.ReportPhoto
}

// UpdateCase applies u and appends its timeline entries in one
// transaction, or returns ErrConflict and writes nothing.
func (s *Store) UpdateCase(ctx context.Context, u CaseUpdate) error {
	return s.Tx(ctx, func(tx *Store) error {
		set := map[string]any{"lock_version": u.LockVersion + 1, "updated_at": time.Now().UTC()}
		for k, v := range u.Set {
			set[k] = v
		}
		res := tx.q(ctx).Model(&model.Case{}).Where("id = ? AND lock_version = ?", u.CaseID, u.LockVersion).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrConflict
		}
		for i := range u.Events {
			u.Events[i].CaseID = u.CaseID
			if err := tx.AddCaseEvent(ctx, &u.Events[i]); err != nil {
				return err
			}
		}
		if len(u.Photos) == 0 {
			return nil
		}
		// The case row is updated above under its lock version, so no
		// other change to this case runs between reading the last number and
		// adding after it.
		var last int
		if err := tx.q(ctx).Model(&model.ReportPhoto{}).Where("report_id = ?", u.ReportID).Select("COALESCE(MAX(seq), 0)").Scan(&last).Error; err != nil {
			return err
		}
		now := time.Now().UTC()
		for i := range u.Photos {
			u.Photos[i].ReportID, u.Photos[i].Seq, u.Photos[i].CreatedAt = u.ReportID, last+i+1, now
		}
		return tx.q(ctx).Create(&u.Photos).Error
	})
}

// CasesMergedInto lists the cases closed as duplicates of caseID.
func (s *Store) CasesMergedInto(ctx context.Context, caseID int64) ([]model.Case, error) {
	var out []model.Case
	err := s.q(ctx).Where("duplicate_of_case_id = ?", caseID).Order("id").Find(&out).Error
	return out, err
}
