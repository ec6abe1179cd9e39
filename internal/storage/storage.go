// Package storage is the only place that talks SQL. One file per entity;
// each method takes a context and returns domain types from internal/model.
// Business rules (who may do what, which transitions are allowed) belong to
// the domain packages that call it, not here.
package storage

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"honestmeasure/internal/fail"
)

// The storage refusals are errors of the one vocabulary (internal/fail), so
// an edge answers them like any service's refusal.
var (
	// ErrNotFound: a looked-up row does not exist (or is not visible to
	// the caller).
	ErrNotFound = fail.New(fail.NotFound, "not found")
	// ErrConflict: a row changed under the caller (another officer acted
	// first); nothing was written.
	ErrConflict = fail.New(fail.Conflict, "changed by someone else")
	// ErrDuplicate: a unique value is already taken.
	ErrDuplicate = fail.New(fail.Conflict, "already exists")
)

// Store wraps the database handle.
type Store struct {
	db        *gorm.DB
	scanStmts *scanStatements // shared by the transactions' Stores; see ScanStamp
}

// New returns a Store on db.
func New(db *gorm.DB) *Store {
	guardDrawTargets(db)
	trackCreatedKeys(db)
	return &Store{db: db, scanStmts: &scanStatements{}}
}

// DB exposes the handle for health checks and tests.
func (s *Store) DB() *gorm.DB { return s.db }

func (s *Store) q(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}
