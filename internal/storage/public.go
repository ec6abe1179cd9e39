package storage

import (
	"context"

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
// the page and still show a suspension on the very next scan.
//
// Every write to those tables lives in this package; each one calls a touch
// function below or sets public_rev itself.

// bumpPublicRev is the SET expression for an Updates map on units.
var bumpPublicRev = gorm.Expr("public_rev + 1")

// touchUnit marks the public page of unitID changed.
func (s *Store) touchUnit(ctx context.Context, unitID int64) error {
	return s.q(ctx).Model(&model.Unit{}).Where("id = ?", unitID).Update("public_rev", bumpPublicRev).Error
}

// touchUnitOfInstrument marks the public page of the unit owning
// instrumentID changed.
func (s *Store) touchUnitOfInstrument(ctx context.Context, instrumentID int64) error {
	return s.q(ctx).Model(&model.Unit{}).
		Where("id = (?)", s.q(ctx).Model(&model.Instrument{}).Select("unit_id").Where("id = ?", instrumentID)).
		Update("public_rev", bumpPublicRev).Error
}

// touchAllUnits marks every public page changed: a reference row that many
// pages show (an agency's name, a district's bureau, an instrument type's
// name) was edited. Rare, and a few thousand rows.
func (s *Store) touchAllUnits(ctx context.Context) error {
	return s.q(ctx).Session(&gorm.Session{AllowGlobalUpdate: true}).Model(&model.Unit{}).
		Update("public_rev", bumpPublicRev).Error
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
func (s *Store) ScanStamp(ctx context.Context, kind model.QRKind, targetID int64, version int) (ScanStamp, error) {
	join := "JOIN units u ON u.id = t.target_id"
	if kind == model.QRInstrument {
		join = "JOIN instruments i ON i.id = t.target_id JOIN units u ON u.id = i.unit_id"
	}
	var rows []struct {
		Revoked   bool
		UnitID    int64
		PublicRev int64
	}
	err := s.q(ctx).Raw("SELECT t.revoked_at IS NOT NULL AS revoked, u.id AS unit_id, u.public_rev AS public_rev FROM qr_tokens t "+
		join+" WHERE t.kind = ? AND t.target_id = ? AND t.version = ?", kind, targetID, version).Scan(&rows).Error
	if err != nil {
		return ScanStamp{}, err
	}
	if len(rows) == 0 {
		return ScanStamp{}, ErrNotFound
	}
	return ScanStamp{Revoked: rows[0].Revoked, UnitID: rows[0].UnitID, PublicRev: rows[0].PublicRev}, nil
}
