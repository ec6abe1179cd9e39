package storage

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/model"
)

// CreateUser stores u; a login already in use gives ErrDuplicate.
func (s *Store) CreateUser(ctx context.Context, u *model.User) error {
	now := time.Now().UTC()
	u.CreatedAt, u.UpdatedAt = now, now
	if u.Locale == "" {
		u.Locale = "zh-CN"
	}
	err := s.q(ctx).Create(u).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// UserByLogin finds a user by normalised login.
func (s *Store) UserByLogin(ctx context.Context, login string) (*model.User, error) {
	var u model.User
	if err := s.q(ctx).Where("login = ?", login).Take(&u).Error; err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

// CountUsers returns how many accounts exist.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&model.User{}).Count(&n).Error
	return n, err
}

// isDuplicate recognises a unique-constraint violation on either engine:
// database.Open sets gorm.Config.TranslateError, so both dialectors turn the
// driver's error (SQLite's extended result code, MySQL's 1062) into
// gorm.ErrDuplicatedKey.
func isDuplicate(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey)
}
