package storage

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/model"
)

// Public revisions.
//
// The scan page of a unit (and of each of its instruments) is cached by
// every instance. units.public_rev is incremented in the same transaction as
// every change to something that page shows: the unit row, its pledge, its
// instruments and their verification records, its spot checks, and the
// reference rows it names (agency, district, instrument type). A scan reads
// the token and the revision in one query (ScanStamp); a cached page for an
// older revision is thrown away. That is what lets several instances cache
// the page and still show a suspension on the very next scan — or, when the
// instance's watermark shows the unit's change counter unmoved
// (public_changes.go), within a second without any query.
//
// Every write to those tables lives in this package; each one calls a touch
// function below or sets public_rev itself — and then, in the same
// transaction, publicChanged, which tells the other instances' pollers
// (public_changes.go).

// bumpPublicRev is the SET expression for an Updates map on units. Whoever
// uses it calls publicChanged in the same transaction.
var bumpPublicRev = gorm.Expr("public_rev + 1")

// touchUnit marks the public page of unitID changed. The unit's own
// content changed too (pledge, instruments, records), so updated_at moves:
// it is what a draft's age is counted from (DeleteStaleDrafts).
func (s *Store) touchUnit(ctx context.Context, unitID int64) error {
	return s.atomic(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Model(&model.Unit{}).Where("id = ?", unitID).
			Updates(map[string]any{"public_rev": bumpPublicRev, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		return tx.publicChanged(ctx, unitPages(unitID))
	})
}

// touchUnitOfInstrument marks the public page of the unit owning
// instrumentID changed, like touchUnit.
func (s *Store) touchUnitOfInstrument(ctx context.Context, instrumentID int64) error {
	return s.atomic(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Model(&model.Unit{}).
			Where("id = (?)", tx.q(ctx).Model(&model.Instrument{}).Select("unit_id").Where("id = ?", instrumentID)).
			Updates(map[string]any{"public_rev": bumpPublicRev, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		return tx.publicChanged(ctx, pagesOfInstrument(instrumentID))
	})
}

// touchAllUnits marks every public page changed: a reference row that many
// pages show (an agency's name, a district's bureau, an instrument type's
// name) was edited. Rare, and a few thousand rows.
func (s *Store) touchAllUnits(ctx context.Context) error {
	return s.atomic(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Session(&gorm.Session{AllowGlobalUpdate: true}).Model(&model.Unit{}).
			Update("public_rev", bumpPublicRev).Error; err != nil {
			return err
		}
		return tx.publicChanged(ctx, everyUnitPage())
	})
}

// ScanStamp is what a scan needs to know before it may use a cached page.
type ScanStamp struct {
	Revoked   bool  // the token was replaced by a reprint
	UnitID    int64 // the unit whose page the code opens
	PublicRev int64 // that unit's public revision
}

// ScanStamp looks up an issued token version together with the unit it
// leads to and that unit's public revision, in one indexed query. A token
// never issued, or whose unit or instrument row is gone, gives ErrNotFound.
//
// It runs on every scan, so it skips GORM and uses a statement prepared once
// per connection: parsing the SQL would cost more than executing it.
func (s *Store) ScanStamp(ctx context.Context, kind model.QRKind, targetID int64, version int) (ScanStamp, error) {
	stmt, err := s.scanStmts.get(ctx, s.db, kind)
	if err != nil {
		return ScanStamp{}, err
	}
	var st ScanStamp
	err = stmt.QueryRowContext(ctx, string(kind), targetID, version).Scan(&st.Revoked, &st.UnitID, &st.PublicRev)
	if errors.Is(err, sql.ErrNoRows) {
		return ScanStamp{}, ErrNotFound
	}
	return st, err
}

// scanStatements holds the two prepared ScanStamp queries. database/sql
// prepares them again on each pooled connection as needed.
type scanStatements struct {
	mu         sync.Mutex
	unit, inst *sql.Stmt
}

func (p *scanStatements) get(ctx context.Context, db *gorm.DB, kind model.QRKind) (*sql.Stmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	target, join := &p.unit, "JOIN units u ON u.id = t.target_id"
	if kind == model.QRInstrument {
		target, join = &p.inst, "JOIN instruments i ON i.id = t.target_id JOIN units u ON u.id = i.unit_id"
	}
	if *target != nil {
		return *target, nil
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	stmt, err := sqlDB.PrepareContext(ctx, "SELECT t.revoked_at IS NOT NULL, u.id, u.public_rev FROM qr_tokens t "+
		join+" WHERE t.kind = ? AND t.target_id = ? AND t.version = ?")
	if err != nil {
		return nil, err
	}
	*target = stmt
	return stmt, nil
}
