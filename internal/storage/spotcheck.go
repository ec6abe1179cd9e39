package storage

import (
	"context"
	"errors"
	"maps"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
)

// ErrImmutable: a drawn row was about to be changed. Draw targets are
// written once, when the draw is made; a mistake is answered by voiding the
// draw (which keeps it), never by editing it.
var ErrImmutable = fail.New(fail.Conflict, "drawn rows are immutable")

// guardDrawTargets makes every GORM update or delete of draw_targets fail:
// whatever code is written later, storage refuses to change a drawn row.
func guardDrawTargets(db *gorm.DB) {
	refuse := func(tx *gorm.DB) {
		if tx.Statement.Table == "draw_targets" {
			_ = tx.AddError(ErrImmutable)
		}
	}
	if db.Callback().Update().Get("hm:immutable_draws") == nil {
		_ = db.Callback().Update().Before("gorm:update").Register("hm:immutable_draws", refuse)
	}
	if db.Callback().Delete().Get("hm:immutable_draws") == nil {
		_ = db.Callback().Delete().Before("gorm:delete").Register("hm:immutable_draws", refuse)
	}
}

// CheckItems lists the city's check items, active ones only unless all.
func (s *Store) CheckItems(ctx context.Context, all bool) ([]model.CheckItem, error) {
	q := s.q(ctx).Order("code")
	if !all {
		q = q.Where("active = ?", true)
	}
	var out []model.CheckItem
	return out, q.Find(&out).Error
}

