package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/model"
)

// CreateChangeRequest stores an open change request of a unit. A unit with
// an open request already gives ErrDuplicate and nothing is stored.
func (s *Store) CreateChangeRequest(ctx context.Context, r *model.UnitChangeRequest) error {
	unit := r.UnitID
	r.State, r.OpenUnitID = model.ChangeOpen, &unit
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now().UTC()
	}
	err := s.q(ctx).Create(r).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// ChangeRequestByID finds a change request.
func (s *Store) ChangeRequestByID(ctx context.Context, id int64) (*model.UnitChangeRequest, error) {
	var r model.UnitChangeRequest
	if err := s.q(ctx).Take(&r, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &r, nil
}

// LatestChangeRequest is the unit's newest change request in any state, or
// ErrNotFound: what its owner and the officers see on the unit's page.
func (s *Store) LatestChangeRequest(ctx context.Context, unitID int64) (*model.UnitChangeRequest, error) {
	var r model.UnitChangeRequest
	if err := s.q(ctx).Where("unit_id = ?", unitID).Order("id DESC").Take(&r).Error; err != nil {
		return nil, notFound(err)
	}
	return &r, nil
}

// ChangeDecision closes an open change request.
type ChangeDecision struct {
	RequestID int64
	State     model.ChangeState // approved, rejected or withdrawn
	By        *int64            // nil for a withdrawal: the requester is on the request
	Reason    string
	At        time.Time
}

// CloseChangeRequest records d on its request. A request that is no longer
// open (decided or withdrawn meanwhile) gives ErrConflict and nothing is
// written.
func (s *Store) CloseChangeRequest(ctx context.Context, d ChangeDecision) error {
	res := s.q(ctx).Model(&model.UnitChangeRequest{}).Where("id = ? AND state = ?", d.RequestID, model.ChangeOpen).
		Updates(map[string]any{"state": d.State, "open_unit_id": nil, "decided_by": d.By, "decided_at": d.At,
			"decision_reason": d.Reason})
	switch {
	case res.Error != nil:
		return res.Error
	case res.RowsAffected != 1:
		return ErrConflict
	}
	return nil
}

// ApplyChangeRequest approves the open request r as d says and writes its
// values into the unit, in one transaction. The unit must still be in
// status and carry r's From values; otherwise (or if the request is no
// longer open) nothing is written and ErrConflict is returned. A unit that
// holds its credit code goes on holding it, changed: a code another unit
// holds gives ErrDuplicate. The unit's public revision moves, so its scan
// pages show the new details at once.
func (s *Store) ApplyChangeRequest(ctx context.Context, r *model.UnitChangeRequest, status model.UnitStatus, d ChangeDecision) error {
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.CloseChangeRequest(ctx, d); err != nil {
			return err
		}
		res := tx.q(ctx).Model(&model.Unit{}).
			Where("id = ? AND status = ? AND name = ? AND uscc = ? AND business_type = ? AND district_id = ? AND address = ?",
				r.UnitID, status, r.FromName, r.FromUSCC, r.FromBusinessType, r.FromDistrictID, r.FromAddress).
			Updates(map[string]any{"name": r.Name, "uscc": r.USCC,
				"uscc_live":     gorm.Expr("CASE WHEN uscc_live IS NULL THEN NULL ELSE ? END", r.USCC),
				"business_type": r.BusinessType, "district_id": r.DistrictID, "address": r.Address,
				"updated_at": d.At, "public_rev": bumpPublicRev})
		switch {
		case res.Error != nil:
			return res.Error
		case res.RowsAffected != 1:
			return ErrConflict
		}
		return tx.publicChanged(ctx, unitPages(r.UnitID))
	})
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// ChangeRequestRow is an open change request in the officers' list, with
// the unit's name and district as they are now.
type ChangeRequestRow struct {
	model.UnitChangeRequest
	UnitName       string
	UnitDistrictID int64
}

// OpenChangeRequests lists up to limit open change requests of units in
// the districts where agencyID has jurisdiction (every district when nil),
// oldest first.
func (s *Store) OpenChangeRequests(ctx context.Context, agencyID *int64, limit int) ([]ChangeRequestRow, error) {
	var out []ChangeRequestRow
	err := s.openChanges(ctx, agencyID).
		Select("unit_change_requests.*, units.name AS unit_name, units.district_id AS unit_district_id").
		Order("unit_change_requests.created_at, unit_change_requests.id").Limit(limit).Scan(&out).Error
	return out, err
}

// CountOpenChangeRequests counts what OpenChangeRequests lists: the tab.
func (s *Store) CountOpenChangeRequests(ctx context.Context, agencyID *int64) (int64, error) {
	var n int64
	err := s.openChanges(ctx, agencyID).Count(&n).Error
	return n, err
}

func (s *Store) openChanges(ctx context.Context, agencyID *int64) *gorm.DB {
	q := s.q(ctx).Table("unit_change_requests").Joins("JOIN units ON units.id = unit_change_requests.unit_id").
		Where("unit_change_requests.state = ?", model.ChangeOpen)
	if agencyID != nil {
		q = q.Where("units.district_id IN (?)", s.q(ctx).Table("agency_districts").Select("district_id").Where("agency_id = ?", *agencyID))
	}
	return q
}
