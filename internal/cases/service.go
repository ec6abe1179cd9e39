package cases

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
	"honestmeasure/internal/workdays"
)

// Service is what staff do to a case. Each method owns its transaction, its
// audit entries, its timeline events and the notices it sends (outbox rows
// written in the same transaction), so every edge shares one set of rules.
type Service struct {
	Store   *storage.Store
	Audit   *audit.Log     // every audit entry is appended through it
	Units   *units.Service // the unit measures a conclusion imposes
	Tips    Tips           // the tips a complaint may reveal (TipFromComplaint)
	BaseURL string         // for links in notices
	// CityCode is the deployment's city code (city.yaml), the middle of a
	// case's external id (model.ExternalID).
	CityCode string
	// HandoffSettle is the hand-off export's settling window
	// (DefaultHandoffSettle in the product; 0 in tests that stamp cases
	// themselves).
	HandoffSettle time.Duration
	Now           func() time.Time
	// Risk is told when a substantiated conclusion may change a unit's risk
	// class (internal/risk); nil: the periodic recomputation finds it.
	Risk RiskRecomputer
}

// RiskRecomputer recomputes units' risk classes, best effort (a failure is
// its own to log: the change that caused it stands).
type RiskRecomputer interface {
	UnitChanged(ctx context.Context, unitIDs ...int64)
}

// Actor is the signed-in staff member acting, and where from (for the audit).
type Actor = audit.Actor

// Refusals are errors of the one vocabulary (internal/fail): NotFound when
// the actor may not act on the case at all (answered as if it did not
// exist), Conflict when its state does not allow the action or changed
// meanwhile (show it afresh with the field message), Invalid with a message
// per field. Anything else a method returns is a server error, and nothing
// was changed.
func refused(kind fail.Kind, field, key string, args ...any) *fail.Error {
	return fail.Field(kind, field, key, args...)
}

var (
	errNotFound   = fail.New(fail.NotFound, "case not found")
	errNotAllowed = refused(fail.Conflict, "action", "case.not_allowed")
	errChanged    = storage.ErrConflict.WithField("action", "review.changed_meanwhile")
)

// conflictOr turns storage's optimistic-lock failure into the refusal the
// person sees; any other error passes through as a server error.
func conflictOr(err error) error {
	if errors.Is(err, storage.ErrConflict) {
		return errChanged
	}
	return err
}

// Transferable says whether a case in status may be handed to another
// agency by transfer. A returned case may not: it waits for the city
// admin's re-routing, which restarts its deadline (Reroute).
func Transferable(status model.CaseStatus) bool {
	return status.Open() && status != model.CaseReturned
}

// MayTransfer says whether role may transfer cases: a supervisor of the
// handling agency, or the city admin.
func MayTransfer(role model.Role) bool {
	return role == model.RoleSupervisor || role == model.RoleCityAdmin
}

// Reroutable says whether a case of kind in status waits for re-routing.
func Reroutable(kind model.ReportKind, status model.CaseStatus) bool {
	_, err := Next(kind, status, ActReroute)
	return err == nil
}

// MayReroute says whether role may re-route returned cases.
func MayReroute(role model.Role) bool { return role == model.RoleCityAdmin }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) calendar(ctx context.Context) (*workdays.Calendar, error) {
	holidays, err := s.Store.Holidays(ctx)
	if err != nil {
		return nil, err
	}
	return workdays.New(holidays), nil
}

func (s *Service) record(ctx context.Context, tx *storage.Store, who Actor, action string, caseID int64, agencyID *int64, before, after any) error {
	return s.Audit.Record(ctx, tx, audit.Event{Action: action, ObjectType: audit.ObjectCase, ObjectID: strconv.FormatInt(caseID, 10),
		AgencyID: agencyID, Before: before, After: after, At: s.now()}.By(who))
}

// Move is a transfer or re-routing: where to and why.
type Move struct {
	AgencyCode string
	Reason     string   // shown to the reporter: it passes the moderation gate
	Confirmed  []string // moderation digests the person confirmed (moderation.ConfirmField)
}

// Transfer hands an open case to another agency; its deadlines run on.
// It returns the case as moved.
func (s *Service) Transfer(ctx context.Context, who Actor, cs *model.Case, m Move) (*model.Case, error) {
	if !MayTransfer(who.User.Role) {
		return nil, errNotFound
	}
	if !Transferable(cs.Status) {
		return nil, errNotAllowed
	}
	return s.move(ctx, who, cs, m, nil)
}

