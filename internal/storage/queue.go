package storage

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/model"
)

// QueueFilter selects cases for the officer queue. AgencyID nil means every
// agency (the city admin); the caller decides who may see what.
type QueueFilter struct {
	AgencyID   *int64
	Statuses   []model.CaseStatus // empty: every open status
	Kind       model.ReportKind
	Category   model.Category
	Priority   model.Priority
	DistrictID int64
	AssigneeID int64  // -1: unassigned
	Due        string // "overdue", "due_soon" or ""
	Burst      bool   // only cases that arrived in a burst about their unit
	UnitID     int64  // only cases whose report names this unit
	Query      string // tracking number, business name or description
	Sort       string // "deadline" (default), "priority", "age"
	Page       int
	PerPage    int
	Now        time.Time
	DueSoon    time.Duration // how close a deadline counts as due soon
}

// QueueRow is one line of the queue.
type QueueRow struct {
	model.Case
	TrackingNo   string
	BusinessName string
	Description  string
	UnitID       *int64
	// Photos is how many photos the report carries.
	Photos int
	// UnitOpen is how many open cases of the filter's agency name the same
	// unit (this one included): five reports against one shop are one
	// pattern. 0 when the report names no unit.
	UnitOpen int
}

// queueScope selects the filter's cases. The reports table is joined only
// for a text search: a count or a page of cases never needs to touch it.
func (s *Store) queueScope(ctx context.Context, f QueueFilter) *gorm.DB {
	q := s.q(ctx).Table("cases")
	if strings.TrimSpace(f.Query) != "" || f.UnitID != 0 {
		q = q.Joins("JOIN reports ON reports.id = cases.report_id")
	}
	if f.UnitID != 0 {
		q = q.Where("reports.unit_id = ?", f.UnitID)
	}
	if f.AgencyID != nil {
		q = q.Where("cases.agency_id = ?", *f.AgencyID)
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = model.OpenCaseStatuses
	}
	q = q.Where("cases.status IN ?", statuses)
	if f.Kind != "" {
		q = q.Where("cases.kind = ?", f.Kind)
	}
	if f.Category != "" {
		q = q.Where("cases.category = ?", f.Category)
	}
	if f.Priority != 0 {
		q = q.Where("cases.priority = ?", f.Priority)
	}
	if f.DistrictID != 0 {
		q = q.Where("cases.district_id = ?", f.DistrictID)
	}
	switch {
	case f.AssigneeID == -1:
		q = q.Where("cases.assignee_id IS NULL")
	case f.AssigneeID > 0:
		q = q.Where("cases.assignee_id = ?", f.AssigneeID)
	}
	switch f.Due {
	case "overdue":
		q = q.Where("cases.due_at < ?", f.Now)
	case "due_soon":
		q = q.Where("cases.due_at >= ? AND cases.due_at < ?", f.Now, f.Now.Add(f.DueSoon))
	}
	if f.Burst {
		q = q.Where("cases.burst > 0")
	}
	if t := strings.TrimSpace(f.Query); t != "" {
		pat := "%" + likeEscaper.Replace(t) + "%"
		q = q.Where("(reports.tracking_no = ? OR reports.business_name LIKE ? ESCAPE '!' OR reports.description LIKE ? ESCAPE '!')",
			strings.ToUpper(t), pat, pat)
	}
	return q
}

