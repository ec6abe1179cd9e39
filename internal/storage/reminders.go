package storage

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/model"
)

// Expiry reminders (internal/reminders decides what is due; this file only
// finds candidates and records what was sent).
//
// An instrument's valid-until date is not a column: it is the effective
// valid-until (model.VerificationRecord.EffectiveValidUntil) of the record
// model.Current picks among all its records. The queries below therefore
// select a superset in SQL — instruments with a record that may be the
// current one (a pass, not revoked, not a cancellation, no record of a later
// verification day) and whose effective valid-until may fall in the window
// — and the caller decides exactly in Go on InstrumentView. The "no later
// record" condition is an indexed look-up (instrument_id, verified_on), and
// it is what keeps renewed instruments out: their old certificates are never
// candidates again.

// recordMayJudge is true for a record r of instrument i that may be the one
// model.Current picks: nothing verified later counts against it. Its three
// arguments are the cancellation kind, the pass result and (again) the
// cancellation kind.
const recordMayJudge = `r.instrument_id = i.id AND r.revoked_at IS NULL AND r.kind <> ? AND r.result = ?
AND NOT EXISTS (SELECT 1 FROM verification_records r2 WHERE r2.instrument_id = r.instrument_id
  AND r2.revoked_at IS NULL AND r2.kind <> ? AND r2.verified_on > r.verified_on)`

// cycleSlackDays widens the verification-day window that maps to a cycle end
// in a window: Go's AddDate (model.CycleEnd) normalises 31 January plus a
// month to 3 March, so a cycle end moves up to three days against the
// calendar month arithmetic a window bound is inverted with.
const cycleSlackDays = 5

// validUntilMayBeIn is the SQL condition (on record r of instrument i) that
// r's effective valid-until may lie in [from, to]; a nil bound is open. A
// confirmed record's date is the one written; a declaration is also capped at
// one cycle from its verification day, so for each cycle length in the
// catalogue a declaration verified that long before the window counts too.
func (s *Store) validUntilMayBeIn(ctx context.Context, from, to *time.Time) (string, []any, error) {
	types, err := s.instrumentTypesByID(ctx)
	if err != nil {
		return "", nil, err
	}
	byCycle := map[int][]int64{}
	for _, t := range types {
		if t.CycleMonths > 0 {
			byCycle[t.CycleMonths] = append(byCycle[t.CycleMonths], t.ID)
		}
	}
	cycles := make([]int, 0, len(byCycle))
	for c := range byCycle {
		cycles = append(cycles, c)
	}
	slices.Sort(cycles)

	bound := func(col string, from, to *time.Time) (string, []any) {
		switch {
		case from != nil && to != nil:
			return col + " BETWEEN ? AND ?", []any{*from, *to}
		case from != nil:
			return col + " >= ?", []any{*from}
		case to != nil:
			return col + " <= ?", []any{*to}
		}
		return col + " IS NOT NULL", nil
	}
	sql, args := bound("r.valid_until", from, to)
	var capped []string
	var cappedArgs []any
	for _, c := range cycles {
		var vFrom, vTo *time.Time
		if from != nil {
			d := from.AddDate(0, -c, -cycleSlackDays)
			vFrom = &d
		}
		if to != nil {
			d := to.AddDate(0, -c, cycleSlackDays)
			vTo = &d
		}
		cond, a := bound("r.verified_on", vFrom, vTo)
		capped = append(capped, "(i.type_id IN ? AND "+cond+")")
		cappedArgs = append(append(cappedArgs, byCycle[c]), a...)
	}
	if len(capped) == 0 {
		return "(" + sql + ")", args, nil
	}
	args = append(append(args, model.SourceConfirmed), cappedArgs...)
	return "(" + sql + " OR (r.source <> ? AND (" + strings.Join(capped, " OR ") + ")))", args, nil
}

// instrumentMayBeIn is the SQL condition (on instrument i) that i is in use
// and its judged record's effective valid-until may lie in [from, to].
func (s *Store) instrumentMayBeIn(ctx context.Context, from, to *time.Time) (string, []any, error) {
	cond, args, err := s.validUntilMayBeIn(ctx, from, to)
	if err != nil {
		return "", nil, err
	}
	all := append([]any{model.InstrumentInUse, model.KindCancellation, model.ResultPass, model.KindCancellation}, args...)
	return "i.status = ? AND EXISTS (SELECT 1 FROM verification_records r WHERE " + recordMayJudge + " AND " + cond + ")", all, nil
}

