package spotcheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/draw"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/workdays"
)

// Service runs the spot checks.
type Service struct {
	Store *storage.Store
	Audit *audit.Log
	// Classes gives the units' risk classes (internal/risk); nil, or a unit
	// without one, counts as class B, the normal ratio.
	Classes func(ctx context.Context, unitIDs []int64) (map[int64]string, error)
	// Changed is told of units whose facts a result changed, after the
	// change is committed, so their risk class is recomputed (nil: nobody).
	Changed func(ctx context.Context, unitIDs ...int64)
	Now     func() time.Time
}

func (s *Service) changed(ctx context.Context, unitID int64) {
	if s.Changed != nil {
		s.Changed(ctx, unitID)
	}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Refusals.
var (
	ErrNotAllowed = fail.New(fail.NotFound, "spotcheck: not this user's to do")
	ErrChanged    = fail.New(fail.Conflict, "spotcheck: changed meanwhile")
	ErrNoReserve  = fail.Field(fail.Conflict, "reason", "spotcheck.no_reserve")
)

// Limits of what staff type.
const (
	MaxReason  = 500
	MaxSummary = 1000
	MaxNote    = 2000
	MaxPoints  = 30 // points of one check item
	MaxPhotos  = 10
)

func (s *Service) record(ctx context.Context, tx *storage.Store, who audit.Actor, action, objectType string, id int64, agencyID *int64, before, after any) error {
	return s.Audit.Record(ctx, tx, audit.Event{Action: action, ObjectType: objectType, ObjectID: strconv.FormatInt(id, 10),
		AgencyID: agencyID, Before: before, After: after, At: s.now()}.By(who))
}

func text(v string, field string, max int, required bool, errs form.Errors) string {
	v = strings.TrimSpace(v)
	switch n := utf8.RuneCountInString(v); {
	case n == 0 && required:
		errs.Add(field, "form.required")
	case n > max:
		errs.Add(field, "form.too_long", max)
	}
	return v
}

// Points are the lines of a check item's content: what is checked, one per
// finding on the result form.
func Points(it *model.CheckItem) []string {
	var out []string
	for _, l := range strings.Split(it.Content, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// ItemForm is a check item as typed by the city admin.
type ItemForm struct {
	Code, NameZh, NameEn, Basis, Subject, Content, Method string
	Active                                                bool
}

// SaveItem creates (id 0) or changes a check item; the city admin only.
func (s *Service) SaveItem(ctx context.Context, who audit.Actor, id int64, f ItemForm) (*model.CheckItem, error) {
	if who.User == nil || who.User.Role != model.RoleCityAdmin {
		return nil, ErrNotAllowed
	}
	errs := form.Errors{}
	it := &model.CheckItem{Active: f.Active}
	var before *model.CheckItem
	if id != 0 {
		old, err := s.Store.CheckItemByID(ctx, id)
		if err != nil {
			return nil, err
		}
		before, it = old, &model.CheckItem{ID: old.ID, Code: old.Code, CreatedAt: old.CreatedAt, Active: f.Active}
	} else {
		it.Code = strings.ToUpper(text(f.Code, "code", 40, true, errs))
		if it.Code != "" && strings.Trim(it.Code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "" {
			errs.Add("code", "spotcheck.code_chars")
		}
	}
	it.NameZh = text(f.NameZh, "name_zh", 200, true, errs)
	it.NameEn = text(f.NameEn, "name_en", 200, true, errs)
	it.Basis = text(f.Basis, "basis", 500, true, errs)
	it.Subject = text(f.Subject, "subject", 200, true, errs)
	it.Content = text(f.Content, "content", 2000, true, errs)
	it.Method = text(f.Method, "method", 500, true, errs)
	if n := len(Points(it)); n > MaxPoints {
		errs.Add("content", "spotcheck.too_many_points", MaxPoints)
	}
	if errs.Any() {
		return nil, fail.Fields(errs)
	}
	now := s.now()
	if it.CreatedAt.IsZero() {
		it.CreatedAt = now
	}
	it.UpdatedAt = now
	err := s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.SaveCheckItem(ctx, it); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionCheckItemChange, audit.ObjectCheckItem, it.ID, nil, before, it)
	})
	if errors.Is(err, storage.ErrDuplicate) {
		return nil, fail.Field(fail.Conflict, "code", "spotcheck.code_taken")
	}
	return it, err
}

// staffAgency is the agency whose spot checks who runs: a supervisor's (or
// an officer's, to see them); the city admin has none.
func staffAgency(who audit.Actor) (int64, bool) {
	if who.User == nil || (who.User.Role != model.RoleSupervisor && who.User.Role != model.RoleOfficer) || who.User.AgencyID == nil {
		return 0, false
	}
	return *who.User.AgencyID, true
}

// PlanForm is a plan as typed: the item, the year, the ratios in per-mille.
type PlanForm struct {
	ItemID, Year, Base, A, B, C, D, DueDays string
}

// CreatePlan makes the supervisor's agency's plan for an item and year.
func (s *Service) CreatePlan(ctx context.Context, who audit.Actor, f PlanForm) (*model.SpotCheckPlan, error) {
	agency, ok := staffAgency(who)
	if !ok || who.User.Role != model.RoleSupervisor {
		return nil, ErrNotAllowed
	}
	errs := form.Errors{}
	num := func(field, v string, lo, hi int) int {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			errs.Add(field, "spotcheck.number_between", lo, hi)
		}
		return n
	}
	p := &model.SpotCheckPlan{AgencyID: agency, CreatedBy: who.User.ID, CreatedAt: s.now()}
	itemID, _ := strconv.ParseInt(f.ItemID, 10, 64)
	item, err := s.Store.CheckItemByID(ctx, itemID)
	if err != nil || !item.Active {
		errs.Add("item_id", "form.choose")
	} else {
		p.ItemID = item.ID
	}
	year := s.now().In(model.Zone).Year()
	p.Year = num("year", f.Year, year, year+1)
	p.BasePermille = num("base", f.Base, 1, 1000)
	p.ClassAPermille = num("class_a", f.A, 0, 10000)
	p.ClassBPermille = num("class_b", f.B, 0, 10000)
	p.ClassCPermille = num("class_c", f.C, 0, 10000)
	p.ClassDPermille = num("class_d", f.D, 1, 10000)
	p.DueWorkingDays = num("due_days", f.DueDays, 1, 60)
	if !errs.Any() && !(p.ClassAPermille <= p.ClassBPermille && p.ClassBPermille <= p.ClassCPermille && p.ClassCPermille <= p.ClassDPermille) {
		errs.Add("class_a", "spotcheck.ratios_rise")
	}
	if errs.Any() {
		return nil, fail.Fields(errs)
	}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.CreatePlan(ctx, p); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionPlanCreate, audit.ObjectPlan, p.ID, &agency, nil, p)
	})
	if errors.Is(err, storage.ErrDuplicate) {
		return nil, fail.Field(fail.Conflict, "item_id", "spotcheck.plan_exists")
	}
	return p, err
}

