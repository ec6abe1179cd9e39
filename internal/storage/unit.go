package storage

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"honestmeasure/internal/model"
)

// CreateUnit stores a new unit. A credit code already held by a live unit
// gives ErrDuplicate.
func (s *Store) CreateUnit(ctx context.Context, u *model.Unit) error {
	now := time.Now().UTC()
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	u.UpdatedAt = now
	if u.Status.HoldsCreditCode() {
		code := u.USCC
		u.USCCLive = &code
	} else {
		u.USCCLive = nil
	}
	err := s.q(ctx).Create(u).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// AddUnitEvent records a status change of a unit.
func (s *Store) AddUnitEvent(ctx context.Context, e *model.UnitEvent) error {
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now().UTC()
	}
	return s.q(ctx).Create(e).Error
}

// CountUnits returns the number of units in any status.
func (s *Store) CountUnits(ctx context.Context) (int64, error) {
	var n int64
	err := s.q(ctx).Model(&model.Unit{}).Count(&n).Error
	return n, err
}

// CreatePledge stores a signed pledge.
func (s *Store) CreatePledge(ctx context.Context, p *model.Pledge) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Create(p).Error; err != nil {
			return err
		}
		return tx.touchUnit(ctx, p.UnitID)
	})
}

// CreateSpotCheck stores a spot-check result.
func (s *Store) CreateSpotCheck(ctx context.Context, sc *model.SpotCheck) error {
	if sc.CreatedAt.IsZero() {
		sc.CreatedAt = time.Now().UTC()
	}
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Create(sc).Error; err != nil {
			return err
		}
		return tx.touchUnit(ctx, sc.UnitID)
	})
}

// UnitsByOwner lists a merchant's units, newest first.
func (s *Store) UnitsByOwner(ctx context.Context, ownerID int64) ([]model.Unit, error) {
	var out []model.Unit
	err := s.q(ctx).Where("owner_user_id = ?", ownerID).Order("id DESC").Find(&out).Error
	return out, err
}

