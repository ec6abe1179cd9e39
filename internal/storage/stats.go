package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/database"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
)

// StatsScope selects the cases a statistic counts: those of one agency
// (nil: every agency, the city admin's view) received in [From, To). The
// caller decides who may see which agency.
type StatsScope struct {
	AgencyID *int64
	From, To time.Time
}

// statsCases is the scope as a query on cases. Each report has exactly one
// case, so counting cases counts reports. With an agency the WHERE runs on
// idx_cases_agency_received.
func (s *Store) statsCases(ctx context.Context, sc StatsScope) *gorm.DB {
	q := s.q(ctx).Model(&model.Case{})
	if sc.AgencyID != nil {
		q = q.Where("agency_id = ?", *sc.AgencyID)
	}
	return q.Where("received_at >= ? AND received_at < ?", sc.From.UTC(), sc.To.UTC())
}

// CaseDimension is a column of cases that statistics group by.
type CaseDimension string

const (
	ByDistrict CaseDimension = "district_id"
	ByCategory CaseDimension = "category"
	ByStatus   CaseDimension = "status"
)

// CountCasesBy counts the scope's cases per value of dim (district IDs in
// decimal). Values without cases are absent from the map.
func (s *Store) CountCasesBy(ctx context.Context, sc StatsScope, dim CaseDimension) (map[string]int64, error) {
	switch dim {
	case ByDistrict, ByCategory, ByStatus:
	default:
		return nil, fmt.Errorf("storage: cannot count cases by %q", dim)
	}
	var rows []struct {
		K string
		N int64
	}
	col := string(dim)
	if err := s.statsCases(ctx, sc).Select(col + " AS k, COUNT(*) AS n").Group(col).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.K] = r.N
	}
	return out, nil
}

// CaseTiming is how long the scope's cases took. An average over no cases
// is 0; check the count before showing it.
type CaseTiming struct {
	DecideDays float64 // complaints: received to the decision to accept or not
	Decided    int64   // complaints the decision average is over
	// ConcludeDays is received to concluded, for every case concluded.
	ConcludeDays float64
	Concluded    int64
}

// CaseTimingStats averages, in days, how long the scope's complaints waited
// for the acceptance decision and how long cases took to conclude.
func (s *Store) CaseTimingStats(ctx context.Context, sc StatsScope) (CaseTiming, error) {
	var t CaseTiming
	avg := func(dst *float64, n *int64, end string, q *gorm.DB) error {
		var r struct {
			N    int64
			Days sql.NullFloat64
		}
		err := q.Select("COUNT(*) AS n, AVG(" + s.daysBetween("received_at", end) + ") AS days").
			Where(end + " IS NOT NULL").Scan(&r).Error
		*dst, *n = r.Days.Float64, r.N
		return err
	}
	// A decided_at on a case still (or again) new would be a decision that
	// did not happen; the status must have moved on.
	complaints := s.statsCases(ctx, sc).Where("kind = ? AND status <> ?", model.KindComplaint, model.CaseNew)
	if err := avg(&t.DecideDays, &t.Decided, "decided_at", complaints); err != nil {
		return t, err
	}
	if err := avg(&t.ConcludeDays, &t.Concluded, "concluded_at", s.statsCases(ctx, sc)); err != nil {
		return t, err
	}
	return t, nil
}

// daysBetween is the SQL for the days (with fractions) from column a to b.
// Date arithmetic is the one thing the two engines spell differently.
func (s *Store) daysBetween(a, b string) string {
	if database.DialectOf(s.db) == database.MySQL {
		return "TIMESTAMPDIFF(MICROSECOND, " + a + ", " + b + ") / 86400000000"
	}
	return "(julianday(" + b + ") - julianday(" + a + "))"
}

// CasesReceivedPer counts the cases of one agency (nil: all) received in
// each interval [bounds[i], bounds[i+1]), so len(bounds)-1 counts. The
// caller draws the bounds (calendar months in the local zone, say); the
// query buckets with a CASE on the bounds, which both engines run the same,
// and its WHERE spans only bounds[0] to the last bound.
func (s *Store) CasesReceivedPer(ctx context.Context, agencyID *int64, bounds []time.Time) ([]int64, error) {
	if len(bounds) < 2 {
		return nil, nil
	}
	out := make([]int64, len(bounds)-1)
	var bucket strings.Builder
	var args []any
	bucket.WriteString("CASE")
	for i, b := range bounds[1 : len(bounds)-1] {
		fmt.Fprintf(&bucket, " WHEN received_at < ? THEN %d", i)
		args = append(args, b.UTC())
	}
	fmt.Fprintf(&bucket, " ELSE %d END", len(out)-1)
	var rows []struct {
		K int
		N int64
	}
	err := s.statsCases(ctx, StatsScope{AgencyID: agencyID, From: bounds[0], To: bounds[len(bounds)-1]}).
		Select(bucket.String()+" AS k, COUNT(*) AS n", args...).Group("k").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if r.K >= 0 && r.K < len(out) {
			out[r.K] = r.N
		}
	}
	return out, nil
}

