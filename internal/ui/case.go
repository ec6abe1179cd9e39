package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/server"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
	"honestmeasure/internal/workdays"
)

// staffCase loads case :id if the signed-in staff member's agency handles
// it (the city admin sees all), or answers 404 — never 403 with details.
func (h *Handler) staffCase(c *gin.Context) (*model.Case, bool) {
	cs, ok := loadParam(h, c, "id", h.Store.CaseByID)
	if !ok {
		return nil, false
	}
	if a := staffAgency(currentUser(c)); a != nil && *a != cs.AgencyID {
		h.ErrorPage(c, http.StatusNotFound)
		return nil, false
	}
	return cs, true
}

type casePageData struct {
	Case       *model.Case
	Report     *model.Report
	Agency     *model.Agency
	Photos     []storage.PhotoMeta
	Unit       *model.Unit
	Instrument *storage.InstrumentView
	History    []model.VerificationRecord
	Related    []storage.RelatedCase // handled by the viewer's agency (every agency for the city admin)
	// RelatedElsewhere counts the related cases other agencies handle.
	RelatedElsewhere []relatedElsewhere
	Events           []model.CaseEvent
	Actions          []cases.Action
	Grounds          []string
	Staff            []model.User
	CanAssign        bool
	CanExtend        bool
	CanMove          bool // transfer to another agency
	CanReroute       bool
	CanReward        bool
	Agencies         []model.Agency
	Errors           form.Errors
	Now              time.Time
	DaysLeft         int
	Overdue          bool
}

func (h *Handler) casePage(c *gin.Context, status int, cs *model.Case, errs form.Errors) {
	ctx := c.Request.Context()
	u := currentUser(c)
	d := casePageData{Case: cs, Errors: errs, Now: h.now(), Grounds: cases.NotAcceptedGrounds}
	var err error
	if d.Report, err = h.Store.ReportByID(ctx, cs.ReportID); err != nil {
		h.serverError(c, err)
		return
	}
	if d.Agency, err = h.Store.AgencyByID(ctx, cs.AgencyID); err != nil {
		h.serverError(c, err)
		return
	}
	if d.Photos, err = h.Store.ReportPhotos(ctx, d.Report.ID); err != nil {
		h.serverError(c, err)
		return
	}
	if d.Report.UnitID != nil {
		if d.Unit, err = h.Store.UnitByID(ctx, *d.Report.UnitID); err != nil {
			h.serverError(c, err)
			return
		}
	}
	if d.Report.InstrumentID != nil {
		views, err := h.Store.InstrumentsOfUnits(ctx, []int64{*d.Report.UnitID}, true)
		if err != nil {
			h.serverError(c, err)
			return
		}
		for i := range views {
			if views[i].Instrument.ID == *d.Report.InstrumentID {
				d.Instrument = &views[i]
			}
		}
		if d.History, err = h.Store.Verifications(ctx, *d.Report.InstrumentID); err != nil {
			h.serverError(c, err)
			return
		}
	}
	if d.Related, d.RelatedElsewhere, err = h.relatedCases(c, d.Report); err != nil {
		h.serverError(c, err)
		return
	}
	if d.Events, err = h.Store.CaseEvents(ctx, cs.ID); err != nil {
		h.serverError(c, err)
		return
	}
	d.Actions = cases.Allowed(cs.Kind, cs.Status)
	d.CanAssign = cases.MayAssign(u.Role) && cases.Assignable(cs.Status)
	d.CanMove = cases.MayTransfer(u.Role) && cases.Transferable(cs.Status)
	d.CanReroute = cases.MayReroute(u.Role) && cases.Reroutable(cs.Kind, cs.Status)
	d.CanReward = cs.Kind == model.KindTip && cs.Outcome == cases.OutcomeSubstantiated && !d.Report.Anonymous
	if d.CanMove || d.CanReroute {
		if d.Agencies, err = h.Store.Agencies(ctx); err != nil {
			h.serverError(c, err)
			return
		}
	}
	d.CanExtend = cases.Extendable(cs)
	if u.AgencyID != nil {
		if d.Staff, err = h.Store.StaffOfAgency(ctx, *u.AgencyID); err != nil {
			h.serverError(c, err)
			return
		}
	}
	if cs.DueAt != nil {
		d.Overdue = cs.DueAt.Before(d.Now)
		cal, err := h.calendar(c)
		if err != nil {
			h.serverError(c, err)
			return
		}
		d.DaysLeft = cal.WorkingDaysBetween(d.Now, *cs.DueAt)
	}
	// The reporter's contact details are shown here, to staff of the agency
	// handling the case only (staffCase checked that); every view is audited.
	if d.Report.ReporterName != "" || d.Report.ReporterPhone != "" || d.Report.ReporterEmail != "" || d.Report.ReporterAddress != "" {
		if err := h.record(c, h.Store, audit.ActionContactView, audit.ObjectCase, cs.ID, &cs.AgencyID, nil, nil); err != nil {
			h.serverError(c, err)
			return
		}
	}
	h.render(c, status, "staff_case", h.page(c, d.Report.TrackingNo, d))
}

