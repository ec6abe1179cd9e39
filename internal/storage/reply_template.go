package storage

import (
	"context"

	"honestmeasure/internal/model"
)

// ReplyTemplates lists the reply templates of category, by title; an empty
// category lists every one, by category and title.
func (s *Store) ReplyTemplates(ctx context.Context, category model.Category) ([]model.ReplyTemplate, error) {
	q := s.q(ctx)
	if category != "" {
		q = q.Where("category = ?", category)
	}
	var out []model.ReplyTemplate
	err := q.Order("category, title, id").Find(&out).Error
	return out, err
}

// ReplyTemplateByID finds a reply template.
func (s *Store) ReplyTemplateByID(ctx context.Context, id int64) (*model.ReplyTemplate, error) {
	var t model.ReplyTemplate
	if err := s.q(ctx).Take(&t, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &t, nil
}

// CreateReplyTemplate stores a new reply template.
func (s *Store) CreateReplyTemplate(ctx context.Context, t *model.ReplyTemplate) error {
	return s.q(ctx).Create(t).Error
}

// UpdateReplyTemplate stores t's category, title and body.
func (s *Store) UpdateReplyTemplate(ctx context.Context, t *model.ReplyTemplate) error {
	res := s.q(ctx).Model(&model.ReplyTemplate{}).Where("id = ?", t.ID).
		Updates(map[string]any{"category": t.Category, "title": t.Title, "body": t.Body, "updated_at": t.UpdatedAt})
	if res.Error == nil && res.RowsAffected == 0 {
		return ErrNotFound
	}
	return res.Error
}

// DeleteReplyTemplate removes a reply template.
func (s *Store) DeleteReplyTemplate(ctx context.Context, id int64) error {
	return s.q(ctx).Where("id = ?", id).Delete(&model.ReplyTemplate{}).Error
}