// Announce freezes a draw's pool and publishes it with the commitment to a
// secret kept until the reveal and the named public randomness it will use.
// The pool is the agency's approved units, stratified by district, with
// their risk classes and each class's count from the plan; units already
// checked under the plan are left out with that reason, except class D,
// always in the pool. The inspectors are the agency's officers and
// supervisors, each excluded from the units they declared a conflict with
// and those they checked last time. replaces names the void draw this one
// takes the place of (0: none).
func (s *Service) Announce(ctx context.Context, who audit.Actor, planID int64, randomnessSource string, replaces int64) (*model.Draw, error) {
	agency, ok := staffAgency(who)
	if !ok || who.User.Role != model.RoleSupervisor {
		return nil, ErrNotAllowed
	}
	plan, err := s.Store.PlanByID(ctx, planID)
	if err != nil || plan.AgencyID != agency {
		return nil, ErrNotAllowed
	}
	errs := form.Errors{}
	randomnessSource = draw.NormalizeText(text(randomnessSource, "randomness_source", 300, true, errs))
	var replaced *model.Draw
	if replaces != 0 {
		if replaced, err = s.Store.DrawByID(ctx, replaces); err != nil || replaced.PlanID != plan.ID || replaced.Status != model.DrawVoid {
			errs.Add("replaces", "spotcheck.replaces_void_only")
		}
	}
	if errs.Any() {
		return nil, fail.Fields(errs)
	}
	item, err := s.Store.CheckItemByID(ctx, plan.ItemID)
	if err != nil {
		return nil, err
	}
	ag, err := s.Store.AgencyByID(ctx, agency)
	if err != nil {
		return nil, err
	}
	a, err := s.pool(ctx, plan, ag, item)
	if err != nil {
		return nil, err
	}
	secret, commitment := draw.NewSecret()
	a.Commitment, a.RandomnessSource = commitment, randomnessSource
	if a.Previous, err = s.Store.LastDrawFileHash(ctx, agency); err != nil {
		return nil, err
	}
	now := s.now()
	a.AnnouncedAt = now.Format(time.RFC3339)
	earlier, err := s.Store.Draws(ctx, nil, plan.ID, 10_000)
	if err != nil {
		return nil, err
	}
	// The plan's n-th draw; a race to the same number is a duplicate code,
	// refused, and the second announcer is told to look again.
	a.ID = fmt.Sprintf("%s-%d-%s-%02d", ag.Code, plan.Year, item.Code, len(earlier)+1)
	if err := a.Validate(); err != nil {
		return nil, fail.Field(fail.Invalid, "randomness_source", "spotcheck.pool_unusable", err.Error())
	}
	body, err := marshalAnnouncement(a)
	if err != nil {
		return nil, err
	}
	d := &model.Draw{PlanID: plan.ID, AgencyID: agency, Code: a.ID, Status: model.DrawAnnounced, Announcement: body,
		PoolHash: a.PoolHash(), Commitment: commitment, Secret: secret, RandomnessSource: randomnessSource, PreviousHash: a.Previous,
		AnnouncedBy: who.User.ID, AnnouncedAt: now}
	if replaced != nil {
		d.ReplacesID = &replaced.ID
	}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.CreateDraw(ctx, d); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionDrawAnnounce, audit.ObjectDraw, d.ID, &agency, nil,
			map[string]any{"code": d.Code, "pool_hash": d.PoolHash, "commitment": d.Commitment, "randomness_source": randomnessSource,
				"targets": len(a.Targets), "excluded": len(a.Excluded), "inspectors": len(a.Inspectors), "replaces": d.ReplacesID})
	})
	if errors.Is(err, storage.ErrDuplicate) {
		return nil, ErrChanged
	}
	return d, err
}