// UnitByID finds a unit.
func (s *Store) UnitByID(ctx context.Context, id int64) (*model.Unit, error) {
	var u model.Unit
	if err := s.q(ctx).Take(&u, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

// UnitForOwner finds a unit only if ownerID owns it: another merchant's unit
// is simply not found.
func (s *Store) UnitForOwner(ctx context.Context, id, ownerID int64) (*model.Unit, error) {
	var u model.Unit
	if err := s.q(ctx).Where("id = ? AND owner_user_id = ?", id, ownerID).Take(&u).Error; err != nil {
		return nil, notFound(err)
	}
	return &u, nil
}

// UpdateUnitDetails saves the editable fields of u. A unit that holds its
// credit code keeps holding the (possibly corrected) code; one that does not
// (a draft, or a unit whose code staff released) does not take it by being
// edited. A code held by another unit gives ErrDuplicate. The unit must
// still be in u.Status, the status its owner edited it in (what may change
// depends on it): otherwise nothing is written and ErrConflict is returned.
func (s *Store) UpdateUnitDetails(ctx context.Context, u *model.Unit) error {
	u.UpdatedAt = time.Now().UTC()
	err := s.atomic(ctx, func(tx *Store) error {
		res := tx.q(ctx).Model(&model.Unit{}).Where("id = ? AND status = ?", u.ID, u.Status).Updates(map[string]any{
			"name": u.Name, "uscc": u.USCC, "uscc_live": gorm.Expr("CASE WHEN uscc_live IS NULL THEN NULL ELSE ? END", u.USCC),
			"business_type": u.BusinessType, "address": u.Address,
			"district_id": u.DistrictID, "contact_name": u.ContactName, "contact_phone": u.ContactPhone,
			"opening_hours": u.OpeningHours, "updated_at": u.UpdatedAt, "public_rev": bumpPublicRev,
		})
		switch {
		case res.Error != nil:
			return res.Error
		case res.RowsAffected != 1:
			// public_rev always changes, so a matched row is an affected one
			// on MySQL too.
			return ErrConflict
		}
		return tx.publicChanged(ctx, unitPages(u.ID))
	})
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// UnitChange is one status change to apply.
type UnitChange struct {
	UnitID  int64
	From    model.UnitStatus
	To      model.UnitStatus
	Reason  string
	ActorID *int64
	At      time.Time
}

// ChangeUnitStatus moves a unit from one status to another and records the
// event, in one transaction. If the unit is no longer in From (someone else
// acted first) nothing is written and ErrConflict is returned. Submission
// reserves the credit code: if another unit holds it, nothing is written and
// ErrDuplicate is returned. Revocation releases the code so the business may
// apply again one day.
func (s *Store) ChangeUnitStatus(ctx context.Context, c UnitChange) error {
	err := s.Tx(ctx, func(tx *Store) error {
		set := map[string]any{"status": c.To, "status_reason": c.Reason, "updated_at": c.At, "public_rev": bumpPublicRev}
		switch c.To {
		case model.UnitSubmitted:
			set["submitted_at"] = c.At
		case model.UnitApproved:
			if c.From == model.UnitSubmitted {
				set["approved_at"] = c.At
			}
		}
		if c.From == model.UnitSubmitted {
			set["reviewed_by"] = c.ActorID
		}
		switch {
		case !c.To.HoldsCreditCode():
			set["uscc_live"] = nil
		case c.To == model.UnitSubmitted:
			set["uscc_live"] = gorm.Expr("uscc")
		}
		res := tx.q(ctx).Model(&model.Unit{}).Where("id = ? AND status = ?", c.UnitID, c.From).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrConflict
		}
		if err := tx.publicChanged(ctx, unitPages(c.UnitID)); err != nil {
			return err
		}
		if c.From == model.UnitSubmitted && c.To == model.UnitApproved {
			// A published unit has a public URL from the first moment, for
			// the directory and the API, before the merchant prints anything.
			if _, err := tx.CurrentQRToken(ctx, model.QRUnit, c.UnitID, c.ActorID); err != nil {
				return err
			}
		}
		return tx.AddUnitEvent(ctx, &model.UnitEvent{UnitID: c.UnitID, FromStatus: c.From, ToStatus: c.To,
			ActorUserID: c.ActorID, Reason: c.Reason, CreatedAt: c.At})
	})
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// CreditCodeHeld reports whether a unit other than exceptUnitID (0: none)
// holds code.
func (s *Store) CreditCodeHeld(ctx context.Context, code string, exceptUnitID int64) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&model.Unit{}).Where("uscc_live = ? AND id <> ?", code, exceptUnitID).Count(&n).Error
	return n > 0, err
}

// UnitsWithCreditCode lists the submitted (non-draft) units that carry code,
// holding it or not, in the districts where agencyID has jurisdiction
// (every district when nil): how staff find who holds a business's code.
func (s *Store) UnitsWithCreditCode(ctx context.Context, agencyID *int64, code string) ([]model.Unit, error) {
	q := s.q(ctx).Model(&model.Unit{}).Where("uscc = ? AND status <> ?", code, model.UnitDraft)
	if agencyID != nil {
		q = q.Where("district_id IN (?)", s.q(ctx).Table("agency_districts").Select("district_id").Where("agency_id = ?", *agencyID))
	}
	var out []model.Unit
	err := q.Order("id").Limit(50).Find(&out).Error
	return out, err
}

// ReleaseCreditCode makes unitID give up the credit code it holds, records
// why as an event of the unit (its status does not change) and stores msgs
// (the holder's notification), in one transaction. A unit that no longer
// holds a code gives ErrConflict and nothing is written.
func (s *Store) ReleaseCreditCode(ctx context.Context, unitID int64, actorID *int64, reason string, at time.Time, msgs ...model.OutboxMessage) error {
	return s.Tx(ctx, func(tx *Store) error {
		var u model.Unit
		if err := tx.q(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Take(&u, unitID).Error; err != nil {
			return notFound(err)
		}
		res := tx.q(ctx).Model(&model.Unit{}).Where("id = ? AND uscc_live IS NOT NULL", unitID).
			Updates(map[string]any{"uscc_live": nil, "updated_at": at})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrConflict
		}
		if err := tx.AddUnitEvent(ctx, &model.UnitEvent{UnitID: unitID, FromStatus: u.Status, ToStatus: u.Status,
			ActorUserID: actorID, Reason: reason, CreatedAt: at}); err != nil {
			return err
		}
		if len(msgs) == 0 {
			return nil
		}
		return tx.Enqueue(ctx, msgs...)
	})
}

// DeleteStaleDrafts deletes up to limit drafts not changed since before,
// with everything that belongs to them (pledge, instruments, photo), and
// returns how many went. The status and age are checked again in the DELETE
// itself, so a draft submitted or edited meanwhile stays; any number of
// instances may run it at once.
func (s *Store) DeleteStaleDrafts(ctx context.Context, before time.Time, limit int) (int64, error) {
	var ids []int64
	if err := s.q(ctx).Model(&model.Unit{}).Where("status = ? AND updated_at < ?", model.UnitDraft, before).
		Order("id").Limit(limit).Pluck("id", &ids).Error; err != nil || len(ids) == 0 {
		return 0, err
	}
	var n int64
	err := s.Tx(ctx, func(tx *Store) error {
		res := tx.q(ctx).Where("id IN ? AND status = ? AND updated_at < ?", ids, model.UnitDraft, before).
			Where("id NOT IN (?)", tx.q(ctx).Table("reports").Select("unit_id").Where("unit_id IS NOT NULL")).
			Delete(&model.Unit{})
		if n = res.RowsAffected; res.Error != nil || n == 0 {
			return res.Error
		}
		// A page cached for a code of a deleted unit must go too; the ids
		// kept are counted as well, which costs nothing but a check.
		return tx.publicChanged(ctx, unitPages(ids...))
	})
	return n, err
}

// UnitEvents lists a unit's status history, newest first.
func (s *Store) UnitEvents(ctx context.Context, unitID int64) ([]model.UnitEvent, error) {
	var out []model.UnitEvent
	err := s.q(ctx).Where("unit_id = ?", unitID).Order("id DESC").Find(&out).Error
	return out, err
}

// UnitsForReview lists units in status for the districts where agencyID has
// jurisdiction (every district when agencyID is nil: the city admin),
// oldest submission first.
func (s *Store) UnitsForReview(ctx context.Context, agencyID *int64, statuses []model.UnitStatus, limit int) ([]model.Unit, error) {
	q := s.q(ctx).Model(&model.Unit{}).Where("status IN ?", statuses)
	if agencyID != nil {
		q = q.Where("district_id IN (?)", s.q(ctx).Table("agency_districts").Select("district_id").Where("agency_id = ?", *agencyID))
	}
	var out []model.Unit
	err := q.Order("submitted_at, id").Limit(limit).Find(&out).Error
	return out, err
}

// CountUnitsByStatus counts the units in each of statuses that agencyID
// (nil: every agency) supervises, in one grouped query: the tabs of the
// review list. A status without units is absent from the map.
func (s *Store) CountUnitsByStatus(ctx context.Context, agencyID *int64, statuses []model.UnitStatus) (map[model.UnitStatus]int64, error) {
	q := s.q(ctx).Model(&model.Unit{}).Select("status, COUNT(*) AS n").Where("status IN ?", statuses)
	if agencyID != nil {
		q = q.Where("district_id IN (?)", s.q(ctx).Table("agency_districts").Select("district_id").Where("agency_id = ?", *agencyID))
	}
	var rows []struct {
		Status model.UnitStatus
		N      int64
	}
	if err := q.Group("status").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[model.UnitStatus]int64, len(rows))
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// AgencyHasJurisdiction reports whether agencyID may act in districtID.
func (s *Store) AgencyHasJurisdiction(ctx context.Context, agencyID, districtID int64) (bool, error) {
	var n int64
	err := s.q(ctx).Table("agency_districts").Where("agency_id = ? AND district_id = ?", agencyID, districtID).Count(&n).Error
	return n > 0, err
}

// SetUnitPhoto stores or replaces the shop-front photo.
func (s *Store) SetUnitPhoto(ctx context.Context, p *model.UnitPhoto) error {
	p.UpdatedAt = time.Now().UTC()
	// The scan page shows the photo: its public revision moves with it.
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(p).Error; err != nil {
			return err
		}
		return tx.touchUnit(ctx, p.UnitID)
	})
}

