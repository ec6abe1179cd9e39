package storage

import (
	"context"
	"time"

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
