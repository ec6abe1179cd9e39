package storage

import (
	"context"
	"time"

	"honestmeasure/internal/model"
)

// A verification body's API tokens (body_api_tokens). Only the SHA-256 of a
// token is stored; internal/accounts makes, checks and revokes them.

// CreateBodyToken stores t. A hash already stored gives ErrDuplicate (it
// never happens with random tokens, but is not silently accepted either).
func (s *Store) CreateBodyToken(ctx context.Context, t *model.BodyAPIToken) error {
	t.CreatedAt = t.CreatedAt.UTC().Truncate(time.Millisecond)
	err := s.q(ctx).Create(t).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// BodyTokenByHash returns the token whose hash is hash, revoked or not,
// with its verification body; ErrNotFound when there is none. The lookup is
// by the hash's unique index, so how long it takes says nothing about how
// much of a guessed token was right.
func (s *Store) BodyTokenByHash(ctx context.Context, hash string) (*model.BodyAPIToken, *model.VerificationBody, error) {
	var t model.BodyAPIToken
	if err := s.q(ctx).Where("token_hash = ?", hash).Take(&t).Error; err != nil {
		return nil, nil, notFound(err)
	}
	var b model.VerificationBody
	if err := s.q(ctx).Where("id = ?", t.VerificationBodyID).Take(&b).Error; err != nil {
		return nil, nil, notFound(err)
	}
	return &t, &b, nil
}

// BodyTokenByID returns token id, revoked or not, or ErrNotFound.
func (s *Store) BodyTokenByID(ctx context.Context, id int64) (*model.BodyAPIToken, error) {
	var t model.BodyAPIToken
	if err := s.q(ctx).Where("id = ?", id).Take(&t).Error; err != nil {
		return nil, notFound(err)
	}
	return &t, nil
}

// BodyTokensOf lists body bodyID's tokens, revoked ones included, newest
// first.
func (s *Store) BodyTokensOf(ctx context.Context, bodyID int64) ([]model.BodyAPIToken, error) {
	var out []model.BodyAPIToken
	err := s.q(ctx).Where("verification_body_id = ?", bodyID).Order("created_at DESC, id DESC").Find(&out).Error
	return out, err
}

// RevokeBodyToken marks token id revoked at at; false when it already was
// (or does not exist), so a revocation happens once.
func (s *Store) RevokeBodyToken(ctx context.Context, id int64, at time.Time) (bool, error) {
	res := s.q(ctx).Model(&model.BodyAPIToken{}).Where("id = ? AND revoked_at IS NULL", id).
		Update("revoked_at", at.UTC().Truncate(time.Millisecond))
	return res.RowsAffected == 1, res.Error
}

// TouchBodyToken sets token id's last use to at unless it was already
// recorded at or after notBefore: a token used many times a minute is
// written at most once in that time. A revoked token is not touched.
func (s *Store) TouchBodyToken(ctx context.Context, id int64, at, notBefore time.Time) error {
	return s.q(ctx).Model(&model.BodyAPIToken{}).
		Where("id = ? AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at < ?)", id, notBefore.UTC()).
		Update("last_used_at", at.UTC().Truncate(time.Millisecond)).Error
}
