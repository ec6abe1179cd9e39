package spotcheck

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/pii"
	"honestmeasure/internal/storage"
)

// Task is an inspection with what its page shows.
type Task struct {
	Inspection *model.Inspection
	Item       *model.CheckItem
	Points     []string
	Unit       *model.Unit
	Inspectors []int64
	Findings   []model.InspectionFinding
	Draw       *model.Draw
	// MayWork: who may record, publish, open a case or substitute (its
	// inspectors, the agency's supervisors); the city admin only reads.
	MayWork bool
	Photos  []int // the numbers of its photos
}

// mayWork reports whether who works on inspection in: one of its
// inspectors, or a supervisor of its agency.
func mayWork(who audit.Actor, in *model.Inspection, inspectors []int64) bool {
	agency, ok := staffAgency(who)
	if !ok || agency != in.AgencyID {
		return false
	}
	return who.User.Role == model.RoleSupervisor || slices.Contains(inspectors, who.User.ID)
}

// Task loads an inspection for who: its inspectors and the agency's
// supervisors, who work on it, and the city admin, who reads it; anyone
// else gets ErrNotAllowed.
func (s *Service) Task(ctx context.Context, who audit.Actor, id int64) (*Task, error) {
	in, err := s.Store.InspectionByID(ctx, id)
	if err != nil {
		return nil, ErrNotAllowed
	}
	t := &Task{Inspection: in}
	if t.Inspectors, err = s.Store.InspectorsOf(ctx, in.ID); err != nil {
		return nil, err
	}
	t.MayWork = mayWork(who, in, t.Inspectors)
	if !t.MayWork && (who.User == nil || who.User.Role != model.RoleCityAdmin) {
		return nil, ErrNotAllowed
	}
	if t.Item, err = s.Store.CheckItemByID(ctx, in.ItemID); err != nil {
		return nil, err
	}
	t.Points = Points(t.Item)
	if t.Unit, err = s.Store.UnitByID(ctx, in.UnitID); err != nil {
		return nil, err
	}
	if t.Findings, err = s.Store.FindingsOf(ctx, in.ID); err != nil {
		return nil, err
	}
	if t.Draw, err = s.Store.DrawByID(ctx, in.DrawID); err != nil {
		return nil, err
	}
	if t.Photos, err = s.Store.InspectionPhotoSeqs(ctx, in.ID); err != nil {
		return nil, err
	}
	return t, nil
}

// Photo is one photo of an inspection, for who may read the inspection.
func (s *Service) Photo(ctx context.Context, who audit.Actor, id int64, seq int) (*model.InspectionPhoto, error) {
	if _, err := s.Task(ctx, who, id); err != nil {
		return nil, err
	}
	return s.Store.InspectionPhoto(ctx, id, seq)
}

// work is Task for a change: only who may work on it.
func (s *Service) work(ctx context.Context, who audit.Actor, id int64) (*Task, error) {
	t, err := s.Task(ctx, who, id)
	if err == nil && !t.MayWork {
		return nil, ErrNotAllowed
	}
	return t, err
}

// FindingForm is one point's outcome as typed.
type FindingForm struct {
	Outcome, InstrumentID, Measured, Note string
}

// ResultForm is an inspection's result as typed: one finding per point of
// the item, the day checked, an internal note.
type ResultForm struct {
	CheckedOn string
	Findings  []FindingForm
	Note      string
	Photos    []model.InspectionPhoto // cleaned by the caller's photo pipeline
}