// CheckItemByID is one check item, or ErrNotFound.
func (s *Store) CheckItemByID(ctx context.Context, id int64) (*model.CheckItem, error) {
	var it model.CheckItem
	if err := s.q(ctx).Take(&it, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &it, nil
}

// SaveCheckItem creates or updates it; a code taken is ErrDuplicate.
func (s *Store) SaveCheckItem(ctx context.Context, it *model.CheckItem) error {
	var err error
	if it.ID == 0 {
		err = s.q(ctx).Create(it).Error
	} else {
		err = s.q(ctx).Save(it).Error
	}
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// CreatePlan stores a plan; a second plan of the agency for the item and
// year is ErrDuplicate.
func (s *Store) CreatePlan(ctx context.Context, p *model.SpotCheckPlan) error {
	err := s.q(ctx).Create(p).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// PlanByID is one plan, or ErrNotFound.
func (s *Store) PlanByID(ctx context.Context, id int64) (*model.SpotCheckPlan, error) {
	var p model.SpotCheckPlan
	if err := s.q(ctx).Take(&p, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &p, nil
}

// Plans lists the plans of an agency (nil: every agency), newest year first.
func (s *Store) Plans(ctx context.Context, agencyID *int64) ([]model.SpotCheckPlan, error) {
	q := s.q(ctx).Order("year DESC, id")
	if agencyID != nil {
		q = q.Where("agency_id = ?", *agencyID)
	}
	var out []model.SpotCheckPlan
	return out, q.Find(&out).Error
}

// PoolUnit is a unit that may go into a draw's pool.
type PoolUnit struct {
	ID           int64
	USCC         string
	DistrictCode string
}

// PoolUnits lists the approved units in the agency's districts, by id.
func (s *Store) PoolUnits(ctx context.Context, agencyID int64) ([]PoolUnit, error) {
	var out []PoolUnit
	err := s.q(ctx).Table("units").Select("units.id, units.uscc, districts.code AS district_code").
		Joins("JOIN districts ON districts.id = units.district_id").
		Joins("JOIN agency_districts ON agency_districts.district_id = units.district_id AND agency_districts.agency_id = ?", agencyID).
		Where("units.status = ?", model.UnitApproved).Order("units.id").Scan(&out).Error
	return out, err
}

// CheckedUnder lists the units inspected (an inspection done or assigned)
// under plan since a moment: candidates to leave out of the next draw.
func (s *Store) CheckedUnder(ctx context.Context, planID int64) (map[int64]bool, error) {
	var ids []int64
	err := s.q(ctx).Table("inspections").Joins("JOIN draws ON draws.id = inspections.draw_id").
		Where("draws.plan_id = ? AND draws.status = ? AND inspections.status <> ?", planID, model.DrawDrawn, model.InspectionCancelled).
		Distinct().Pluck("inspections.unit_id", &ids).Error
	out := map[int64]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out, err
}

// InspectorConflicts lists the declared conflicts of the users, per user.
func (s *Store) InspectorConflicts(ctx context.Context, userIDs []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []model.InspectorConflict
	if err := s.q(ctx).Where("user_id IN ?", userIDs).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], r.UnitID)
	}
	return out, nil
}

// DeclareConflict records that user steps aside from unit; declaring it
// again is not an error.
func (s *Store) DeclareConflict(ctx context.Context, c *model.InspectorConflict) error {
	err := s.q(ctx).Create(c).Error
	if isDuplicate(err) {
		return nil
	}
	return err
}

// LastInspectors lists, per unit, the inspectors of its latest done
// inspection: they do not check the same unit next time.
func (s *Store) LastInspectors(ctx context.Context, agencyID int64) (map[int64][]int64, error) {
	var rows []struct {
		UnitID, UserID int64
	}
	err := s.q(ctx).Raw(`SELECT i.unit_id, ii.user_id FROM inspections i
		JOIN inspection_inspectors ii ON ii.inspection_id = i.id
		WHERE i.agency_id = ? AND i.status = ? AND i.id = (
			SELECT MAX(j.id) FROM inspections j WHERE j.unit_id = i.unit_id AND j.agency_id = i.agency_id AND j.status = ?)`,
		agencyID, model.InspectionDone, model.InspectionDone).Scan(&rows).Error
	out := map[int64][]int64{}
	for _, r := range rows {
		out[r.UnitID] = append(out[r.UnitID], r.UserID)
	}
	return out, err
}

// CreateDraw stores an announced draw; when it replaces a void one, the
// link is part of it.
func (s *Store) CreateDraw(ctx context.Context, d *model.Draw) error {
	err := s.q(ctx).Create(d).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// DrawByID is one draw, or ErrNotFound.
func (s *Store) DrawByID(ctx context.Context, id int64) (*model.Draw, error) {
	var d model.Draw
	if err := s.q(ctx).Take(&d, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &d, nil
}

// DrawByCode is one draw by its public code, or ErrNotFound.
func (s *Store) DrawByCode(ctx context.Context, code string) (*model.Draw, error) {
	var d model.Draw
	if err := s.q(ctx).Where("code = ?", code).Take(&d).Error; err != nil {
		return nil, notFound(err)
	}
	return &d, nil
}

// Draws lists draws without their large texts, newest first: of a plan
// (planID > 0), of an agency (agencyID non-nil), or all.
func (s *Store) Draws(ctx context.Context, agencyID *int64, planID int64, limit int) ([]model.Draw, error) {
	q := s.q(ctx).Select("id, plan_id, agency_id, code, status, pool_hash, commitment, randomness_source, previous_hash, random_value, file_hash, announced_by, announced_at, drawn_at, voided_at, void_reason, replaces_id").
		Order("announced_at DESC, id DESC").Limit(limit)
	if agencyID != nil {
		q = q.Where("agency_id = ?", *agencyID)
	}
	if planID > 0 {
		q = q.Where("plan_id = ?", planID)
	}
	var out []model.Draw
	return out, q.Find(&out).Error
}

// LastDrawFileHash is the file hash of the agency's latest drawn draw ("" for
// none): the next announcement's link in the chain.
func (s *Store) LastDrawFileHash(ctx context.Context, agencyID int64) (string, error) {
	var d model.Draw
	err := s.q(ctx).Select("file_hash").Where("agency_id = ? AND status IN ?", agencyID, []string{model.DrawDrawn, model.DrawVoid}).
		Where("file_hash <> ''").Order("drawn_at DESC, id DESC").Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	return d.FileHash, err
}

// DrawMade is what making a draw writes, in one transaction: the draw's
// reveal and file, its positions and the inspections of the drawn ones.
type DrawMade struct {
	DrawID      int64
	RandomValue string
	File        string
	FileHash    string
	At          time.Time
	Targets     []model.DrawTarget
	// Inspections[i] is the task of Targets[i] when not a reserve, with
	// its inspectors' user ids in Inspectors[i].
	Inspections []*model.Inspection
	Inspectors  [][]int64
}

// MakeDraw records a drawn draw; ErrConflict when it is no longer announced
// (drawn or voided meanwhile).
func (s *Store) MakeDraw(ctx context.Context, m DrawMade) error {
	return s.Tx(ctx, func(tx *Store) error {
		res := tx.q(ctx).Model(&model.Draw{}).Where("id = ? AND status = ?", m.DrawID, model.DrawAnnounced).
			Updates(map[string]any{"status": model.DrawDrawn, "random_value": m.RandomValue, "file": m.File, "file_hash": m.FileHash, "drawn_at": m.At})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrConflict
		}
		for i := range m.Targets {
			m.Targets[i].DrawID, m.Targets[i].CreatedAt = m.DrawID, m.At
		}
		if len(m.Targets) > 0 {
			if err := tx.q(ctx).CreateInBatches(&m.Targets, 200).Error; err != nil {
				return err
			}
		}
		for i, in := range m.Inspections {
			if in == nil {
				continue
			}
			in.DrawID, in.DrawTargetID, in.CreatedAt = m.DrawID, m.Targets[i].ID, m.At
			if err := tx.createInspection(ctx, in, m.Inspectors[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) createInspection(ctx context.Context, in *model.Inspection, inspectors []int64) error {
	if err := s.q(ctx).Create(in).Error; err != nil {
		return err
	}
	for _, u := range inspectors {
		if err := s.q(ctx).Create(&model.InspectionInspector{InspectionID: in.ID, UserID: u}).Error; err != nil {
			return err
		}
	}
	return nil
}

// VoidDraw marks an announced or drawn draw void with its reason, and
// cancels its open inspections; ErrConflict when it is void already.
func (s *Store) VoidDraw(ctx context.Context, id int64, reason string, at time.Time) error {
	return s.Tx(ctx, func(tx *Store) error {
		res := tx.q(ctx).Model(&model.Draw{}).Where("id = ? AND status <> ?", id, model.DrawVoid).
			Updates(map[string]any{"status": model.DrawVoid, "void_reason": reason, "voided_at": at})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrConflict
		}
		return tx.q(ctx).Model(&model.Inspection{}).Where("draw_id = ? AND status = ?", id, model.InspectionAssigned).
			Updates(map[string]any{"status": model.InspectionCancelled, "cancel_reason": reason}).Error
	})
}

// DrawTargets lists a draw's positions, drawn first then reserve, in order.
func (s *Store) DrawTargets(ctx context.Context, drawID int64) ([]model.DrawTarget, error) {
	var out []model.DrawTarget
	return out, s.q(ctx).Where("draw_id = ?", drawID).Order("reserve, position").Find(&out).Error
}

// UpdateDrawTarget exists so that the refusal is tested: it always fails
// with ErrImmutable (the guard refuses any update of the table).
func (s *Store) UpdateDrawTarget(ctx context.Context, t *model.DrawTarget) error {
	return s.q(ctx).Save(t).Error
}

// InspectionRow is an inspection with what its lists show.
type InspectionRow struct {
	model.Inspection
	UnitName  string
	DrawCode  string
	ItemCode  string
	ItemName  string
	ItemNameE string
}

// InspectionFilter selects inspections for a list.
type InspectionFilter struct {
	AgencyID    *int64
	InspectorID int64  // only this officer's
	DrawID      int64  // only this draw's
	Status      string // "" any
	Limit       int
}

// Inspections lists inspections, soonest due first.
func (s *Store) Inspections(ctx context.Context, f InspectionFilter) ([]InspectionRow, error) {
	q := s.q(ctx).Table("inspections").
		Select("inspections.*, units.name AS unit_name, draws.code AS draw_code, check_items.code AS item_code, check_items.name_zh AS item_name, check_items.name_en AS item_name_e").
		Joins("JOIN units ON units.id = inspections.unit_id").
		Joins("JOIN draws ON draws.id = inspections.draw_id").
		Joins("JOIN check_items ON check_items.id = inspections.item_id").
		Order("inspections.due_at, inspections.id").Limit(max(f.Limit, 1))
	if f.AgencyID != nil {
		q = q.Where("inspections.agency_id = ?", *f.AgencyID)
	}
	if f.InspectorID > 0 {
		q = q.Where("inspections.id IN (SELECT inspection_id FROM inspection_inspectors WHERE user_id = ?)", f.InspectorID)
	}
	if f.DrawID > 0 {
		q = q.Where("inspections.draw_id = ?", f.DrawID)
	}
	if f.Status != "" {
		q = q.Where("inspections.status = ?", f.Status)
	}
	var out []InspectionRow
	return out, q.Scan(&out).Error
}

// InspectionByID is one inspection, or ErrNotFound.
func (s *Store) InspectionByID(ctx context.Context, id int64) (*model.Inspection, error) {
	var in model.Inspection
	if err := s.q(ctx).Take(&in, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &in, nil
}

// InspectorsOf lists an inspection's inspectors' user ids.
func (s *Store) InspectorsOf(ctx context.Context, inspectionID int64) ([]int64, error) {
	var ids []int64
	return ids, s.q(ctx).Model(&model.InspectionInspector{}).Where("inspection_id = ?", inspectionID).Order("user_id").Pluck("user_id", &ids).Error
}

// FindingsOf lists an inspection's findings by point.
func (s *Store) FindingsOf(ctx context.Context, inspectionID int64) ([]model.InspectionFinding, error) {
	var out []model.InspectionFinding
	return out, s.q(ctx).Where("inspection_id = ?", inspectionID).Order("point").Find(&out).Error
}

// InspectionResult is what recording a result writes, in one transaction.
type InspectionResult struct {
	InspectionID int64
	LockVersion  int
	Set          map[string]any
	Findings     []model.InspectionFinding
	Photos       []model.InspectionPhoto
}

// RecordInspection stores a result; ErrConflict when the inspection moved
// meanwhile (or was done already).
func (s *Store) RecordInspection(ctx context.Context, r InspectionResult) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.UpdateInspection(ctx, r.InspectionID, r.LockVersion, r.Set); err != nil {
			return err
		}
		for i := range r.Findings {
			r.Findings[i].InspectionID = r.InspectionID
		}
		if len(r.Findings) > 0 {
			if err := tx.q(ctx).Create(&r.Findings).Error; err != nil {
				return err
			}
		}
		for i := range r.Photos {
			r.Photos[i].InspectionID, r.Photos[i].Seq = r.InspectionID, i+1
		}
		if len(r.Photos) > 0 {
			return tx.q(ctx).Create(&r.Photos).Error
		}
		return nil
	})
}

// UpdateInspection applies set under the lock version; ErrConflict if it
// moved.
func (s *Store) UpdateInspection(ctx context.Context, id int64, lockVersion int, set map[string]any) error {
	set = maps.Clone(set) // the caller's map stays as it was
	set["lock_version"] = lockVersion + 1
	res := s.q(ctx).Model(&model.Inspection{}).Where("id = ? AND lock_version = ?", id, lockVersion).Updates(set)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrConflict
	}
	return nil
}

// Substitution cancels an inspection and creates its substitute's, in one
// transaction.
func (s *Store) Substitute(ctx context.Context, cancelled *model.Inspection, reason string, sub *model.Inspection, inspectors []int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.UpdateInspection(ctx, cancelled.ID, cancelled.LockVersion,
			map[string]any{"status": model.InspectionCancelled, "cancel_reason": reason}); err != nil {
			return err
		}
		sub.SubstituteForID = &cancelled.ID
		err := tx.createInspection(ctx, sub, inspectors)
		if isDuplicate(err) {
			return ErrConflict // the reserve position was taken by another substitution
		}
		return err
	})
}

// PublishInspection stores the published result on the unit's record
// (spot_checks, which its scan page shows) and links it, moving the unit's
// public revision, in one transaction.
func (s *Store) PublishInspection(ctx context.Context, in *model.Inspection, sc *model.SpotCheck) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Create(sc).Error; err != nil {
			return err
		}
		if err := tx.UpdateInspection(ctx, in.ID, in.LockVersion, map[string]any{"spot_check_id": sc.ID, "summary": sc.Summary}); err != nil {
			return err
		}
		if err := tx.q(ctx).Model(&model.Unit{}).Where("id = ?", in.UnitID).Update("public_rev", bumpPublicRev).Error; err != nil {
			return err
		}
		return tx.publicChanged(ctx, unitPages(in.UnitID))
	})
}