// relatedElsewhere is what an officer learns of another agency's cases on
// the same unit: that they exist, how many are still open, and whom to ask.
type relatedElsewhere struct {
	Agency      *model.Agency
	Total, Open int
}

// relatedCases lists the other reports on the report's unit or instrument.
// Staff see their own agency's in full (the city admin sees all); of other
// agencies' only a count per agency. A tracking number is half of what opens
// a report on /track, and other agencies' cases are theirs to disclose;
// knowing that the same stall has open cases with another bureau is still
// what an officer needs to spot a duplicate and ask for a transfer (merging
// is only ever within one agency).
func (h *Handler) relatedCases(c *gin.Context, r *model.Report) ([]storage.RelatedCase, []relatedElsewhere, error) {
	ctx := c.Request.Context()
	own := staffAgency(currentUser(c))
	related, err := h.Store.RelatedCases(ctx, r, own, 20)
	if err != nil || own == nil {
		return related, nil, err
	}
	counts, err := h.Store.RelatedCasesElsewhere(ctx, r, *own)
	if err != nil || len(counts) == 0 {
		return related, nil, err
	}
	var out []relatedElsewhere
	for _, n := range counts { // ordered by agency
		if len(out) == 0 || out[len(out)-1].Agency.ID != n.AgencyID {
			// By id, not from the active list: a case may outlive its agency's listing.
			agency, err := h.Store.AgencyByID(ctx, n.AgencyID)
			if err != nil {
				return nil, nil, err
			}
			out = append(out, relatedElsewhere{Agency: agency})
		}
		last := &out[len(out)-1]
		last.Total += n.N
		if n.Status.Open() {
			last.Open += n.N
		}
	}
	return related, out, nil
}

func (h *Handler) calendar(c *gin.Context) (*workdays.Calendar, error) {
	days, err := h.Store.Holidays(c.Request.Context())
	if err != nil {
		return nil, err
	}
	return workdays.New(days), nil
}

func (h *Handler) caseShow(c *gin.Context) {
	if cs, ok := h.staffCase(c); ok {
		h.casePage(c, http.StatusOK, cs, nil)
	}
}

