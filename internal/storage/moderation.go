package storage

import (
	"context"
	"errors"
	"time"

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

// CorrectEventBody replaces the public words of timeline entry eventID of
// case caseID, when they still read old (a correction, internal/cases).
// Entries of the reply that read old are corrected alike.
func (s *Store) CorrectEventBody(ctx context.Context, caseID, eventID int64, old, corrected string) error {
	res := s.q(ctx).Model(&model.CaseEvent{}).Where("case_id = ? AND id = ? AND public = ? AND body = ?", caseID, eventID, true, old).
		Update("body", corrected)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrConflict
	}
	return nil
}

// CorrectReplyEvents replaces the words of case caseID's public reply
// entries that read old: the reply's timeline entries carry its text.
func (s *Store) CorrectReplyEvents(ctx context.Context, caseID int64, old, corrected string) error {
	return s.q(ctx).Model(&model.CaseEvent{}).Where("case_id = ? AND kind = ? AND public = ? AND body = ?", caseID, "reply", true, old).
		Update("body", corrected).Error
}

// CorrectPublicReason replaces unit unitID's public status reason when it
// reads old, and bumps the unit's public revision so cached pages go. It
// reports whether the unit showed old.
func (s *Store) CorrectPublicReason(ctx context.Context, unitID int64, old, corrected string) (bool, error) {
	shown := false
	err := s.atomic(ctx, func(tx *Store) error {
		res := tx.q(ctx).Model(&model.Unit{}).Where("id = ? AND status_reason = ?", unitID, old).
			Updates(map[string]any{"status_reason": corrected, "public_rev": bumpPublicRev, "updated_at": time.Now().UTC()})
		if shown = res.RowsAffected == 1; res.Error != nil || !shown {
			return res.Error
		}
		return tx.publicChanged(ctx, unitPages(unitID))
	})
	return shown && err == nil, err
}