// Reroute gives a returned case to the agency that has jurisdiction, as a
// new case. The decision period runs again from the new agency's receipt
// (SAMR Order No. 121): it restarts now, in working days, with the new
// agency's own one extension.
func (s *Service) Reroute(ctx context.Context, who Actor, cs *model.Case, m Move) (*model.Case, error) {
	if !MayReroute(who.User.Role) {
		return nil, errNotFound
	}
	tr, err := Next(cs.Kind, cs.Status, ActReroute)
	if err != nil {
		return nil, errNotAllowed
	}
	return s.move(ctx, who, cs, m, &tr)
}

func (s *Service) move(ctx context.Context, who Actor, cs *model.Case, m Move, reroute *Transition) (*model.Case, error) {
	errs := form.Errors{}
	target, err := s.Store.AgencyByCode(ctx, m.AgencyCode)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	if err != nil || !target.Active || target.ID == cs.AgencyID {
		errs.Add("agency", "form.choose")
	}
	reason := strings.TrimSpace(m.Reason)
	if reason == "" {
		errs.Add("transfer_reason", "review.reason_required")
	}
	checked, err := s.gate(ctx, cs, m.Confirmed, errs, moderation.Text{Field: "transfer_reason", Value: reason})
	if err != nil {
		return nil, err
	}
	reason = moderation.Published(checked, "transfer_reason")
	moved := *cs
	moved.AgencyID, moved.AssigneeID = target.ID, nil
	set := map[string]any{"agency_id": target.ID, "assignee_id": nil}
	if reroute != nil {
		cal, err := s.calendar(ctx)
		if err != nil {
			return nil, err
		}
		for k, v := range Enter(&moved, reroute.To, s.now(), cal) {
			set[k] = v
		}
	}
	body := target.NameZh + "：" + reason
	event := model.CaseEvent{Kind: "transfer", FromStatus: cs.Status, ToStatus: moved.Status, Public: true, ActorUserID: &who.User.ID,
		AgencyID: &target.ID, Body: &body, CreatedAt: s.now()}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		events := []model.CaseEvent{event}
		if err := tx.UpdateCase(ctx, storage.CaseUpdate{CaseID: cs.ID, LockVersion: cs.LockVersion, Set: set, Events: events}); err != nil {
			return err
		}
		at := eventBody(&events[0])
		at.Prefix = target.NameZh + "："
		if err := s.recordMasked(ctx, tx, who, cs, checked, "transfer_reason", at); err != nil {
			return err
		}
		r, err := tx.ReportByID(ctx, cs.ReportID)
		if err != nil {
			return err
		}
		msgs, err := notices.Routed(target, r, &moved, nil, s.BaseURL)
		if err != nil {
			return err
		}
		if len(msgs) > 0 {
			if err := tx.Enqueue(ctx, msgs...); err != nil {
				return err
			}
		}
		after := map[string]any{"agency_id": target.ID, "status": moved.Status, "reason": reason}
		if reroute != nil {
			after["due_at"] = moved.DueAt
		}
		return s.record(ctx, tx, who, audit.ActionCaseTransfer, cs.ID, &cs.AgencyID,
			map[string]any{"agency_id": cs.AgencyID, "status": cs.Status, "due_at": cs.DueAt}, after)
	})
	if err != nil {
		return nil, conflictOr(err)
	}
	moved.LockVersion++
	return &moved, nil
}