// UnitPhoto returns the shop-front photo of a unit.
func (s *Store) UnitPhoto(ctx context.Context, unitID int64) (*model.UnitPhoto, error) {
	var p model.UnitPhoto
	if err := s.q(ctx).Where("unit_id = ?", unitID).Take(&p).Error; err != nil {
		return nil, notFound(err)
	}
	return &p, nil
}

// HasUnitPhoto reports whether a unit has a shop-front photo, without
// loading it.
func (s *Store) HasUnitPhoto(ctx context.Context, unitID int64) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&model.UnitPhoto{}).Where("unit_id = ?", unitID).Count(&n).Error
	return n > 0, err
}

// CurrentPledge is the unit's latest pledge that was not superseded.
func (s *Store) CurrentPledge(ctx context.Context, unitID int64) (*model.Pledge, error) {
	var p model.Pledge
	if err := s.q(ctx).Where("unit_id = ? AND superseded_at IS NULL", unitID).Order("signed_at DESC, id DESC").Take(&p).Error; err != nil {
		return nil, notFound(err)
	}
	return &p, nil
}

// SignPledge stores p and supersedes the unit's earlier pledges, in one
// transaction.
func (s *Store) SignPledge(ctx context.Context, p *model.Pledge) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Model(&model.Pledge{}).Where("unit_id = ? AND superseded_at IS NULL", p.UnitID).
			Update("superseded_at", p.SignedAt).Error; err != nil {
			return err
		}
		if err := tx.q(ctx).Create(p).Error; err != nil {
			return err
		}
		return tx.touchUnit(ctx, p.UnitID)
	})
}