// UnitLabel is a unit's label in a draw's pool: id and credit code, so
// anyone can match it to the public directory.
func UnitLabel(id int64, uscc string) string { return "unit:" + strconv.FormatInt(id, 10) + ":" + uscc }

// OfficerLabel is an inspector's label.
func OfficerLabel(id int64) string { return "officer:" + strconv.FormatInt(id, 10) }

// InspectorsPerTarget: at least two inspectors per target.
const InspectorsPerTarget = 2

// unitWeight is every unit's weight within its cell: the class quotas carry
// the risk; within a cell each unit is as likely as another.
const unitWeight = 1000

func (s *Service) pool(ctx context.Context, plan *model.SpotCheckPlan, ag *model.Agency, item *model.CheckItem) (*draw.Announcement, error) {
	units, err := s.Store.PoolUnits(ctx, plan.AgencyID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(units))
	for i, u := range units {
		ids[i] = u.ID
	}
	classes := map[int64]string{}
	if s.Classes != nil {
		if classes, err = s.Classes(ctx, ids); err != nil {
			return nil, err
		}
	}
	checked, err := s.Store.CheckedUnder(ctx, plan.ID)
	if err != nil {
		return nil, err
	}
	a := &draw.Announcement{Version: 1, Agency: ag.Code, Plan: strconv.FormatInt(plan.ID, 10), Item: item.Code,
		InspectorsPerTarget: InspectorsPerTarget}
	cellSize := map[[2]string]int{}
	for _, u := range units {
		class := classes[u.ID]
		if model.RiskClass(class).Rank() < 0 {
			class = string(model.RiskB)
		}
		label := UnitLabel(u.ID, u.USCC)
		if checked[u.ID] && class != "D" {
			a.Excluded = append(a.Excluded, draw.Excluded{Label: label, Reason: "checked under this plan"})
			continue
		}
		a.Targets = append(a.Targets, draw.Target{Label: label, Stratum: u.DistrictCode, Class: class, Weight: unitWeight})
		cellSize[[2]string{u.DistrictCode, class}]++
	}
	slices.SortFunc(a.Targets, func(x, y draw.Target) int { return strings.Compare(x.Label, y.Label) })
	slices.SortFunc(a.Excluded, func(x, y draw.Excluded) int { return strings.Compare(x.Label, y.Label) })
	// Every stratum and class with units has its cell, a count of 0
	// included: the announcement says what was not to be drawn too.
	for k, n := range cellSize {
		a.Cells = append(a.Cells, draw.Cell{Stratum: k[0], Class: k[1], Count: CellCount(*plan, k[1], n)})
	}
	slices.SortFunc(a.Cells, func(x, y draw.Cell) int {
		if c := strings.Compare(x.Stratum, y.Stratum); c != 0 {
			return c
		}
		return strings.Compare(x.Class, y.Class)
	})
	staff, err := s.Store.StaffOfAgency(ctx, plan.AgencyID)
	if err != nil {
		return nil, err
	}
	staffIDs := make([]int64, len(staff))
	for i, u := range staff {
		staffIDs[i] = u.ID
	}
	conflicts, err := s.Store.InspectorConflicts(ctx, staffIDs)
	if err != nil {
		return nil, err
	}
	last, err := s.Store.LastInspectors(ctx, plan.AgencyID)
	if err != nil {
		return nil, err
	}
	// An inspector's exclusions name targets only: a unit left out of the
	// pool needs none.
	uscc := map[int64]string{}
	inPool := map[string]bool{}
	for _, t := range a.Targets {
		inPool[t.Label] = true
	}
	for _, u := range units {
		if inPool[UnitLabel(u.ID, u.USCC)] {
			uscc[u.ID] = u.USCC
		}
	}
	for _, u := range staff {
		in := draw.Inspector{Label: OfficerLabel(u.ID), Excluded: []string{}}
		for _, unit := range conflicts[u.ID] {
			if c, ok := uscc[unit]; ok {
				in.Excluded = append(in.Excluded, UnitLabel(unit, c))
			}
		}
		for unit, who := range last {
			if c, ok := uscc[unit]; ok && slices.Contains(who, u.ID) {
				in.Excluded = append(in.Excluded, UnitLabel(unit, c))
			}
		}
		slices.Sort(in.Excluded)
		in.Excluded = slices.Compact(in.Excluded)
		a.Inspectors = append(a.Inspectors, in)
	}
	slices.SortFunc(a.Inspectors, func(x, y draw.Inspector) int { return strings.Compare(x.Label, y.Label) })
	return a, nil
}