// casePhoto serves an evidence photo to the handling agency only.
func (h *Handler) casePhoto(c *gin.Context) {
	cs, ok := h.staffCase(c)
	if !ok {
		return
	}
	seq, err := strconv.Atoi(c.Param("seq"))
	if err != nil {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	p, err := h.Store.ReportPhoto(c.Request.Context(), cs.ReportID, seq)
	if errors.Is(err, storage.ErrNotFound) {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	// Evidence shows the reporter's surroundings and sometimes the reporter:
	// every time it leaves the server to staff is on record, and it is sent
	// only once that record is committed. no-store keeps every cache (shared
	// or the browser's) from answering in our place, so each view comes here
	// and is recorded again.
	if err := h.record(c, h.Store, audit.ActionPhotoView, audit.ObjectCase, cs.ID, &cs.AgencyID, nil,
		map[string]any{"report_id": cs.ReportID, "photo_seq": p.Seq}); err != nil {
		h.serverError(c, err)
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, p.ContentType, p.Data)
}

// caseAction applies one transition of the case state machine. An action
// the table does not allow gets a clear message and changes nothing.
func (h *Handler) caseAction(c *gin.Context) {
	ctx := c.Request.Context()
	cs, ok := h.staffCase(c)
	if !ok {
		return
	}
	u := currentUser(c)
	action := cases.Action(c.Param("action"))
	tr, err := cases.Next(cs.Kind, cs.Status, action)
	if err != nil {
		h.casePage(c, http.StatusConflict, cs, form.Errors{"action": {Key: "case.not_allowed"}})
		return
	}
	now := h.now()
	reason := strings.TrimSpace(c.PostForm("reason"))
	errs := form.Errors{}
	set := map[string]any{"status": tr.To}
	event := model.CaseEvent{Kind: string(action), FromStatus: cs.Status, ToStatus: tr.To, Public: true, ActorUserID: &u.ID,
		AgencyID: &cs.AgencyID, CreatedAt: now}
	var unitChange *storage.UnitChange
	switch tr.Needs {
	case cases.NeedReason:
		if reason == "" {
			errs.Add("reason", "review.reason_required")
		}
	case cases.NeedGround:
		ground := c.PostForm("ground")
		known := false
		for _, g := range cases.NotAcceptedGrounds {
			known = known || g == ground
		}
		if !known {
			errs.Add("ground", "form.choose")
		}
		set["decision_ground"] = ground
		reason = server.Printer(c).T("ground."+ground) + optional(reason)
	case cases.NeedMediation:
		result := c.PostForm("mediation")
		if result != "agreement" && result != "no_agreement" {
			errs.Add("mediation", "form.choose")
		}
		set["outcome"] = result
		reason = server.Printer(c).T("mediation."+result) + optional(reason)
	case cases.NeedOutcome:
		outcome := c.PostForm("outcome")
		if outcome != cases.OutcomeSubstantiated && outcome != cases.OutcomeUnsubstantiated {
			errs.Add("outcome", "form.choose")
		}
		set["outcome"], set["concluded_at"] = outcome, now
		if outcome == cases.OutcomeSubstantiated {
			if fine := strings.TrimSpace(c.PostForm("fine")); fine != "" {
				cents, ok := parseAmount(fine)
				if !ok {
					errs.Add("fine", "report.amount_format", reports.MaxAmountYuan)
				}
				set["fine_cents"] = cents
			}
			im := c.PostForm("instrument_measure")
			if im != cases.InstrumentMeasureNone && im != cases.InstrumentMeasureSealed && im != cases.InstrumentMeasureConfiscated {
				errs.Add("instrument_measure", "form.choose")
			}
			set["instrument_measure"] = im
			um := c.PostForm("unit_measure")
			switch um {
			case cases.UnitMeasureNone, cases.UnitMeasureWarning:
			case cases.UnitMeasureSuspended, cases.UnitMeasureRevoked:
				ch, err := h.unitMeasure(c, cs, um, reason)
				if err != nil {
					errs.Add("unit_measure", "case.unit_measure_impossible")
				}
				unitChange = ch
			default:
				errs.Add("unit_measure", "form.choose")
			}
			set["unit_measure"] = um
		}
		set["outcome_detail"] = reason
	case cases.NeedTarget:
		h.casePage(c, http.StatusConflict, cs, form.Errors{"action": {Key: "case.not_allowed"}})
		return
	}
	if errs.Any() {
		h.casePage(c, http.StatusUnprocessableEntity, cs, errs)
		return
	}
	// Deadlines follow the status: a decision ends the first period and
	// may start the next one; a final decision ends them all.
	switch tr.To {
	case model.CaseAccepted:
		due := now.AddDate(0, 0, cases.MediationDays)
		set["decided_at"], set["conclusion_due_at"], set["due_at"] = now, due, due
	case model.CaseOpened:
		due := now.AddDate(0, 0, cases.CaseConclusionDays)
		set["decided_at"], set["conclusion_due_at"], set["due_at"], set["extended"] = now, due, due, false
	case model.CaseNotAccepted, model.CaseNoCase:
		set["decided_at"], set["closed_at"], set["due_at"] = now, now, nil
	case model.CaseMediated, model.CaseConcluded, model.CaseReturned:
		set["due_at"] = nil
	case model.CaseClosed:
		set["closed_at"], set["due_at"] = now, nil
	}
	if reason != "" {
		event.Body = &reason
	}
	err = h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.UpdateCase(ctx, storage.CaseUpdate{CaseID: cs.ID, LockVersion: cs.LockVersion, Set: set, Events: []model.CaseEvent{event}}); err != nil {
			return err
		}
		if unitChange != nil {
			if err := tx.ChangeUnitStatus(ctx, *unitChange); err != nil {
				return err
			}
			if err := h.record(c, tx, audit.ActionUnitStatus, audit.ObjectUnit, unitChange.UnitID, &cs.AgencyID,
				map[string]any{"status": unitChange.From}, map[string]any{"status": unitChange.To, "case_id": cs.ID}); err != nil {
				return err
			}
		}
		updated := *cs
		updated.Status = tr.To
		if err := h.notifyStatus(c, tx, &updated, reason); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionCaseStatus, audit.ObjectCase, cs.ID, &cs.AgencyID,
			map[string]any{"status": cs.Status}, set)
	})
	if errors.Is(err, storage.ErrConflict) {
		fresh, _ := h.Store.CaseByID(ctx, cs.ID)
		if fresh != nil {
			cs = fresh
		}
		h.casePage(c, http.StatusConflict, cs, form.Errors{"action": {Key: "review.changed_meanwhile"}})
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	server.Logger(c).Info("case status changed", "case_id", cs.ID, "from", string(cs.Status), "to", string(tr.To), "by", u.ID)
	c.Redirect(http.StatusSeeOther, "/staff/cases/"+strconv.FormatInt(cs.ID, 10)+"?ok=case_updated")
}