// Record stores the result of an inspection: the result is a fail when any
// point failed. Only its inspectors (or a supervisor) record, once.
func (s *Service) Record(ctx context.Context, who audit.Actor, id int64, f ResultForm) (*model.Inspection, error) {
	t, err := s.work(ctx, who, id)
	if err != nil {
		return nil, err
	}
	in := t.Inspection
	if in.Status != model.InspectionAssigned {
		return nil, ErrChanged
	}
	errs := form.Errors{}
	day, perr := time.Parse(time.DateOnly, strings.TrimSpace(f.CheckedOn)) // a calendar date, as model.DateOf gives
	today := model.DateOf(s.now())
	if perr != nil || day.After(today) || day.Before(model.DateOf(t.Draw.AnnouncedAt)) {
		errs.Add("checked_on", "spotcheck.checked_on_invalid")
	}
	if len(f.Findings) != len(t.Points) {
		errs.Add("findings", "spotcheck.every_point")
	}
	instruments, err := s.Store.InstrumentsOfUnits(ctx, []int64{in.UnitID}, true)
	if err != nil {
		return nil, err
	}
	result := model.InspectionPass
	var findings []model.InspectionFinding
	for i, ff := range f.Findings {
		if i >= len(t.Points) {
			break
		}
		field := "finding_" + strconv.Itoa(i+1)
		fd := model.InspectionFinding{Point: i + 1, Outcome: ff.Outcome}
		switch ff.Outcome {
		case model.FindingPass, model.FindingNotApplicable:
		case model.FindingFail:
			result = model.InspectionFail
		default:
			errs.Add(field, "spotcheck.outcome")
		}
		if v := strings.TrimSpace(ff.InstrumentID); v != "" {
			iid, _ := strconv.ParseInt(v, 10, 64)
			if !slices.ContainsFunc(instruments, func(x storage.InstrumentView) bool { return x.Instrument.ID == iid }) {
				errs.Add(field, "spotcheck.instrument")
			} else {
				fd.InstrumentID = &iid
			}
		}
		fd.Measured = text(ff.Measured, field, 200, false, errs)
		fd.Note = text(ff.Note, field, 1000, false, errs)
		findings = append(findings, fd)
	}
	note := text(f.Note, "note", MaxNote, false, errs)
	if len(f.Photos) > MaxPhotos {
		errs.Add("photos", "report.too_many_photos", MaxPhotos)
	}
	if errs.Any() {
		return nil, fail.Fields(errs)
	}
	now := s.now()
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.RecordInspection(ctx, storage.InspectionResult{InspectionID: in.ID, LockVersion: in.LockVersion,
			Set: map[string]any{"status": model.InspectionDone, "checked_on": day, "result": result, "note": note,
				"recorded_by": who.User.ID, "recorded_at": now},
			Findings: findings, Photos: f.Photos}); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionInspectionResult, audit.ObjectInspection, in.ID, &in.AgencyID,
			map[string]any{"status": in.Status}, map[string]any{"status": model.InspectionDone, "result": result,
				"checked_on": day.Format(time.DateOnly), "findings": findings, "photos": len(f.Photos)})
	})
	if errors.Is(err, storage.ErrConflict) {
		return nil, ErrChanged
	}
	if err != nil {
		return nil, err
	}
	s.changed(ctx, in.UnitID)
	return s.Store.InspectionByID(ctx, in.ID)
}

// Publish makes a recorded result public: its summary on the unit's scan
// page and on /spot-checks. The summary is public text: it passes the
// moderation gate (internal/moderation), which holds it while it carries
// personal data the inspector has not confirmed masked (confirmed: the
// digests of moderation.ConfirmField).
func (s *Service) Publish(ctx context.Context, who audit.Actor, id int64, summary string, confirmed []string) error {
	t, err := s.work(ctx, who, id)
	if err != nil {
		return err
	}
	in := t.Inspection
	if in.Status != model.InspectionDone || in.SpotCheckID != nil {
		return ErrChanged
	}
	errs := form.Errors{}
	summary = text(summary, "summary", MaxSummary, true, errs)
	checked, err := moderation.Gate(pii.Known{}, confirmed, errs, moderation.Text{Field: "summary", Value: summary})
	if err != nil {
		return err
	}
	summary = moderation.Published(checked, "summary")
	result := "pass"
	if in.Result == model.InspectionFail {
		result = "fail"
	}
	sc := &model.SpotCheck{UnitID: in.UnitID, AgencyID: &in.AgencyID, CheckedOn: *in.CheckedOn, Result: result, Summary: summary,
		Published: true, CreatedAt: s.now()}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.PublishInspection(ctx, in, sc); err != nil {
			return err
		}
		if c, ok := moderation.Find(checked, "summary"); ok {
			at := moderation.Subject{ObjectType: moderation.ObjectSpotCheck, ObjectID: sc.ID, Field: "summary",
				AuditType: audit.ObjectInspection, AuditID: in.ID, AgencyID: &in.AgencyID}
			if err := moderation.Record(ctx, tx, s.Audit, who, c, s.now(), at); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, who, audit.ActionInspectionPublish, audit.ObjectInspection, in.ID, &in.AgencyID, nil,
			map[string]any{"summary": summary, "spot_check_id": sc.ID})
	})
	if errors.Is(err, storage.ErrConflict) {
		return ErrChanged
	}
	if err == nil {
		s.changed(ctx, in.UnitID) // the published result is one of the unit's risk facts
	}
	return err
}