// PledgeTextByID finds a pledge text version.
func (s *Store) PledgeTextByID(ctx context.Context, id int64) (*model.PledgeText, error) {
	var p model.PledgeText
	if err := s.q(ctx).Take(&p, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &p, nil
}

// LatestSpotCheck is the unit's most recent published spot check.
func (s *Store) LatestSpotCheck(ctx context.Context, unitID int64) (*model.SpotCheck, error) {
	var sc model.SpotCheck
	if err := s.q(ctx).Where("unit_id = ? AND published = ?", unitID, true).Order("checked_on DESC, id DESC").Take(&sc).Error; err != nil {
		return nil, notFound(err)
	}
	return &sc, nil
}

// UnitFilter narrows the public directory.
type UnitFilter struct {
	Query        string // part of the name or address
	DistrictID   int64
	BusinessType model.BusinessType
	Page         int // 1-based
	PerPage      int
}

// likeEscaper escapes LIKE wildcards with '!', an escape character both
// engines accept in the same spelling.
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// PublishedUnits lists published demonstration units for the directory,
// by name, with the total for paging. Each comes with its current public
// code version (0 if none was issued).
func (s *Store) PublishedUnits(ctx context.Context, f UnitFilter) ([]model.Unit, map[int64]int, int64, error) {
	q := s.q(ctx).Model(&model.Unit{}).Where("status = ?", model.UnitApproved)
	if f.DistrictID != 0 {
		q = q.Where("district_id = ?", f.DistrictID)
	}
	if f.BusinessType != "" {
		q = q.Where("business_type = ?", f.BusinessType)
	}
	if t := strings.TrimSpace(f.Query); t != "" {
		pat := "%" + likeEscaper.Replace(t) + "%"
		q = q.Where("(name LIKE ? ESCAPE '!' OR address LIKE ? ESCAPE '!')", pat, pat)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, nil, 0, err
	}
	if f.PerPage <= 0 {
		f.PerPage = 20
	}
	if f.Page < 1 {
		f.Page = 1
	}
	var list []model.Unit
	if err := q.Order("name, id").Offset((f.Page - 1) * f.PerPage).Limit(f.PerPage).Find(&list).Error; err != nil {
		return nil, nil, 0, err
	}
	ids := make([]int64, len(list))
	for i, u := range list {
		ids[i] = u.ID
	}
	versions, err := s.liveVersions(ctx, model.QRUnit, ids)
	return list, versions, total, err
}

func (s *Store) liveVersions(ctx context.Context, kind model.QRKind, ids []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(ids) == 0 {
		return out, nil
	}
	var toks []model.QRToken
	if err := s.q(ctx).Where("kind = ? AND target_id IN ? AND revoked_at IS NULL", kind, ids).Find(&toks).Error; err != nil {
		return nil, err
	}
	for _, t := range toks {
		if t.Version > out[t.TargetID] {
			out[t.TargetID] = t.Version
		}
	}
	return out, nil
}
