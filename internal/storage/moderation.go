package storage

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"honestmeasure/internal/model"
)

// AddModeration stores one masked text (internal/moderation), setting m.ID.
func (s *Store) AddModeration(ctx context.Context, m *model.Moderation) error {
	return s.q(ctx).Create(m).Error
}

// ModerationByID returns one masked text with its original.
func (s *Store) ModerationByID(ctx context.Context, id int64) (*model.Moderation, error) {
	var m model.Moderation
	err := s.q(ctx).Where("id = ?", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	return &m, err
}

// ModerationsOf lists, oldest first, the masked texts of field of the
// objects of objectType among ids (without their originals), at most 4 per
// object times len(ids).
func (s *Store) ModerationsOf(ctx context.Context, objectType, field string, ids []int64) ([]model.Moderation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []model.Moderation
	err := s.q(ctx).Select("id", "object_type", "object_id", "field", "agency_id", "actor_user_id", "reason", "kinds", "published", "created_at").
		Where("object_type = ? AND object_id IN ? AND field = ?", objectType, ids, field).Order("id").Limit(4 * len(ids)).Find(&out).Error
	return out, err
}

// ModerationsOfObjects lists, newest first, every masked text of the
// objects of objectType among ids, all fields, without originals: the staff
// view of a case lists them.
func (s *Store) ModerationsOfObjects(ctx context.Context, objectType string, ids []int64) ([]model.Moderation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []model.Moderation
	err := s.q(ctx).Select("id", "object_type", "object_id", "field", "agency_id", "actor_user_id", "reason", "kinds", "published", "created_at").
		Where("object_type = ? AND object_id IN ?", objectType, ids).Order("id DESC").Limit(200).Find(&out).Error
	return out, err
}
