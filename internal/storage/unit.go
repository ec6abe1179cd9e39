package storage

import (
	"context"
	"time"

	"honestmeasure/internal/model"
)

// CreateUnit stores a new unit. A credit code already held by a live unit
// gives ErrDuplicate.
func (s *Store) CreateUnit(ctx context.Context, u *model.Unit) error {
	now := time.Now().UTC()
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	u.UpdatedAt = now
	if u.Status.HoldsCreditCode() {
		code := u.USCC
		u.USCCLive = &code
	} else {
		u.USCCLive = nil
	}
	err := s.q(ctx).Create(u).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// AddUnitEvent records a status change of a unit.
func (s *Store) AddUnitEvent(ctx context.Context, e *model.UnitEvent) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now().UTC()
	}
	return s.q(ctx).Create(e).Error
}

// CountUnits returns the number of units in any status.
func (s *Store) CountUnits(ctx context.Context) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&model.Unit{}).Count(&n).Error
	return n, err
}

// CreatePledge stores a signed pledge.
func (s *Store) CreatePledge(ctx context.Context, p *model.Pledge) error {
	return s.q(ctx).Create(p).Error
}

// CreateSpotCheck stores a spot-check result.
func (s *Store) CreateSpotCheck(ctx context.Context, sc *model.SpotCheck) error {
	if sc.CreatedAt.IsZero() {
		sc.CreatedAt = time.Now().UTC()
	}
	return s.q(ctx).Create(sc).Error
}
