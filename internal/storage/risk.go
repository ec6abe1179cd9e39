package storage

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"honestmeasure/internal/model"
)

// RiskUnitIDs lists, in id order, up to limit ids above afterID of the units
// that get a risk class: every unit but drafts (a merchant's private work
// until submitted). With only, just those among them.
func (s *Store) RiskUnitIDs(ctx context.Context, afterID int64, limit int, only []int64) ([]int64, error) {
	q := s.q(ctx).Model(&model.Unit{}).Where("id > ? AND status <> ?", afterID, model.UnitDraft)
	if only != nil {
		q = q.Where("id IN ?", only)
	}
	var ids []int64
	err := q.Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, err
}

// RiskCase is a substantiated case about a unit, as its risk class counts it.
type RiskCase struct {
	UnitID      int64
	Category    model.Category
	ConcludedAt time.Time
}

// RiskFacts are a unit's facts for its risk class, as stored.
type RiskFacts struct {
	Instruments   []InstrumentView // in use, each with its governing record
	Cases         []RiskCase
	SpotChecks    []model.SpotCheck
	OpenConflicts int
}

// GatherRiskFacts loads the risk facts of the given units in six queries
// however many units (bounded by the caller's window) and instruments there
// are: the instruments in use with their records and types, the cases
// concluded with outcome since since (merged duplicates not counted twice),
// the spot checks since since and the open conflicts. Every unit asked for
// has an entry.
func (s *Store) GatherRiskFacts(ctx context.Context, unitIDs []int64, outcome string, since time.Time) (map[int64]*RiskFacts, error) {
	out := make(map[int64]*RiskFacts, len(unitIDs))
	if len(unitIDs) == 0 {
		return out, nil
	}
	for _, id := range unitIDs {
		out[id] = &RiskFacts{}
	}
	views, err := s.InstrumentsOfUnits(ctx, unitIDs, false)
	if err != nil {
		return nil, err
	}
	for _, v := range views {
		if f := out[v.Instrument.UnitID]; f != nil {
			f.Instruments = append(f.Instruments, v)
		}
	}
	var cases []RiskCase
	if err := s.q(ctx).Table("cases c").Select("r.unit_id, c.category, c.concluded_at").
		Joins("JOIN reports r ON r.id = c.report_id").
		Where("r.unit_id IN ? AND c.outcome = ? AND c.concluded_at >= ? AND c.duplicate_of_case_id IS NULL", unitIDs, outcome, since).
		Order("r.unit_id, c.id").Scan(&cases).Error; err != nil {
		return nil, err
	}
	for _, c := range cases {
		out[c.UnitID].Cases = append(out[c.UnitID].Cases, c)
	}
	var checks []model.SpotCheck
	if err := s.q(ctx).Where("unit_id IN ? AND checked_on >= ?", unitIDs, since).Order("unit_id, id").Find(&checks).Error; err != nil {
		return nil, err
	}
	for _, sc := range checks {
		out[sc.UnitID].SpotChecks = append(out[sc.UnitID].SpotChecks, sc)
	}
	var open []struct {
		UnitID int64
		N      int
	}
	if err := s.q(ctx).Model(&model.Conflict{}).Select("unit_id, COUNT(*) AS n").
		Where("unit_id IN ? AND status = ?", unitIDs, model.ConflictOpen).Group("unit_id").Scan(&open).Error; err != nil {
		return nil, err
	}
	for _, o := range open {
		out[o.UnitID].OpenConflicts = o.N
	}
	return out, nil
}

// UnitRisks returns the stored risk classes of the given units, by unit id.
func (s *Store) UnitRisks(ctx context.Context, unitIDs []int64) (map[int64]model.UnitRisk, error) {
	out := make(map[int64]model.UnitRisk, len(unitIDs))
	if len(unitIDs) == 0 {
		return out, nil
	}
	var rows []model.UnitRisk
	if err := s.q(ctx).Where("unit_id IN ?", unitIDs).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.UnitID] = r
	}
	return out, nil
}

// UnitRisk returns a unit's stored risk class; ErrNotFound when it has none yet.
func (s *Store) UnitRisk(ctx context.Context, unitID int64) (*model.UnitRisk, error) {
	var r model.UnitRisk
	if err := s.q(ctx).Where("unit_id = ?", unitID).Take(&r).Error; err != nil {
		return nil, notFound(err)
	}
	return &r, nil
}

// SaveUnitRisk stores r as its unit's class if the stored one is still at
// revision prev (0: none stored), and sets r.Revision. It reports false, and
// writes nothing, when another writer got there first.
func (s *Store) SaveUnitRisk(ctx context.Context, r *model.UnitRisk, prev int) (bool, error) {
	r.Revision = prev + 1
	if prev == 0 {
		r.ID = 0
		res := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(r)
		return res.RowsAffected == 1, res.Error
	}
	res := s.q(ctx).Model(&model.UnitRisk{}).Where("unit_id = ? AND revision = ?", r.UnitID, prev).
		Updates(map[string]any{"class": r.Class, "score": r.Score, "rule_version": r.RuleVersion, "inputs": r.Inputs,
			"revision": r.Revision, "computed_at": r.ComputedAt})
	return res.RowsAffected == 1, res.Error
}