// JurisdictionDistricts lists the districts an agency may act in.
func (s *Store) JurisdictionDistricts(ctx context.Context, agencyID int64) ([]int64, error) {
	var ids []int64
	err := s.q(ctx).Table("agency_districts").Where("agency_id = ?", agencyID).Order("district_id").Pluck("district_id", &ids).Error
	return ids, err
}

// UnitProgressIn is PublishedUnitsByDistrict limited to the districts where
// agencyID has jurisdiction (nil: every district).
func (s *Store) UnitProgressIn(ctx context.Context, agencyID *int64) ([]DistrictProgress, error) {
	all, err := s.PublishedUnitsByDistrict(ctx)
	if err != nil || agencyID == nil {
		return all, err
	}
	ids, err := s.JurisdictionDistricts(ctx, *agencyID)
	if err != nil {
		return nil, err
	}
	in := make(map[int64]bool, len(ids))
	for _, id := range ids {
		in[id] = true
	}
	out := all[:0]
	for _, p := range all {
		if in[p.District.ID] {
			out = append(out, p)
		}
	}
	return out, nil
}

// CaseTimes is what the performance figures (internal/performance) need of
// one case.
type CaseTimes struct {
	ID              int64
	AgencyID        int64
	AssigneeID      *int64
	Kind            model.ReportKind
	Status          model.CaseStatus
	ReceivedAt      time.Time
	DecisionDueAt   time.Time
	DecidedAt       *time.Time
	ConclusionDueAt *time.Time
	ConcludedAt     *time.Time
}

// MaxCaseTimes bounds the cases one figure is computed over: a city's year
// is tens of thousands; more is a period nobody should ask for in one page.
const MaxCaseTimes = 200_000

// ErrTooManyCases: the scope holds more than MaxCaseTimes cases.
var ErrTooManyCases = fail.Field(fail.Invalid, "from", "dashboard.too_many_cases")

// CaseTimesIn lists the times of the scope's cases (received in its
// period), at most MaxCaseTimes of them (more is ErrTooManyCases).
func (s *Store) CaseTimesIn(ctx context.Context, sc StatsScope) ([]CaseTimes, error) {
	var out []CaseTimes
	err := s.statsCases(ctx, sc).Select("id, agency_id, assignee_id, kind, status, received_at, decision_due_at, decided_at, conclusion_due_at, concluded_at").
		Order("id").Limit(MaxCaseTimes + 1).Scan(&out).Error
	if err == nil && len(out) > MaxCaseTimes {
		return nil, ErrTooManyCases
	}
	return out, err
}

// CountQueueBy is CountQueue per agency or, with byAssignee, per officer
// assigned (0: unassigned), for the open cases of agencyID (nil: all).
func (s *Store) CountQueueBy(ctx context.Context, agencyID *int64, byAssignee bool, now time.Time, dueSoon time.Duration) (map[int64]QueueCounts, error) {
	key := "cases.agency_id"
	if byAssignee {
		key = "COALESCE(cases.assignee_id, 0)"
	}
	var rows []struct {
		ID int64
		QueueCounts
	}
	err := s.queueScope(ctx, QueueFilter{AgencyID: agencyID}).
		Select(key+` AS id, COUNT(*) AS open,
			COALESCE(SUM(CASE WHEN cases.due_at < ? THEN 1 ELSE 0 END), 0) AS overdue,
			COALESCE(SUM(CASE WHEN cases.due_at >= ? AND cases.due_at < ? THEN 1 ELSE 0 END), 0) AS due_soon,
			COALESCE(SUM(CASE WHEN cases.assignee_id IS NULL THEN 1 ELSE 0 END), 0) AS unassigned`,
			now, now, now.Add(dueSoon)).
		Group(key).Scan(&rows).Error
	out := make(map[int64]QueueCounts, len(rows))
	for _, r := range rows {
		out[r.ID] = r.QueueCounts
	}
	return out, err
}
