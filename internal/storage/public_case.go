package storage

import (
	"context"
	"time"

	"honestmeasure/internal/model"
)

// PublicCase is what may leave the system of a case in bulk (Open311): no
// column of the report's reporter, facts or typed business details is ever
// read into it.
type PublicCase struct {
	CaseID       int64
	TrackingNo   string
	Category     model.Category
	Status       model.CaseStatus
	Outcome      string
	PublicNotice string
	ReceivedAt   time.Time
	ConcludedAt  *time.Time
	ClosedAt     *time.Time
	DistrictID   int64
	AgencyID     int64
	// UnitAddress is the address of the registered unit the report names
	// while that unit is in one of the filter's ListedUnitStatuses; "" for
	// any other unit and for a report about no registered unit.
	UnitAddress string
}

// PublicCaseFilter selects public cases. Statuses and ListedUnitStatuses
// are the caller's rule of what is public; storage only applies them.
type PublicCaseFilter struct {
	Statuses           []model.CaseStatus
	ListedUnitStatuses []model.UnitStatus
	// TrackingNos, when not empty, selects these cases only (by their
	// reports' tracking numbers): the dates and categories are ignored.
	TrackingNos []string
	Categories  []model.Category // empty: any
	// From and To bound received_at: From ≤ received_at < To (zero: open).
	From, To      time.Time
	Limit, Offset int
}

// PublicCases lists the concluded cases f selects, newest first. Only cases
// with a conclusion date are ever listed, whatever f.Statuses says.
func (s *Store) PublicCases(ctx context.Context, f PublicCaseFilter) ([]PublicCase, error) {
	if len(f.Statuses) == 0 || f.Limit <= 0 {
		return nil, nil
	}
	listed := f.ListedUnitStatuses
	if len(listed) == 0 {
		listed = []model.UnitStatus{""} // IN () is not SQL; "" matches no unit
	}
	q := s.q(ctx).Table("cases c").
		Select("c.id AS case_id, r.tracking_no, c.category, c.status, c.outcome, c.public_notice, c.received_at, "+
			"c.concluded_at, c.closed_at, c.district_id, c.agency_id, "+
			"CASE WHEN u.status IN ? THEN u.address ELSE '' END AS unit_address", listed).
		Joins("JOIN reports r ON r.id = c.report_id").
		Joins("LEFT JOIN units u ON u.id = r.unit_id").
		Where("c.status IN ? AND c.concluded_at IS NOT NULL", f.Statuses)
	if len(f.TrackingNos) > 0 {
		q = q.Where("r.tracking_no IN ?", f.TrackingNos)
	} else {
		if len(f.Categories) > 0 {
			q = q.Where("c.category IN ?", f.Categories)
		}
		if !f.From.IsZero() {
			q = q.Where("c.received_at >= ?", f.From.UTC())
		}
		if !f.To.IsZero() {
			q = q.Where("c.received_at < ?", f.To.UTC())
		}
	}
	var out []PublicCase
	err := q.Order("c.received_at DESC, c.id DESC").Limit(f.Limit).Offset(f.Offset).Scan(&out).Error
	return out, err
}
