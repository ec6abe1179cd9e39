package verification

import (
	"context"
	"errors"
	"slices"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// The conflict queue as the pages read it: rows with the names an officer
// or a merchant reads, counts, the export, and one conflict with both sides.

// ConflictRow is one conflict with what is shown of it: what each side
// says (Detail), the unit's name and the body whose record it is (nil for
// an unconfirmed declaration, which no body's record is part of).
type ConflictRow struct {
	model.Conflict
	Facts    map[string]string
	UnitName string
	Body     *model.VerificationBody
}

// ConflictQueue lists the queue as who may see it, a page at a time.
func (s *Service) ConflictQueue(ctx context.Context, who *model.User, f storage.ConflictFilter) ([]ConflictRow, int64, error) {
	list, total, err := s.Conflicts(ctx, who, f)
	if err != nil {
		return nil, 0, err
	}
	rows, err := s.conflictRows(ctx, list)
	return rows, total, err
}

// ConflictKindCounts counts the conflicts who may see that match f, by
// kind (f's kind is ignored, so each kind's count shows beside it).
func (s *Service) ConflictKindCounts(ctx context.Context, who *model.User, f storage.ConflictFilter) (map[model.ConflictKind]int64, error) {
	f, ok := ConflictScope(who, f)
	if !ok {
		return nil, ErrConflictNotFound
	}
	return s.Store.CountConflictsByKind(ctx, f)
}

// OpenConflictCount is how many open conflicts wait in who's queue.
func (s *Service) OpenConflictCount(ctx context.Context, who *model.User) (int64, error) {
	counts, err := s.ConflictKindCounts(ctx, who, storage.ConflictFilter{Status: model.ConflictOpen})
	var n int64
	for _, c := range counts {
		n += c
	}
	return n, err
}

// ConflictDistricts lists the districts whose conflicts who sees: those
// whose default agency is who's (a conflict is filed with the district's
// bureau), every district for the city admin.
func (s *Service) ConflictDistricts(ctx context.Context, who *model.User) ([]model.District, error) {
	f, ok := ConflictScope(who, storage.ConflictFilter{})
	if !ok {
		return nil, ErrConflictNotFound
	}
	all, err := s.Store.Districts(ctx)
	if err != nil || f.AgencyID == nil {
		return all, err
	}
	var out []model.District
	for _, d := range all {
		if d.DefaultAgencyID != nil && *d.DefaultAgencyID == *f.AgencyID {
			out = append(out, d)
		}
	}
	return out, nil
}

// ConflictBodies lists the verification bodies, for the queue's filter.
func (s *Service) ConflictBodies(ctx context.Context) ([]model.VerificationBody, error) {
	return s.Store.VerificationBodies(ctx)
}

// ExportConflicts returns every conflict who may see that matches f, at
// most limit (more is refused: the officer narrows the filter), and audits
// the export with its filter and format.
func (s *Service) ExportConflicts(ctx context.Context, who audit.Actor, f storage.ConflictFilter, limit int, format string) ([]ConflictRow, error) {
	f.Page, f.PerPage = 1, limit
	list, total, err := s.Conflicts(ctx, who.User, f)
	if err != nil {
		return nil, err
	}
	if total > int64(limit) {
		return nil, fail.Field(fail.Invalid, "export", "conflict.export_too_big", total, limit)
	}
	scoped, _ := ConflictScope(who.User, f)
	err = s.Audit.Record(ctx, s.Store, audit.Event{Action: audit.ActionExport, ObjectType: audit.ObjectConflict,
		AgencyID: scoped.AgencyID, After: map[string]any{"rows": len(list), "format": format, "status": f.Status,
			"kind": f.Kind, "district_id": f.DistrictID, "body_id": f.BodyID, "oldest_first": f.Oldest}}.By(who))
	if err != nil {
		return nil, err
	}
	return s.conflictRows(ctx, list)
}

// OwnConflicts lists the open conflicts about the signed-in merchant's own
// units — of one instrument when instrumentID is not 0 — newest first.
// Another merchant's units never come into it: the units are looked up by
// owner here, not taken from the caller.
func (s *Service) OwnConflicts(ctx context.Context, who *model.User, instrumentID int64) ([]ConflictRow, error) {
	if who == nil || who.Role != model.RoleMerchant {
		return nil, ErrConflictNotFound
	}
	units, err := s.Store.UnitsByOwner(ctx, who.ID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(units))
	for i, u := range units {
		ids[i] = u.ID
	}
	list, err := s.MerchantConflicts(ctx, who, ids)
	if err != nil {
		return nil, err
	}
	if instrumentID != 0 {
		list = slices.DeleteFunc(list, func(c model.Conflict) bool { return c.InstrumentID == nil || *c.InstrumentID != instrumentID })
	}
	return s.conflictRows(ctx, list)
}

// ConflictView is one conflict with both sides in full.
type ConflictView struct {
	ConflictRow
	Unit       *model.Unit
	Instrument *model.Instrument
	Type       *model.InstrumentType
	BodyRecord *model.VerificationRecord // what the body sent
	Declared   *model.VerificationRecord // what the merchant declared
	ClosedBy   *model.User
	Case       *model.Case   // the tip opened from it, if any
	CaseAgency *model.Agency // the agency handling that tip
	TrackingNo string        // that tip's tracking number
}

// Open reports whether an officer may still act on the conflict.
func (v *ConflictView) Open() bool { return v.Status == model.ConflictOpen }

// ConflictSides finds one conflict who may see, with both sides.
func (s *Service) ConflictSides(ctx context.Context, who *model.User, id int64) (*ConflictView, error) {
	c, err := s.Conflict(ctx, who, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.conflictRows(ctx, []model.Conflict{*c})
	if err != nil {
		return nil, err
	}
	v := &ConflictView{ConflictRow: rows[0]}
	if c.UnitID != nil {
		if v.Unit, err = s.Store.UnitByID(ctx, *c.UnitID); err != nil {
			return nil, err
		}
	}
	if c.InstrumentID != nil {
		if v.Instrument, err = s.Store.InstrumentByID(ctx, *c.InstrumentID); err != nil {
			return nil, err
		}
		if v.Type, err = s.Store.InstrumentTypeByID(ctx, v.Instrument.TypeID); err != nil {
			return nil, err
		}
	}
	if v.BodyRecord, err = s.optionalRecord(ctx, c.BodyRecordID); err != nil {
		return nil, err
	}
	if v.Declared, err = s.optionalRecord(ctx, c.DeclaredRecordID); err != nil {
		return nil, err
	}
	if c.ResolvedBy != nil {
		if v.ClosedBy, err = s.Store.UserByID(ctx, *c.ResolvedBy); errors.Is(err, storage.ErrNotFound) {
			v.ClosedBy, err = nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	if c.CaseID != nil {
		if v.Case, err = s.Store.CaseByID(ctx, *c.CaseID); err != nil {
			return nil, err
		}
		if v.CaseAgency, err = s.Store.AgencyByID(ctx, v.Case.AgencyID); err != nil {
			return nil, err
		}
		rep, err := s.Store.ReportByID(ctx, v.Case.ReportID)
		if err != nil {
			return nil, err
		}
		v.TrackingNo = rep.TrackingNo
	}
	return v, nil
}

func (s *Service) optionalRecord(ctx context.Context, id *int64) (*model.VerificationRecord, error) {
	if id == nil {
		return nil, nil
	}
	r, err := s.Store.VerificationRecordByID(ctx, *id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	return r, err
}

// conflictRows adds the names to list, in one query for the units.
func (s *Service) conflictRows(ctx context.Context, list []model.Conflict) ([]ConflictRow, error) {
	var unitIDs []int64
	for _, c := range list {
		if c.UnitID != nil {
			unitIDs = append(unitIDs, *c.UnitID)
		}
	}
	names, err := s.Store.UnitNames(ctx, unitIDs)
	if err != nil {
		return nil, err
	}
	bodies := map[int64]*model.VerificationBody{}
	if len(list) > 0 {
		all, err := s.Store.VerificationBodies(ctx)
		if err != nil {
			return nil, err
		}
		for i := range all {
			bodies[all[i].ID] = &all[i]
		}
	}
	out := make([]ConflictRow, len(list))
	for i := range list {
		c := &list[i]
		out[i] = ConflictRow{Conflict: *c, Facts: Detail(c)}
		if c.UnitID != nil {
			out[i].UnitName = names[*c.UnitID]
		}
		if c.VerificationBodyID != nil {
			out[i].Body = bodies[*c.VerificationBodyID]
		}
	}
	return out, nil
}