// UnpublishedResults counts the agency's (nil: all) done inspections
// checked on or before a day and not published: overdue publication.
func (s *Store) UnpublishedResults(ctx context.Context, agencyID *int64, checkedBy time.Time) (int64, error) {
	q := s.q(ctx).Model(&model.Inspection{}).Where("status = ? AND spot_check_id IS NULL AND checked_on <= ?", model.InspectionDone, checkedBy)
	if agencyID != nil {
		q = q.Where("agency_id = ?", *agencyID)
	}
	var n int64
	return n, q.Count(&n).Error
}

// PublishedInspections lists published results for the public page, newest
// first, with the unit's name.
func (s *Store) PublishedInspections(ctx context.Context, limit int) ([]InspectionRow, error) {
	var out []InspectionRow
	err := s.q(ctx).Table("inspections").
		Select("inspections.*, units.name AS unit_name, draws.code AS draw_code, check_items.code AS item_code, check_items.name_zh AS item_name, check_items.name_en AS item_name_e").
		Joins("JOIN units ON units.id = inspections.unit_id").
		Joins("JOIN draws ON draws.id = inspections.draw_id").
		Joins("JOIN check_items ON check_items.id = inspections.item_id").
		Where("inspections.spot_check_id IS NOT NULL").Order("inspections.checked_on DESC, inspections.id DESC").Limit(limit).Scan(&out).Error
	return out, err
}

// InspectionPhotoSeqs lists the numbers of an inspection's photos.
func (s *Store) InspectionPhotoSeqs(ctx context.Context, inspectionID int64) ([]int, error) {
	var seqs []int
	return seqs, s.q(ctx).Model(&model.InspectionPhoto{}).Where("inspection_id = ?", inspectionID).Order("seq").Pluck("seq", &seqs).Error
}

// InspectionPhoto loads one photo of an inspection, or ErrNotFound.
func (s *Store) InspectionPhoto(ctx context.Context, inspectionID int64, seq int) (*model.InspectionPhoto, error) {
	var p model.InspectionPhoto
	if err := s.q(ctx).Where("inspection_id = ? AND seq = ?", inspectionID, seq).Take(&p).Error; err != nil {
		return nil, notFound(err)
	}
	return &p, nil
}