// notifyStatus enqueues, in tx, the notices of a public change of case cs
// (already carrying its new status).
func (h *Handler) notifyStatus(c *gin.Context, tx *storage.Store, cs *model.Case, detail string) error {
	return h.Cases.StatusNotices(c.Request.Context(), tx, cs, detail)
}

func optional(s string) string {
	if s == "" {
		return ""
	}
	return "：" + s
}

// unitMeasure prepares the suspension or revocation a conclusion imposes on
// the reported unit; it takes effect in the same transaction.
func (h *Handler) unitMeasure(c *gin.Context, cs *model.Case, measure, reason string) (*storage.UnitChange, error) {
	r, err := h.Store.ReportByID(c.Request.Context(), cs.ReportID)
	if err != nil || r.UnitID == nil {
		return nil, errors.New("no unit")
	}
	unit, err := h.Store.UnitByID(c.Request.Context(), *r.UnitID)
	if err != nil {
		return nil, err
	}
	action := units.ActSuspend
	if measure == cases.UnitMeasureRevoked {
		action = units.ActRevoke
	}
	tr, err := units.Next(unit.Status, action, units.ByOfficer)
	if err != nil {
		return nil, err
	}
	actor := currentUser(c).ID
	if reason == "" {
		reason = server.Printer(c).T("case.measure_reason", r.TrackingNo)
	}
	return &storage.UnitChange{UnitID: unit.ID, From: unit.Status, To: tr.To, Reason: reason, ActorID: &actor, At: h.now()}, nil
}

func parseAmount(s string) (int64, bool) { return reports.ParseYuan(s) }

// caseUpdate adds an internal note, a public reply, an assignment or the one
// allowed extension: changes that do not move the case's status.
func (h *Handler) caseUpdate(c *gin.Context) {
	ctx := c.Request.Context()
	cs, ok := h.staffCase(c)
	if !ok {
		return
	}
	what := c.Param("what")
	if what == "assign" || what == "extend" {
		var err error
		if what == "assign" {
			assignee, _ := strconv.ParseInt(c.PostForm("assignee_id"), 10, 64)
			err = h.Cases.Assign(ctx, h.caseActor(c), cs, assignee)
		} else {
			err = h.Cases.Extend(ctx, h.caseActor(c), cs, c.PostForm("text"))
		}
		if err != nil {
			h.caseRefused(c, cs, err)
			return
		}
		c.Redirect(http.StatusSeeOther, "/staff/cases/"+strconv.FormatInt(cs.ID, 10)+"?ok=case_updated")
		return
	}
	u := currentUser(c)
	now := h.now()
	text := strings.TrimSpace(c.PostForm("text"))
	set := map[string]any{}
	event := model.CaseEvent{Kind: what, ActorUserID: &u.ID, AgencyID: &cs.AgencyID, FromStatus: cs.Status, ToStatus: cs.Status, CreatedAt: now}
	errs := form.Errors{}
	switch what {
	case "note":
		if text == "" {
			errs.Add("text", "form.required")
		}
	case "reply":
		if text == "" {
			errs.Add("text", "form.required")
		}
		set["public_reply"] = text
		event.Public = true
	case "reward":
		r, err := h.Store.ReportByID(ctx, cs.ReportID)
		if err != nil {
			h.serverError(c, err)
			return
		}
		var rewardErrs form.Errors
		if set, rewardErrs = rewardUpdate(cs, r, c.PostForm("level"), c.PostForm("amount")); rewardErrs != nil {
			errs = rewardErrs
		}
	default:
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	if errs.Any() {
		h.casePage(c, http.StatusUnprocessableEntity, cs, errs)
		return
	}
	if text != "" {
		event.Body = &text
	}
	action := map[string]string{"note": audit.ActionCaseNote, "reply": audit.ActionCaseReply, "reward": audit.ActionCaseReward}[what]
	err := h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.UpdateCase(ctx, storage.CaseUpdate{CaseID: cs.ID, LockVersion: cs.LockVersion, Set: set, Events: []model.CaseEvent{event}}); err != nil {
			return err
		}
		if event.Public {
			if err := h.notifyStatus(c, tx, cs, text); err != nil {
				return err
			}
		}
		return h.record(c, tx, action, audit.ObjectCase, cs.ID, &cs.AgencyID, map[string]any{"assignee_id": cs.AssigneeID, "due_at": cs.DueAt}, set)
	})
	if errors.Is(err, storage.ErrConflict) {
		fresh, _ := h.Store.CaseByID(ctx, cs.ID)
		if fresh != nil {
			cs = fresh
		}
		h.casePage(c, http.StatusConflict, cs, form.Errors{"action": {Key: "review.changed_meanwhile"}})
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/cases/"+strconv.FormatInt(cs.ID, 10)+"?ok=case_updated")
}