// Merge closes duplicate cs into the open case of the same agency whose
// tracking number is intoTrackingNo. Its reporter is told, and hears about
// every later step of the surviving case (StatusNotices). It returns the
// surviving case.
func (s *Service) Merge(ctx context.Context, who Actor, cs *model.Case, intoTrackingNo string) (*model.Case, error) {
	tr, err := Next(cs.Kind, cs.Status, ActMerge)
	if err != nil {
		return nil, errNotAllowed
	}
	var into *model.Case
	r, err := s.Store.ReportByTrackingNo(ctx, reports.NormalizeTrackingNumber(intoTrackingNo))
	switch {
	case err == nil:
		if into, err = s.Store.CaseOfReport(ctx, r.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
	case !errors.Is(err, storage.ErrNotFound):
		return nil, err
	}
	if into == nil || into.ID == cs.ID || into.AgencyID != cs.AgencyID || !AcceptsMerge(into) {
		return nil, refused(fail.Invalid, "into", "case.merge_target")
	}
	now := s.now()
	merged := *cs
	set := Enter(&merged, tr.To, now, nil)
	set["duplicate_of_case_id"] = into.ID
	public := model.CaseEvent{Kind: "merge", FromStatus: cs.Status, ToStatus: tr.To, Public: true, ActorUserID: &who.User.ID, AgencyID: &cs.AgencyID, CreatedAt: now}
	note := strconv.FormatInt(cs.ID, 10)
	onTarget := model.CaseEvent{Kind: "merge", FromStatus: into.Status, ToStatus: into.Status, ActorUserID: &who.User.ID, AgencyID: &cs.AgencyID, Body: &note, CreatedAt: now}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.UpdateCase(ctx, storage.CaseUpdate{CaseID: cs.ID, LockVersion: cs.LockVersion, Set: set, Events: []model.CaseEvent{public}}); err != nil {
			return err
		}
		// Bumps the surviving case's version too: a concurrent change to it
		// (say, its closing) makes one of the two fail instead of merging
		// into a case that is no longer open.
		if err := tx.UpdateCase(ctx, storage.CaseUpdate{CaseID: into.ID, LockVersion: into.LockVersion, Events: []model.CaseEvent{onTarget}}); err != nil {
			return err
		}
		if err := s.StatusNotices(ctx, tx, &merged, Detail{}); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionCaseMerge, cs.ID, &cs.AgencyID,
			map[string]any{"status": cs.Status}, map[string]any{"status": tr.To, "duplicate_of_case_id": into.ID})
	})
	if err != nil {
		return nil, conflictOr(err)
	}
	return into, nil
}

// StatusNotices enqueues, in tx, the reporter's e-mail update (in the
// language they reported in) and the agency's webhook call for a public
// change of case cs (already carrying its new status), and the same update
// to the reporters of the duplicates merged into it.
func (s *Service) StatusNotices(ctx context.Context, tx *storage.Store, cs *model.Case, detail Detail) error {
	r, err := tx.ReportByID(ctx, cs.ReportID)
	if err != nil {
		return err
	}
	agency, err := tx.AgencyByID(ctx, cs.AgencyID)
	if err != nil {
		return err
	}
	msgs, err := notices.StatusChanged(agency, r, cs, statusUpdate(r, cs, detail), s.BaseURL)
	if err != nil {
		return err
	}
	merged, err := tx.CasesMergedInto(ctx, cs.ID)
	if err != nil {
		return err
	}
	for _, m := range merged {
		mr, err := tx.ReportByID(ctx, m.ReportID)
		if err != nil {
			return err
		}
		more, err := notices.StatusChanged(nil, mr, &m, statusUpdate(mr, cs, detail), s.BaseURL)
		if err != nil {
			return err
		}
		msgs = append(msgs, more...)
	}
	if len(msgs) == 0 {
		return nil
	}
	return tx.Enqueue(ctx, msgs...)
}

// statusUpdate is what the reporter of r is told of case cs's new status,
// in the language they reported in.
func statusUpdate(r *model.Report, cs *model.Case, detail Detail) notices.StatusUpdate {
	l := locale.New(r.Locale)
	return notices.StatusUpdate{Locale: l, Status: l.T("case_public." + string(cs.Status)), Detail: detail.In(l)}
}

// Assignable says whether a case in status may be given to an officer:
// only while it still has a deadline to meet.
func Assignable(status model.CaseStatus) bool { return status.Open() }

// MayAssign says whether role assigns cases: a supervisor, within the
// agency.
func MayAssign(role model.Role) bool { return role == model.RoleSupervisor }

// MaxAssignMany bounds one bulk assignment: four queue pages. Each case is
// its own update, timeline event and audit entry, in one transaction.
const MaxAssignMany = 200