// candidateInstruments selects instruments in use of units in statuses whose
// judged record's effective valid-until may lie in [from, to].
func (s *Store) candidateInstruments(ctx context.Context, statuses []model.UnitStatus, from, to *time.Time) (*gorm.DB, error) {
	cond, args, err := s.instrumentMayBeIn(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return s.q(ctx).Table("instruments AS i").Joins("JOIN units u ON u.id = i.unit_id").
		Where("u.status IN ?", statuses).Where(cond, args...), nil
}

// UnitsWithValidUntilIn returns, in id order, the ids in (afterID, toID] of
// units in one of statuses that have an instrument in use whose valid-until
// date may lie in [from, to] (a superset: the caller judges each instrument
// on InstrumentsOfUnits). A run over a whole city walks the unit ids in
// windows (see MaxUnitID): each query then evaluates the instrument
// condition for the units of its window only, so the whole walk looks at
// each unit once, and each unit's look stops at its first candidate.
func (s *Store) UnitsWithValidUntilIn(ctx context.Context, statuses []model.UnitStatus, from, to time.Time, afterID, toID int64) ([]int64, error) {
	cond, args, err := s.instrumentMayBeIn(ctx, &from, &to)
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = s.q(ctx).Table("units AS u").Where("u.id > ? AND u.id <= ? AND u.status IN ?", afterID, toID, statuses).
		Where("EXISTS (SELECT 1 FROM instruments i WHERE i.unit_id = u.id AND "+cond+")", args...).
		Order("u.id").Pluck("u.id", &ids).Error
	return ids, err
}

// MaxUnitID is the highest unit id (0 when there is none).
func (s *Store) MaxUnitID(ctx context.Context) (int64, error) {
	var n *int64
	if err := s.q(ctx).Model(&model.Unit{}).Select("MAX(id)").Scan(&n).Error; err != nil {
		return 0, err
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// UnitOwner is a unit with the account that owns it.
type UnitOwner struct {
	Unit  model.Unit
	Owner model.User
}

// UnitsWithOwners finds the units of ids with their owners, by unit id.
func (s *Store) UnitsWithOwners(ctx context.Context, ids []int64) (map[int64]UnitOwner, error) {
	out := map[int64]UnitOwner{}
	if len(ids) == 0 {
		return out, nil
	}
	var list []model.Unit
	if err := s.q(ctx).Where("id IN ?", ids).Find(&list).Error; err != nil {
		return nil, err
	}
	ownerIDs := make([]int64, 0, len(list))
	for _, u := range list {
		ownerIDs = append(ownerIDs, u.OwnerUserID)
	}
	var owners []model.User
	if err := s.q(ctx).Where("id IN ?", ownerIDs).Find(&owners).Error; err != nil {
		return nil, err
	}
	byID := map[int64]model.User{}
	for _, o := range owners {
		byID[o.ID] = o
	}
	for _, u := range list {
		out[u.ID] = UnitOwner{Unit: u, Owner: byID[u.OwnerUserID]}
	}
	return out, nil
}

// RemindersOfUnits lists the expiry reminders sent to the units for
// certificates valid until since or later, oldest first.
func (s *Store) RemindersOfUnits(ctx context.Context, unitIDs []int64, since time.Time) ([]model.ExpiryReminder, error) {
	if len(unitIDs) == 0 {
		return nil, nil
	}
	var out []model.ExpiryReminder
	err := s.q(ctx).Where("unit_id IN ? AND valid_until >= ?", unitIDs, model.DateOf(since)).Order("created_at, id").Find(&out).Error
	return out, err
}

// CreateReminderDigest stores a unit's digest of the day. ErrDuplicate: the
// unit already has one that day (another instance sent it).
func (s *Store) CreateReminderDigest(ctx context.Context, d *model.ReminderDigest) error {
	d.Day = model.DateOf(d.Day)
	if d.CreatedAt.IsZero() {
		d.CreatedAt = time.Now().UTC()
	}
	err := s.q(ctx).Create(d).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// CreateExpiryReminders stores reminders sent. ErrDuplicate: one of them
// (instrument, valid-until, stage) was already sent.
func (s *Store) CreateExpiryReminders(ctx context.Context, rows []model.ExpiryReminder) error {
	if len(rows) == 0 {
		return nil
	}
	for i := range rows {
		rows[i].ValidUntil = model.DateOf(rows[i].ValidUntil)
		if rows[i].CreatedAt.IsZero() {
			rows[i].CreatedAt = time.Now().UTC()
		}
	}
	err := s.q(ctx).Create(&rows).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// AcknowledgeReminder marks reminder id of one of ownerID's units
// acknowledged at at. Acknowledging twice keeps the first time; another
// owner's reminder, or none, is ErrNotFound.
func (s *Store) AcknowledgeReminder(ctx context.Context, id, ownerID int64, at time.Time) error {
	owned := s.q(ctx).Table("units").Select("id").Where("owner_user_id = ?", ownerID)
	res := s.q(ctx).Model(&model.ExpiryReminder{}).Where("id = ? AND acknowledged_at IS NULL AND unit_id IN (?)", id, owned).
		Update("acknowledged_at", at.UTC())
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 1 {
		return nil
	}
	var n int64
	if err := s.q(ctx).Model(&model.ExpiryReminder{}).Where("id = ? AND unit_id IN (?)", id, owned).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// SetRemindersOff turns a user's expiry reminders off (true) or on.
func (s *Store) SetRemindersOff(ctx context.Context, userID int64, off bool) error {
	res := s.q(ctx).Model(&model.User{}).Where("id = ?", userID).
		Updates(map[string]any{"reminders_off": off, "updated_at": time.Now().UTC()})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// ExpiredFilter selects instruments in use whose certificate has expired.
type ExpiredFilter struct {
	Districts []int64 // nil: every district; empty: none
	TypeID    int64   // 0: any type
	Statuses  []model.UnitStatus
	Today     time.Time // the calendar day judged on
	Desc      bool      // latest valid-until first (default: longest expired first)
	Page      int       // from 1
	PerPage   int
}

// ExpiredRow is one expired instrument in use, with its unit.
type ExpiredRow struct {
	View       InstrumentView
	Unit       model.Unit
	ValidUntil time.Time
}

// expiredChunk is how many candidate instruments are judged at a time.
const expiredChunk = 1000

// ExpiredInUse lists the filter's page of instruments in use, in units of
// the statuses and districts, whose state on Today is expired, sorted by
// valid-until, with the total count. Candidates come from SQL (see the top
// of this file); each is judged by model.StateOf on its current record, so
// the list agrees with the scan page and the merchant's dashboard.
func (s *Store) ExpiredInUse(ctx context.Context, f ExpiredFilter) ([]ExpiredRow, int, error) {
	if f.Districts != nil && len(f.Districts) == 0 {
		return nil, 0, nil
	}
	today := model.DateOf(f.Today)
	yesterday := today.AddDate(0, 0, -1)
	q, err := s.candidateInstruments(ctx, f.Statuses, nil, &yesterday)
	if err != nil {
		return nil, 0, err
	}
	if f.Districts != nil {
		q = q.Where("u.district_id IN ?", f.Districts)
	}
	if f.TypeID != 0 {
		q = q.Where("i.type_id = ?", f.TypeID)
	}
	var ids []int64
	if err := q.Order("i.id").Pluck("i.id", &ids).Error; err != nil {
		return nil, 0, err
	}
	var rows []ExpiredRow
	for start := 0; start < len(ids); start += expiredChunk {
		chunk := ids[start:min(start+expiredChunk, len(ids))]
		var ins []model.Instrument
		if err := s.q(ctx).Where("id IN ?", chunk).Order("id").Find(&ins).Error; err != nil {
			return nil, 0, err
		}
		views, err := s.withLatest(ctx, ins)
		if err != nil {
			return nil, 0, err
		}
		for _, v := range views {
			if v.State(today) != model.StateExpired {
				continue
			}
			if until := v.ValidUntil(); until != nil {
				rows = append(rows, ExpiredRow{View: v, ValidUntil: model.DateOf(*until)})
			}
		}
	}
	slices.SortStableFunc(rows, func(a, b ExpiredRow) int {
		c := a.ValidUntil.Compare(b.ValidUntil)
		if f.Desc {
			c = -c
		}
		if c != 0 {
			return c
		}
		if c := cmp.Compare(a.View.Instrument.UnitID, b.View.Instrument.UnitID); c != 0 {
			return c
		}
		return cmp.Compare(a.View.Instrument.ID, b.View.Instrument.ID)
	})
	total := len(rows)
	if f.PerPage <= 0 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	lo := min((f.Page-1)*f.PerPage, total)
	page := rows[lo:min(lo+f.PerPage, total)]
	unitIDs := make([]int64, 0, len(page))
	for _, r := range page {
		unitIDs = append(unitIDs, r.View.Instrument.UnitID)
	}
	var units []model.Unit
	if len(unitIDs) > 0 {
		if err := s.q(ctx).Where("id IN ?", unitIDs).Find(&units).Error; err != nil {
			return nil, 0, err
		}
	}
	byID := map[int64]model.Unit{}
	for _, u := range units {
		byID[u.ID] = u
	}
	for i := range page {
		page[i].Unit = byID[page[i].View.Instrument.UnitID]
	}
	return page, total, nil
}
