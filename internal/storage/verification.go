package storage

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"honestmeasure/internal/model"
)

// A verification body's records, the batches they arrive in, and the
// conflicts they reveal (internal/verification decides; this file stores).

// BodyRecord finds the body's record with that certificate number and kind.
func (s *Store) BodyRecord(ctx context.Context, bodyID int64, certificateNo string, kind model.RecordKind) (*model.VerificationRecord, error) {
	var r model.VerificationRecord
	err := s.q(ctx).Where("body_key = ? AND certificate_no = ? AND kind = ?", bodyID, certificateNo, kind).Take(&r).Error
	if err != nil {
		return nil, notFound(err)
	}
	return &r, nil
}

// VerificationRecordByID finds a record.
func (s *Store) VerificationRecordByID(ctx context.Context, id int64) (*model.VerificationRecord, error) {
	var r model.VerificationRecord
	if err := s.q(ctx).Take(&r, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &r, nil
}

// UnitByCreditCode finds the unit holding the unified social credit code:
// the live one (model.UnitStatus.HoldsCreditCode) if any, else the latest
// that ever used it. ErrNotFound when no unit did.
func (s *Store) UnitByCreditCode(ctx context.Context, code string) (*model.Unit, error) {
	var u model.Unit
	err := s.q(ctx).Where("uscc = ?", code).Order("CASE WHEN uscc_live IS NULL THEN 1 ELSE 0 END, id DESC").Take(&u).Error
	if err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

// InstrumentsBySerialKey lists the unit's instruments whose serial matches
// key, those in use first.
func (s *Store) InstrumentsBySerialKey(ctx context.Context, unitID int64, key string) ([]model.Instrument, error) {
	var out []model.Instrument
	err := s.q(ctx).Where("unit_id = ? AND serial_key = ?", unitID, key).
		Order("CASE WHEN status = 'in_use' THEN 0 ELSE 1 END, id DESC").Find(&out).Error
	return out, err
}

// RevokeRecord marks record id superseded or cancelled by record byID.
// ErrConflict when it was revoked already.
func (s *Store) RevokeRecord(ctx context.Context, id, byID int64, at time.Time) error {
	res := s.q(ctx).Model(&model.VerificationRecord{}).Where("id = ? AND revoked_at IS NULL", id).
		Updates(map[string]any{"revoked_at": at.UTC(), "revoked_by_id": byID})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrConflict
	}
	return nil
}

// TouchUnit marks the unit's public page changed (a body's record about
// one of its instruments arrived), in the caller's transaction.
func (s *Store) TouchUnit(ctx context.Context, unitID int64) error { return s.touchUnit(ctx, unitID) }

// InstrumentRecords lists the records stored against an instrument, the
// revoked ones included, oldest first.
func (s *Store) InstrumentRecords(ctx context.Context, instrumentID int64) ([]model.VerificationRecord, error) {
	var out []model.VerificationRecord
	err := s.q(ctx).Where("instrument_id = ?", instrumentID).Order("id").Find(&out).Error
	return out, err
}

// AddConflict stores a conflict unless one with its dedupe key exists; it
// reports whether it was new.
func (s *Store) AddConflict(ctx context.Context, c *model.Conflict) (bool, error) {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now().UTC()
	}
	if c.Status == "" {
		c.Status = model.ConflictOpen
	}
	res := s.q(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "dedupe_key"}}, DoNothing: true}).Create(c)
	return res.RowsAffected == 1, res.Error
}

// ConflictByID finds a conflict.
func (s *Store) ConflictByID(ctx context.Context, id int64) (*model.Conflict, error) {
	var c model.Conflict
	if err := s.q(ctx).Take(&c, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &c, nil
}

// CloseConflict resolves or dismisses an open conflict; ErrConflict when it
// was no longer open.
func (s *Store) CloseConflict(ctx context.Context, id int64, status model.ConflictStatus, by *int64, reason string, caseID *int64, at time.Time) error {
	set := map[string]any{"status": status, "resolved_at": at.UTC(), "resolved_by": by, "resolution": reason}
	if caseID != nil {
		set["case_id"] = *caseID
	}
	res := s.q(ctx).Model(&model.Conflict{}).Where("id = ? AND status = ?", id, model.ConflictOpen).Updates(set)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrConflict
	}
	return nil
}