// Substitute replaces a drawn unit that cannot be checked (closed since
// the draw, say) with the next reserve position of its cell, never a
// redraw: the reserve order was fixed by the draw.
func (s *Service) Substitute(ctx context.Context, who audit.Actor, id int64, reason string) (*model.Inspection, error) {
	t, err := s.work(ctx, who, id)
	if err != nil {
		return nil, err
	}
	if who.User.Role != model.RoleSupervisor {
		return nil, ErrNotAllowed
	}
	in := t.Inspection
	if in.Status != model.InspectionAssigned || t.Draw.Status != model.DrawDrawn {
		return nil, ErrChanged
	}
	errs := form.Errors{}
	reason = text(reason, "reason", MaxReason, true, errs)
	if errs.Any() {
		return nil, fail.Fields(errs)
	}
	targets, err := s.Store.DrawTargets(ctx, in.DrawID)
	if err != nil {
		return nil, err
	}
	used, err := s.Store.Inspections(ctx, storage.InspectionFilter{DrawID: in.DrawID, Limit: 100_000})
	if err != nil {
		return nil, err
	}
	taken := map[int64]bool{}
	for _, u := range used {
		taken[u.DrawTargetID] = true
	}
	var mine model.DrawTarget
	for _, x := range targets {
		if x.ID == in.DrawTargetID {
			mine = x
		}
	}
	var next *model.DrawTarget
	for i, x := range targets {
		if x.Reserve && !taken[x.ID] && x.Stratum == mine.Stratum && x.Class == mine.Class {
			next = &targets[i]
			break
		}
	}
	if next == nil {
		return nil, ErrNoReserve
	}
	users, err := officersOf(strings.Split(next.Inspectors, ","))
	if err != nil {
		return nil, err
	}
	sub := &model.Inspection{DrawID: in.DrawID, DrawTargetID: next.ID, UnitID: next.UnitID, AgencyID: in.AgencyID, ItemID: in.ItemID,
		Status: model.InspectionAssigned, DueAt: in.DueAt, CreatedAt: s.now()}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.Substitute(ctx, in, reason, sub, users); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionInspectionSubstitute, audit.ObjectInspection, in.ID, &in.AgencyID,
			map[string]any{"unit_id": in.UnitID}, map[string]any{"substitute": sub.ID, "unit_id": next.UnitID, "position": next.Position, "reason": reason})
	})
	if errors.Is(err, storage.ErrConflict) {
		return nil, ErrChanged
	}
	return sub, err
}

// CaseOpener opens a case about a unit (intake.Service.OpenInternalTip).
type CaseOpener func(ctx context.Context, who audit.Actor, unit *model.Unit, category model.Category, text string) (*model.Case, error)

// OpenCase turns a failed inspection into a case in one step: an internal
// tip about the unit, naming the inspection, linked to it.
func (s *Service) OpenCase(ctx context.Context, who audit.Actor, id int64, category model.Category, open CaseOpener) (*model.Case, error) {
	t, err := s.work(ctx, who, id)
	if err != nil {
		return nil, err
	}
	in := t.Inspection
	if in.Result != model.InspectionFail || in.CaseID != nil {
		return nil, ErrChanged
	}
	if !category.Valid() {
		return nil, fail.Field(fail.Invalid, "category", "form.choose")
	}
	var failed []string
	for _, f := range t.Findings {
		if f.Outcome == model.FindingFail && f.Point <= len(t.Points) {
			line := t.Points[f.Point-1]
			if f.Note != "" {
				line += "：" + f.Note
			}
			failed = append(failed, line)
		}
	}
	body := "抽查 " + t.Draw.Code + "（" + t.Item.NameZh + "）不合格：" + strings.Join(failed, "；")
	c, err := open(ctx, who, t.Unit, category, body)
	if err != nil {
		return nil, err
	}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.UpdateInspection(ctx, in.ID, in.LockVersion, map[string]any{"case_id": c.ID}); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionInspectionCase, audit.ObjectInspection, in.ID, &in.AgencyID, nil, map[string]any{"case_id": c.ID})
	})
	if errors.Is(err, storage.ErrConflict) {
		return nil, ErrChanged
	}
	return c, err
}

// DeclareConflict records that who steps aside from a unit (回避): the next
// draws never assign who to it.
func (s *Service) DeclareConflict(ctx context.Context, who audit.Actor, unitID int64, reason string) error {
	agency, ok := staffAgency(who)
	if !ok {
		return ErrNotAllowed
	}
	errs := form.Errors{}
	reason = text(reason, "reason", MaxReason, true, errs)
	if errs.Any() {
		return fail.Fields(errs)
	}
	if _, err := s.Store.UnitByID(ctx, unitID); err != nil {
		return err
	}
	return s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.DeclareConflict(ctx, &model.InspectorConflict{UserID: who.User.ID, UnitID: unitID, Reason: reason, DeclaredAt: s.now()}); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionRecusal, audit.ObjectUnit, unitID, &agency, nil, map[string]any{"reason": reason})
	})
}

// PublicationOverdue is how long after the check a result must be public:
// 20 working days (SAMR).
const PublicationOverdue = 20

// Overdue counts the agency's (nil: all) results recorded but not published
// PublicationOverdue working days after their check.
func (s *Service) Overdue(ctx context.Context, agencyID *int64) (int64, error) {
	cal, err := s.calendar(ctx)
	if err != nil {
		return 0, err
	}
	// A check on day x is overdue once x + 20 working days has passed,
	// i.e. when x is on or before the day 20 working days before today.
	day := model.DateOf(s.now())
	for n := 0; n < PublicationOverdue; {
		day = day.AddDate(0, 0, -1)
		if cal.IsWorkingDay(day) {
			n++
		}
	}
	return s.Store.UnpublishedResults(ctx, agencyID, day.AddDate(0, 0, -1))
}