// Queue returns one page of cases and the number matching the filter.
func (s *Store) Queue(ctx context.Context, f QueueFilter) ([]QueueRow, int64, error) {
	var total int64
	if err := s.queueScope(ctx, f).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	if f.PerPage <= 0 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	order := "cases.due_at, cases.id"
	switch f.Sort {
	case "priority":
		order = "cases.priority, cases.due_at, cases.id"
	case "age":
		order = "cases.received_at, cases.id"
	}
	// The page of cases first, then their reports by key: joining before
	// the sort and limit would look up the report of every matching case.
	var cases []model.Case
	if err := s.queueScope(ctx, f).Select("cases.*").Order(order).
		Offset((f.Page - 1) * f.PerPage).Limit(f.PerPage).Find(&cases).Error; err != nil {
		return nil, 0, err
	}
	if len(cases) == 0 {
		return nil, total, nil
	}
	ids := make([]int64, len(cases))
	for i, c := range cases {
		ids[i] = c.ReportID
	}
	var reports []queueReport
	if err := s.q(ctx).Table("reports").Select("id, tracking_no, business_name, description, unit_id").
		Where("id IN ?", ids).Scan(&reports).Error; err != nil {
		return nil, 0, err
	}
	// Photo counts by the unique index (report_id, seq), never the blobs.
	var photos []struct {
		ReportID int64
		N        int
	}
	if err := s.q(ctx).Table("report_photos").Select("report_id, COUNT(*) AS n").
		Where("report_id IN ?", ids).Group("report_id").Scan(&photos).Error; err != nil {
		return nil, 0, err
	}
	photoCount := make(map[int64]int, len(photos))
	for _, p := range photos {
		photoCount[p.ReportID] = p.N
	}
	unitOpen, err := s.openCasesOfUnits(ctx, f.AgencyID, reports)
	if err != nil {
		return nil, 0, err
	}
	byID := make(map[int64]int, len(reports))
	for i, r := range reports {
		byID[r.ID] = i
	}
	rows := make([]QueueRow, len(cases))
	for i, c := range cases {
		rows[i].Case = c
		if j, ok := byID[c.ReportID]; ok {
			r := reports[j]
			rows[i].TrackingNo, rows[i].BusinessName, rows[i].Description = r.TrackingNo, r.BusinessName, r.Description
			rows[i].UnitID, rows[i].Photos = r.UnitID, photoCount[c.ReportID]
			if r.UnitID != nil {
				rows[i].UnitOpen = unitOpen[*r.UnitID]
			}
		}
	}
	return rows, total, nil
}

// queueReport is what a queue row shows of its report.
type queueReport struct {
	ID           int64
	TrackingNo   string
	BusinessName string
	Description  string
	UnitID       *int64
}

// openCasesOfUnits counts, per unit named by one of reports, the open cases
// (of agencyID; every agency's for nil) whose report names it: through
// idx_reports_unit, one page's units at a time.
func (s *Store) openCasesOfUnits(ctx context.Context, agencyID *int64, reports []queueReport) (map[int64]int, error) {
	var units []int64
	seen := map[int64]bool{}
	for _, r := range reports {
		if r.UnitID != nil && !seen[*r.UnitID] {
			seen[*r.UnitID] = true
			units = append(units, *r.UnitID)
		}
	}
	out := map[int64]int{}
	if len(units) == 0 {
		return out, nil
	}
	// Driven from the units' reports (idx_reports_unit), each probing its
	// one case (ux_cases_report): a join would let SQLite start from all the
	// agency's open cases instead.
	open := s.q(ctx).Table("cases").Select("1").Where("cases.report_id = reports.id AND cases.status IN ?", model.OpenCaseStatuses)
	if agencyID != nil {
		open = open.Where("cases.agency_id = ?", *agencyID)
	}
	q := s.q(ctx).Table("reports").Where("reports.unit_id IN ?", units).Where("EXISTS (?)", open)
	var counts []struct {
		UnitID int64
		N      int
	}
	if err := q.Select("reports.unit_id AS unit_id, COUNT(*) AS n").Group("reports.unit_id").Scan(&counts).Error; err != nil {
		return nil, err
	}
	for _, c := range counts {
		out[c.UnitID] = c.N
	}
	return out, nil
}

// QueueCounts is how many open cases are overdue and due soon.
type QueueCounts struct {
	Open, Overdue, DueSoon, Unassigned int64
}

// CountQueue counts the agency's open cases by urgency, in one pass over
// the covering index idx_cases_agency_status_assignee.
func (s *Store) CountQueue(ctx context.Context, agencyID *int64, now time.Time, dueSoon time.Duration) (QueueCounts, error) {
	var c QueueCounts
	err := s.queueScope(ctx, QueueFilter{AgencyID: agencyID}).
		Select(`COUNT(*) AS open,
			COALESCE(SUM(CASE WHEN cases.due_at < ? THEN 1 ELSE 0 END), 0) AS overdue,
			COALESCE(SUM(CASE WHEN cases.due_at >= ? AND cases.due_at < ? THEN 1 ELSE 0 END), 0) AS due_soon,
			COALESCE(SUM(CASE WHEN cases.assignee_id IS NULL THEN 1 ELSE 0 END), 0) AS unassigned`,
			now, now, now.Add(dueSoon)).
		Scan(&c).Error
	return c, err
}

func (s *Store) StaffOfAgency(ctx context.Context, agencyID int64) ([]model.User, error) {
	var out []model.User
	err := s.q(ctx).Where("agency_id = ? AND disabled = ? AND role IN ?", agencyID, false,
		[]model.Role{model.RoleOfficer, model.RoleSupervisor}).Order("display_name, id").Find(&out).Error
	return out, err
}