// SetConflictCase records the tip opened from a conflict.
func (s *Store) SetConflictCase(ctx context.Context, id, caseID int64) error {
	return s.q(ctx).Model(&model.Conflict{}).Where("id = ?", id).Update("case_id", caseID).Error
}

// ConflictFilter narrows the conflict queue. Nil AgencyID: every agency
// (the city admin). Page counts from 1.
type ConflictFilter struct {
	AgencyID   *int64
	UnitIDs    []int64 // a merchant's own units; nil means any
	Status     model.ConflictStatus
	Kind       model.ConflictKind
	DistrictID int64
	BodyID     int64
	Page       int
	PerPage    int  // 0: everything (exports)
	Oldest     bool // oldest first (default: newest first)
}

func (s *Store) conflictQuery(ctx context.Context, f ConflictFilter) *gorm.DB {
	q := s.q(ctx).Model(&model.Conflict{})
	if f.AgencyID != nil {
		q = q.Where("agency_id = ?", *f.AgencyID)
	}
	if f.UnitIDs != nil {
		q = q.Where("unit_id IN ?", append([]int64{0}, f.UnitIDs...))
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.DistrictID != 0 {
		q = q.Where("district_id = ?", f.DistrictID)
	}
	if f.BodyID != 0 {
		q = q.Where("verification_body_id = ?", f.BodyID)
	}
	return q
}

// Conflicts lists conflicts matching f, newest first, and how many match.
func (s *Store) Conflicts(ctx context.Context, f ConflictFilter) ([]model.Conflict, int64, error) {
	var total int64
	if err := s.conflictQuery(ctx, f).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	q := s.conflictQuery(ctx, f).Order(conflictOrder(f))
	if f.PerPage > 0 {
		q = q.Offset((max(f.Page, 1) - 1) * f.PerPage).Limit(f.PerPage)
	}
	var out []model.Conflict
	err := q.Find(&out).Error
	return out, total, err
}

// OpenConflictsForDeclared lists open conflicts about a merchant's
// declaration of kind.
func (s *Store) OpenConflictsForDeclared(ctx context.Context, declaredID int64, kind model.ConflictKind) ([]model.Conflict, error) {
	var out []model.Conflict
	err := s.q(ctx).Where("declared_record_id = ? AND kind = ? AND status = ?", declaredID, kind, model.ConflictOpen).Find(&out).Error
	return out, err
}

// UnconfirmedDeclarations lists merchants' declarations (not revoked) made
// before cutoff, of instruments in use, that no body's record of the same
// instrument confirms by certificate number and that have no "unconfirmed"
// conflict yet, after afterID, a batch at a time. The caller keeps only each instrument's current record.
func (s *Store) UnconfirmedDeclarations(ctx context.Context, cutoff time.Time, afterID int64, limit int) ([]model.VerificationRecord, error) {
	var out []model.VerificationRecord
	err := s.q(ctx).Table("verification_records AS d").Select("d.*").
		Joins("JOIN instruments i ON i.id = d.instrument_id AND i.status = ?", model.InstrumentInUse).
		Where("d.source = ? AND d.revoked_at IS NULL AND d.created_at < ? AND d.id > ?", model.SourceDeclared, cutoff.UTC(), afterID).
		Where("NOT EXISTS (?)", s.q(ctx).Table("verification_records AS b").Select("1").
			Where("b.instrument_id = d.instrument_id AND b.source = ? AND b.certificate_no = d.certificate_no", model.SourceConfirmed)).
		// One conflict per declaration ever (dismissed ones included): the
		// hourly run reads only what it has not filed yet.
		Where("NOT EXISTS (?)", s.q(ctx).Table("verification_conflicts AS c").Select("1").
			Where("c.declared_record_id = d.id AND c.kind = ?", model.ConflictUnconfirmed)).
		Order("d.id").Limit(limit).Find(&out).Error
	return out, err
}

// Imports.

// CreateImport stores a new batch. ErrDuplicate: the body already used its
// idempotency key.
func (s *Store) CreateImport(ctx context.Context, b *model.VerificationImport) error {
	if b.CreatedAt.IsZero() {
		b.CreatedAt = time.Now().UTC()
	}
	err := s.q(ctx).Create(b).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// ImportByKey finds the body's batch sent with an idempotency key.
func (s *Store) ImportByKey(ctx context.Context, bodyID int64, key string) (*model.VerificationImport, error) {
	var b model.VerificationImport
	if err := s.q(ctx).Where("verification_body_id = ? AND idempotency_key = ?", bodyID, key).Take(&b).Error; err != nil {
		return nil, notFound(err)
	}
	return &b, nil
}

// ImportByID finds a batch.
func (s *Store) ImportByID(ctx context.Context, id int64) (*model.VerificationImport, error) {
	var b model.VerificationImport
	if err := s.q(ctx).Take(&b, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &b, nil
}

// Imports lists a body's batches, newest first.
func (s *Store) Imports(ctx context.Context, bodyID int64, limit int) ([]model.VerificationImport, error) {
	var out []model.VerificationImport
	err := s.q(ctx).Where("verification_body_id = ?", bodyID).Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// UpdateImport writes the given columns of a batch whose status is still
// one of from; ErrConflict otherwise (another request or instance moved it).
func (s *Store) UpdateImport(ctx context.Context, id int64, from []model.ImportStatus, set map[string]any) error {
	res := s.q(ctx).Model(&model.VerificationImport{}).Where("id = ? AND status IN ?", id, from).Updates(set)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrConflict
	}
	return nil
}

// ClaimImport takes the lease on a queued batch, or on a running one whose
// lease ran out (its instance died), until until. ErrConflict when another
// holds it or it is not waiting.
func (s *Store) ClaimImport(ctx context.Context, id int64, now, until time.Time) error {
	res := s.q(ctx).Model(&model.VerificationImport{}).
		Where("id = ? AND (status = ? OR (status = ? AND (locked_until IS NULL OR locked_until < ?)))",
			id, model.ImportQueued, model.ImportRunning, now.UTC()).
		Updates(map[string]any{"status": model.ImportRunning, "locked_until": until.UTC(),
			"started_at": gorm.Expr("COALESCE(started_at, ?)", now.UTC())})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrConflict
	}
	return nil
}

// WaitingImports lists batches a worker may claim: queued, or running with
// a lapsed lease.
func (s *Store) WaitingImports(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.q(ctx).Model(&model.VerificationImport{}).
		Where("status = ? OR (status = ? AND (locked_until IS NULL OR locked_until < ?))", model.ImportQueued, model.ImportRunning, now.UTC()).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	return ids, err
}

// AddImportRows stores checked rows of a batch.
func (s *Store) AddImportRows(ctx context.Context, rows []model.ImportRow) error {
	if len(rows) == 0 {
		return nil
	}
	return s.q(ctx).CreateInBatches(rows, 200).Error
}

// PendingImportRows returns the next rows of a batch still to import, in
// row order.
func (s *Store) PendingImportRows(ctx context.Context, importID int64, limit int) ([]model.ImportRow, error) {
	var out []model.ImportRow
	err := s.q(ctx).Where("import_id = ? AND outcome = ?", importID, model.RowPending).Order("row_no").Limit(limit).Find(&out).Error
	return out, err
}

// SetImportRow records what importing a row did.
func (s *Store) SetImportRow(ctx context.Context, r *model.ImportRow) error {
	return s.q(ctx).Model(&model.ImportRow{}).Where("id = ?", r.ID).
		Updates(map[string]any{"outcome": r.Outcome, "problems": r.Problems, "record_id": r.RecordID}).Error
}

// ImportRows lists a batch's rows with outcome (any when empty), in row
// order, after row afterRow.
func (s *Store) ImportRows(ctx context.Context, importID int64, outcome model.RowOutcome, afterRow, limit int) ([]model.ImportRow, error) {
	q := s.q(ctx).Where("import_id = ? AND row_no > ?", importID, afterRow)
	if outcome != "" {
		q = q.Where("outcome = ?", outcome)
	}
	var out []model.ImportRow
	err := q.Order("row_no").Limit(limit).Find(&out).Error
	return out, err
}

// CountImportRows counts a batch's rows by outcome.
func (s *Store) CountImportRows(ctx context.Context, importID int64) (map[model.RowOutcome]int, error) {
	var rows []struct {
		Outcome model.RowOutcome
		N       int
	}
	if err := s.q(ctx).Model(&model.ImportRow{}).Select("outcome, COUNT(*) AS n").Where("import_id = ?", importID).
		Group("outcome").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[model.RowOutcome]int{}
	for _, r := range rows {
		out[r.Outcome] = r.N
	}
	return out, nil
}

// InstrumentTypeByCode finds a catalogue entry by its code.
func (s *Store) InstrumentTypeByCode(ctx context.Context, code string) (*model.InstrumentType, error) {
	var t model.InstrumentType
	if err := s.q(ctx).Where("code = ?", code).Take(&t).Error; err != nil {
		return nil, notFound(err)
	}
	return &t, nil
}

// DeleteImport removes a batch and its rows (a file that failed its
// check leaves nothing behind).
func (s *Store) DeleteImport(ctx context.Context, id int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.DeleteImportRows(ctx, id); err != nil {
			return err
		}
		return tx.q(ctx).Delete(&model.VerificationImport{}, id).Error
	})
}