func marshalAnnouncement(a *draw.Announcement) (string, error) {
	f := draw.File{Announcement: *a}
	b, err := f.Marshal()
	return string(b), err
}

// Draw reveals the secret with the public random value, once known, and
// makes the draw: every drawn unit becomes an inspection for its two
// inspectors, due in the plan's working days; the reserve positions are
// kept for substitutes. The file published is what `honestmeasure draw
// verify` reproduces.
func (s *Service) Draw(ctx context.Context, who audit.Actor, drawID int64, randomValue string) (*model.Draw, error) {
	d, plan, err := s.ownDraw(ctx, who, drawID, true)
	if err != nil {
		return nil, err
	}
	if d.Status != model.DrawAnnounced {
		return nil, ErrChanged
	}
	errs := form.Errors{}
	randomValue = draw.NormalizeText(text(randomValue, "random_value", 300, true, errs))
	if errs.Any() {
		return nil, fail.Fields(errs)
	}
	var published draw.File
	if err := unmarshalAnnouncement(d.Announcement, &published); err != nil {
		return nil, err
	}
	a := published.Announcement
	reveal := draw.Reveal{Secret: d.Secret, RandomValue: randomValue}
	res, err := draw.Run(&a, reveal)
	if err != nil {
		return nil, fail.Field(fail.Invalid, "random_value", "spotcheck.draw_failed", err.Error())
	}
	file := draw.File{Announcement: a, Reveal: reveal, Result: *res}
	body, err := file.Marshal()
	if err != nil {
		return nil, err
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	due := workdays.EndOfDay(cal.AddWorkingDays(model.DateOf(now), plan.DueWorkingDays))
	m := storage.DrawMade{DrawID: d.ID, RandomValue: reveal.RandomValue, File: string(body), FileHash: draw.Hash(body), At: now}
	add := func(sel draw.Selection, reserve bool) error {
		unitID, err := unitOf(sel.Label)
		if err != nil {
			return err
		}
		m.Targets = append(m.Targets, model.DrawTarget{Position: sel.Position, Reserve: reserve, Label: sel.Label, UnitID: unitID,
			Stratum: sel.Stratum, Class: sel.Class, Inspectors: strings.Join(sel.Inspectors, ",")})
		if reserve {
			m.Inspections, m.Inspectors = append(m.Inspections, nil), append(m.Inspectors, nil)
			return nil
		}
		users, err := officersOf(sel.Inspectors)
		if err != nil {
			return err
		}
		m.Inspections = append(m.Inspections, &model.Inspection{UnitID: unitID, AgencyID: d.AgencyID, ItemID: plan.ItemID,
			Status: model.InspectionAssigned, DueAt: due})
		m.Inspectors = append(m.Inspectors, users)
		return nil
	}
	for _, sel := range res.Selected {
		if err := add(sel, false); err != nil {
			return nil, err
		}
	}
	for _, sel := range res.Reserve {
		if err := add(sel, true); err != nil {
			return nil, err
		}
	}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.MakeDraw(ctx, m); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionDrawMade, audit.ObjectDraw, d.ID, &d.AgencyID, nil,
			map[string]any{"random_value": reveal.RandomValue, "file_hash": m.FileHash, "selected": len(res.Selected), "reserve": len(res.Reserve)})
	})
	if errors.Is(err, storage.ErrConflict) {
		return nil, ErrChanged
	}
	if err != nil {
		return nil, err
	}
	return s.Store.DrawByID(ctx, d.ID)
}

