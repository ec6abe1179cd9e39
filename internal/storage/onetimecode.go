package storage

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// OneTimeCode is a code sent to a phone or e-mail address to prove it
// belongs to whoever types it back. Only a keyed hash of the code is
// stored; internal/accounts makes and checks it.
type OneTimeCode struct {
	ID        int64
	Purpose   string
	Login     string
	CodeHash  string
	Attempts  int
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

func (OneTimeCode) TableName() string { return "one_time_codes" }

// IssueOneTimeCode stores c as the only live code for its purpose and
// login: earlier unused ones are spent, so an older message in someone's
// inbox stops working the moment a new one is sent.
func (s *Store) IssueOneTimeCode(ctx context.Context, c *OneTimeCode) error {
	c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Millisecond)
	c.ExpiresAt = c.ExpiresAt.UTC().Truncate(time.Millisecond)
	if err := s.q(ctx).Model(&OneTimeCode{}).Where("purpose = ? AND login = ? AND used_at IS NULL", c.Purpose, c.Login).
		Update("used_at", c.CreatedAt).Error; err != nil {
		return err
	}
	// Spent and expired codes of this login serve no one after a day.
	if err := s.q(ctx).Where("purpose = ? AND login = ? AND expires_at < ?", c.Purpose, c.Login, c.CreatedAt.Add(-24*time.Hour)).
		Delete(&OneTimeCode{}).Error; err != nil {
		return err
	}
	return s.q(ctx).Create(c).Error
}

// LiveOneTimeCode returns the unspent, unexpired code for purpose and
// login, or ErrNotFound.
func (s *Store) LiveOneTimeCode(ctx context.Context, purpose, login string, now time.Time) (*OneTimeCode, error) {
	var c OneTimeCode
	err := s.q(ctx).Where("purpose = ? AND login = ? AND used_at IS NULL AND expires_at > ?", purpose, login, now).
		Order("id DESC").Take(&c).Error
	if err != nil {
		return nil, notFound(err)
	}
	return &c, nil
}

// TakeCodeAttempt reserves one of max guesses at code id in one atomic
// step; false means the code is spent or has had its guesses.
func (s *Store) TakeCodeAttempt(ctx context.Context, id int64, max int) (bool, error) {
	res := s.q(ctx).Model(&OneTimeCode{}).Where("id = ? AND used_at IS NULL AND attempts < ?", id, max).
		Update("attempts", gorm.Expr("attempts + 1"))
	return res.RowsAffected == 1, res.Error
}

// SpendOneTimeCode marks code id used; false means someone spent it first,
// so of two requests racing with the right code only one goes through.
func (s *Store) SpendOneTimeCode(ctx context.Context, id int64, now time.Time) (bool, error) {
	res := s.q(ctx).Model(&OneTimeCode{}).Where("id = ? AND used_at IS NULL", id).Update("used_at", now.UTC())
	return res.RowsAffected == 1, res.Error
}