// DeleteImportRows removes a batch's staged rows.
func (s *Store) DeleteImportRows(ctx context.Context, id int64) error {
	return s.q(ctx).Where("import_id = ?", id).Delete(&model.ImportRow{}).Error
}

// VerificationBodyByID finds a verification body.
func (s *Store) VerificationBodyByID(ctx context.Context, id int64) (*model.VerificationBody, error) {
	var b model.VerificationBody
	if err := s.q(ctx).Take(&b, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &b, nil
}

// The conflict queue's page: sort order, counts per kind, the units' names.

func conflictOrder(f ConflictFilter) string {
	if f.Oldest {
		return "created_at, id"
	}
	return "created_at DESC, id DESC"
}

// CountConflictsByKind counts the conflicts matching f whatever their kind
// (f.Kind is ignored), by kind.
func (s *Store) CountConflictsByKind(ctx context.Context, f ConflictFilter) (map[model.ConflictKind]int64, error) {
	f.Kind = ""
	var rows []struct {
		Kind model.ConflictKind
		N    int64
	}
	if err := s.conflictQuery(ctx, f).Select("kind, COUNT(*) AS n").Group("kind").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[model.ConflictKind]int64{}
	for _, r := range rows {
		out[r.Kind] = r.N
	}
	return out, nil
}

// UnitNames maps the units' IDs to their names.
func (s *Store) UnitNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID   int64
		Name string
	}
	if err := s.q(ctx).Model(&model.Unit{}).Select("id, name").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}

// CloseConflictsOfRecord resolves the open conflicts raised by a body's
// record that a later record superseded or cancelled: what they compared
// no longer stands.
func (s *Store) CloseConflictsOfRecord(ctx context.Context, recordID int64, reason string, at time.Time) error {
	return s.q(ctx).Model(&model.Conflict{}).Where("body_record_id = ? AND status = ?", recordID, model.ConflictOpen).
		Updates(map[string]any{"status": model.ConflictResolved, "resolved_at": at.UTC(), "resolution": reason}).Error
}