// unmarshalAnnouncement reads an announcement as stored (a draw file
// holding the announcement only).
func unmarshalAnnouncement(body string, f *draw.File) error {
	return json.Unmarshal([]byte(body), f)
}

func unitOf(label string) (int64, error) {
	parts := strings.Split(label, ":")
	if len(parts) != 3 || parts[0] != "unit" {
		return 0, fmt.Errorf("spotcheck: target label %q", label)
	}
	return strconv.ParseInt(parts[1], 10, 64)
}

func officersOf(labels []string) ([]int64, error) {
	out := make([]int64, len(labels))
	for i, l := range labels {
		id, ok := strings.CutPrefix(l, "officer:")
		n, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("spotcheck: inspector label %q", l)
		}
		out[i] = n
	}
	return out, nil
}

// Void sets a draw aside with a reason (its open inspections cancelled);
// it stays published, and a new announcement may name it as replaced.
func (s *Service) Void(ctx context.Context, who audit.Actor, drawID int64, reason string) error {
	d, _, err := s.ownDraw(ctx, who, drawID, true)
	if err != nil {
		return err
	}
	errs := form.Errors{}
	reason = text(reason, "void_reason", MaxReason, true, errs)
	if errs.Any() {
		return fail.Fields(errs)
	}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.VoidDraw(ctx, d.ID, reason, s.now()); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionDrawVoid, audit.ObjectDraw, d.ID, &d.AgencyID,
			map[string]any{"status": d.Status}, map[string]any{"status": model.DrawVoid, "reason": reason})
	})
	if errors.Is(err, storage.ErrConflict) {
		return ErrChanged
	}
	return err
}

// ownDraw loads a draw of who's agency (supervisors only when manage).
func (s *Service) ownDraw(ctx context.Context, who audit.Actor, id int64, manage bool) (*model.Draw, *model.SpotCheckPlan, error) {
	agency, ok := staffAgency(who)
	if !ok || (manage && who.User.Role != model.RoleSupervisor) {
		return nil, nil, ErrNotAllowed
	}
	d, err := s.Store.DrawByID(ctx, id)
	if err != nil || d.AgencyID != agency {
		return nil, nil, ErrNotAllowed
	}
	plan, err := s.Store.PlanByID(ctx, d.PlanID)
	if err != nil {
		return nil, nil, err
	}
	return d, plan, nil
}

func (s *Service) calendar(ctx context.Context) (*workdays.Calendar, error) {
	days, err := s.Store.Holidays(ctx)
	if err != nil {
		return nil, err
	}
	return workdays.New(days), nil
}