// assignee finds officer id among the active staff of agencyID; id 0 means
// nobody (unassign) and gives nil.
func (s *Service) assignee(ctx context.Context, agencyID, id int64) (*model.User, error) {
	if id == 0 {
		return nil, nil
	}
	staff, err := s.Store.StaffOfAgency(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	for i := range staff {
		if staff[i].ID == id {
			return &staff[i], nil
		}
	}
	return nil, refused(fail.Invalid, "assignee_id", "form.choose")
}

// Assign gives open case cs to officer assigneeID of its agency, or to
// nobody (0).
func (s *Service) Assign(ctx context.Context, who Actor, cs *model.Case, assigneeID int64) error {
	if !MayAssign(who.User.Role) || who.User.AgencyID == nil || *who.User.AgencyID != cs.AgencyID {
		return errNotFound
	}
	if !Assignable(cs.Status) {
		return errNotAllowed
	}
	to, err := s.assignee(ctx, cs.AgencyID, assigneeID)
	if err != nil {
		return err
	}
	return conflictOr(s.Store.Tx(ctx, func(tx *storage.Store) error { return s.assign(ctx, tx, who, cs, to) }))
}

// AssignMany gives the open cases among caseIDs that the supervisor's
// agency handles to officer assigneeID (0: nobody), each exactly as Assign
// would; the others are left alone. It returns how many were assigned.
func (s *Service) AssignMany(ctx context.Context, who Actor, caseIDs []int64, assigneeID int64) (int, error) {
	if !MayAssign(who.User.Role) || who.User.AgencyID == nil {
		return 0, errNotFound
	}
	if len(caseIDs) > MaxAssignMany {
		return 0, refused(fail.Invalid, "case_id", "case.assign_too_many", MaxAssignMany)
	}
	agency := *who.User.AgencyID
	to, err := s.assignee(ctx, agency, assigneeID)
	if err != nil {
		return 0, err
	}
	return s.assignEach(ctx, who, caseIDs, func(cs *model.Case) (*model.User, bool) {
		return to, cs.AgencyID == agency && Assignable(cs.Status)
	})
}

// TakeMany assigns to who the cases of caseIDs that who may take
// (Takeable), skipping the others, and says how many it took: the queue's
// "assign to me".
func (s *Service) TakeMany(ctx context.Context, who Actor, caseIDs []int64) (int, error) {
	if who.User == nil || !MayTake(who.User.Role) || who.User.AgencyID == nil {
		return 0, errNotFound
	}
	if len(caseIDs) > MaxAssignMany {
		return 0, refused(fail.Invalid, "case_id", "case.assign_too_many", MaxAssignMany)
	}
	return s.assignEach(ctx, who, caseIDs, func(cs *model.Case) (*model.User, bool) {
		return who.User, Takeable(who.User, cs) && (cs.AssigneeID == nil || *cs.AssigneeID != who.User.ID)
	})
}

// assignEach gives each case of caseIDs (once each; unknown ones skipped)
// to the officer pick names, when pick says it may, in one transaction, and
// says how many it gave.
func (s *Service) assignEach(ctx context.Context, who Actor, caseIDs []int64, pick func(*model.Case) (*model.User, bool)) (int, error) {
	n := 0
	err := s.Store.Tx(ctx, func(tx *storage.Store) error {
		n = 0
		seen := map[int64]bool{}
		for _, id := range caseIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			cs, err := tx.CaseByID(ctx, id)
			if errors.Is(err, storage.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			to, ok := pick(cs)
			if !ok {
				continue
			}
			if err := s.assign(ctx, tx, who, cs, to); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, conflictOr(err)
	}
	return n, nil
}

// assign writes one assignment: the case, its timeline entry (naming the
// officer) and its audit entry.
func (s *Service) assign(ctx context.Context, tx *storage.Store, who Actor, cs *model.Case, to *model.User) error {
	var id *int64
	event := model.CaseEvent{Kind: "assign", ActorUserID: &who.User.ID, AgencyID: &cs.AgencyID, FromStatus: cs.Status, ToStatus: cs.Status, CreatedAt: s.now()}
	if to != nil {
		id = &to.ID
		name := to.DisplayName
		event.Body = &name
	}
	if err := tx.UpdateCase(ctx, storage.CaseUpdate{CaseID: cs.ID, LockVersion: cs.LockVersion, Set: map[string]any{"assignee_id": id}, Events: []model.CaseEvent{event}}); err != nil {
		return err
	}
	return s.record(ctx, tx, who, audit.ActionCaseAssign, cs.ID, &cs.AgencyID, map[string]any{"assignee_id": cs.AssigneeID}, map[string]any{"assignee_id": id})
}

// Extendable says whether cs may get its one extension: a tip's decision
// period (15 more working days) or an opened case's conclusion period (30
// more days).
func Extendable(cs *model.Case) bool {
	if cs.Extended {
		return false
	}
	return cs.Kind == model.KindTip && (cs.Status == model.CaseNew || cs.Status == model.CaseVerifying) || cs.Status == model.CaseOpened
}

// ExtensionLimit is the latest deadline cs's one extension may set: 30
// days more to conclude an opened case, 15 working days more to decide on a
// tip (Order 113 art. 18, 34).
func ExtensionLimit(cal *workdays.Calendar, cs *model.Case) time.Time {
	if cs.Status == model.CaseOpened && cs.ConclusionDueAt != nil {
		return cs.ConclusionDueAt.AddDate(0, 0, CaseExtensionDays)
	}
	return workdays.EndOfDay(cal.AddWorkingDays(cs.DecisionDueAt, TipExtensionWorkingDays))
}

// Extend grants cs its one extension, to the end of the day until (a date
// as typed, 2006-01-02) — after the current deadline, no later than
// ExtensionLimit — with the reason the reporter is shown.
func (s *Service) Extend(ctx context.Context, who Actor, cs *model.Case, reason, until string, confirmed []string) error {
	if !MayHandle(who.User, cs) {
		return errNotFound
	}
	if !Extendable(cs) {
		return refused(fail.Conflict, "action", "case.extend_not_allowed")
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return err
	}
	limit := ExtensionLimit(cal, cs)
	current := cs.DecisionDueAt
	if cs.Status == model.CaseOpened && cs.ConclusionDueAt != nil {
		current = *cs.ConclusionDueAt
	}
	errs := form.Errors{}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		errs.Add("text", "review.reason_required")
	} else if form.TooLong(reason, 1000) {
		errs.Add("text", "form.too_long", 1000)
	}
	var due time.Time
	day, perr := time.ParseInLocation("2006-01-02", strings.TrimSpace(until), model.Zone)
	switch {
	case len(until) > 10 || perr != nil:
		errs.Add("until", "case.extend_until_format")
	case !workdays.EndOfDay(day).After(current) || model.DateOf(day).After(model.DateOf(limit)):
		errs.Add("until", "case.extend_until_range", model.DateOf(current).Format("2006-01-02"), model.DateOf(limit).Format("2006-01-02"))
	default:
		due = workdays.EndOfDay(day)
		if due.After(limit) { // the limit's own day, which ends earlier
			due = limit
		}
	}
	checked, err := s.gate(ctx, cs, confirmed, errs, moderation.Text{Field: "text", Value: reason})
	if err != nil {
		return err
	}
	reason = moderation.Published(checked, "text")
	extended := *cs
	set := map[string]any{"extended": true, "extension_reason": reason, "due_at": due}
	extended.DueAt = &due
	if cs.Status == model.CaseOpened && cs.ConclusionDueAt != nil {
		extended.ConclusionDueAt = &due
		set["conclusion_due_at"] = due
	} else {
		extended.DecisionDueAt = due
		set["decision_due_at"] = due
	}
	extended.Extended, extended.ExtensionReason = true, reason
	event := model.CaseEvent{Kind: "extend", ActorUserID: &who.User.ID, AgencyID: &cs.AgencyID, FromStatus: cs.Status, ToStatus: cs.Status,
		Public: true, Body: &reason, CreatedAt: s.now()}
	return conflictOr(s.Store.Tx(ctx, func(tx *storage.Store) error {
		events := []model.CaseEvent{event}
		if err := tx.UpdateCase(ctx, storage.CaseUpdate{CaseID: cs.ID, LockVersion: cs.LockVersion, Set: set, Events: events}); err != nil {
			return err
		}
		if err := s.recordMasked(ctx, tx, who, cs, checked, "text", eventBody(&events[0]), caseField(cs, "extension_reason")); err != nil {
			return err
		}
		if err := s.StatusNotices(ctx, tx, &extended, Detail{Text: reason}); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionCaseStatus, cs.ID, &cs.AgencyID, map[string]any{"assignee_id": cs.AssigneeID, "due_at": cs.DueAt}, set)
	}))
}
