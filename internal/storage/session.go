package storage

import (
	"context"
	"time"

	"honestmeasure/internal/model"
)

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess *model.Session) error {
	return s.q(ctx).Create(sess).Error
}

// SessionUser returns the live session with id and its user, or
// ErrNotFound when it does not exist, has expired, or the user is disabled.
func (s *Store) SessionUser(ctx context.Context, id string, now time.Time) (*model.Session, *model.User, error) {
	var sess model.Session
	if err := s.q(ctx).Where("id = ? AND expires_at > ?", id, now).Take(&sess).Error; err != nil {
		return nil, nil, notFound(err)
	}
	var u model.User
	if err := s.q(ctx).Where("id = ? AND disabled = ?", sess.UserID, false).Take(&u).Error; err != nil {
		return nil, nil, notFound(err)
	}
	return &sess, &u, nil
}

// TouchSession extends a session's idle expiry.
func (s *Store) TouchSession(ctx context.Context, id string, seen, expires time.Time) error {
	return s.q(ctx).Model(&model.Session{}).Where("id = ?", id).
		Updates(map[string]any{"last_seen_at": seen, "expires_at": expires}).Error
}

// DeleteSession ends one session (logout).
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.q(ctx).Where("id = ?", id).Delete(&model.Session{}).Error
}

// DeleteUserSessions ends every session of a user except keep (after a
// password change, other devices are signed out).
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64, keep string) error {
	return s.q(ctx).Where("user_id = ? AND id <> ?", userID, keep).Delete(&model.Session{}).Error
}

// DeleteExpiredSessions removes sessions past their expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res := s.q(ctx).Where("expires_at <= ?", now).Delete(&model.Session{})
	return res.RowsAffected, res.Error
}

// UserByID finds a user.
func (s *Store) UserByID(ctx context.Context, id int64) (*model.User, error) {
	var u model.User
	if err := s.q(ctx).Take(&u, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

// SetPassword replaces a user's password hash.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string, now time.Time) error {
	return s.q(ctx).Model(&model.User{}).Where("id = ?", userID).
		Updates(map[string]any{"password_hash": hash, "password_changed_at": now, "updated_at": now}).Error
}

// RecordLogin notes a successful login.
func (s *Store) RecordLogin(ctx context.Context, userID int64, now time.Time) error {
	return s.q(ctx).Model(&model.User{}).Where("id = ?", userID).Update("last_login_at", now).Error
}

// MarkContactVerified records that a code sent to the user's e-mail
// address (email) or phone proved it theirs.
func (s *Store) MarkContactVerified(ctx context.Context, userID int64, email bool, now time.Time) error {
	col := "phone_verified_at"
	if email {
		col = "email_verified_at"
	}
	return s.q(ctx).Model(&model.User{}).Where("id = ?", userID).Updates(map[string]any{col: now, "updated_at": now}).Error
}
