package storage

import (
	"context"
	"strings"
	"time"

	"honestmeasure/internal/model"
)

// UnitName is the little the public directory orders units by.
type UnitName struct {
	ID   int64
	Name string
}

// DirectoryNames lists the ID and name of every unit in one of statuses
// matching f's search text, district and type (f's paging is ignored: the
// caller orders by a collation SQL does not have, then pages).
func (s *Store) DirectoryNames(ctx context.Context, f UnitFilter, statuses []model.UnitStatus) ([]UnitName, error) {
	q := s.q(ctx).Model(&model.Unit{}).Select("id, name").Where("status IN ?", statuses)
	if f.DistrictID != 0 {
		q = q.Where("district_id = ?", f.DistrictID)
	}
	if f.BusinessType != "" {
		q = q.Where("business_type = ?", f.BusinessType)
	}
	if t := strings.TrimSpace(f.Query); t != "" {
		pat := "%" + likeEscaper.Replace(t) + "%"
		q = q.Where("(name LIKE ? ESCAPE '!' OR address LIKE ? ESCAPE '!')", pat, pat)
	}
	var out []UnitName
	err := q.Order("id").Scan(&out).Error
	return out, err
}

// UnitsInOrder loads the units ids in that order (ids gone since are left
// out), each with its current public code version (0 if none was issued).
func (s *Store) UnitsInOrder(ctx context.Context, ids []int64) ([]model.Unit, map[int64]int, error) {
	if len(ids) == 0 {
		return nil, map[int64]int{}, nil
	}
	var rows []model.Unit
	if err := s.q(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, nil, err
	}
	byID := make(map[int64]model.Unit, len(rows))
	for _, u := range rows {
		byID[u.ID] = u
	}
	list := make([]model.Unit, 0, len(rows))
	for _, id := range ids {
		if u, ok := byID[id]; ok {
			list = append(list, u)
		}
	}
	versions, err := s.liveVersions(ctx, model.QRUnit, ids)
	return list, versions, err
}

// SealInstrument marks instrument id sealed by caseID at at, and moves its
// unit's public revision so every cached scan page shows the seal.
func (s *Store) SealInstrument(ctx context.Context, id, caseID int64, at time.Time) error {
	return s.atomic(ctx, func(tx *Store) error {
		res := tx.q(ctx).Model(&model.Instrument{}).Where("id = ?", id).
			Updates(map[string]any{"sealed_at": at, "sealed_case_id": caseID, "updated_at": at})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return tx.touchUnitOfInstrument(ctx, id)
	})
}

// DirectoryBatch loads up to n units in one of statuses with an ID above
// afterID, in ID order: the open-data downloads walk the whole directory
// this way without holding it in memory.
func (s *Store) DirectoryBatch(ctx context.Context, statuses []model.UnitStatus, afterID int64, n int) ([]model.Unit, error) {
	var out []model.Unit
	err := s.q(ctx).Where("status IN ? AND id > ?", statuses, afterID).Order("id").Limit(n).Find(&out).Error
	return out, err
}

// CurrentPledges is CurrentPledge for several units at once, by unit ID
// (a unit without a standing pledge is absent).
func (s *Store) CurrentPledges(ctx context.Context, unitIDs []int64) (map[int64]model.Pledge, error) {
	out := map[int64]model.Pledge{}
	if len(unitIDs) == 0 {
		return out, nil
	}
	var rows []model.Pledge
	if err := s.q(ctx).Where("unit_id IN ? AND superseded_at IS NULL", unitIDs).Order("unit_id, signed_at, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, p := range rows {
		out[p.UnitID] = p // the latest signed wins, as in CurrentPledge
	}
	return out, nil
}
