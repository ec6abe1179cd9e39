package ui

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/storage"
)

// caseTransfer hands a case to another agency (a supervisor of the handling
// agency, or the city admin). caseReroute does the same for a case an agency
// sent back, and puts it in the new agency's queue as new (city admin only).
func (h *Handler) caseTransfer(c *gin.Context) { h.moveCase(c, false) }
func (h *Handler) caseReroute(c *gin.Context)  { h.moveCase(c, true) }

func (h *Handler) moveCase(c *gin.Context, reroute bool) {
	ctx := c.Request.Context()
	cs, ok := h.staffCase(c)
	if !ok {
		return
	}
	u := currentUser(c)
	if reroute && u.Role != model.RoleCityAdmin || !reroute && u.Role != model.RoleSupervisor && u.Role != model.RoleCityAdmin {
		h.ErrorPage(c, http.StatusNotFound)
		return
	}
	errs := form.Errors{}
	set := map[string]any{"assignee_id": nil}
	from := cs.Status
	to := cs.Status
	if reroute {
		tr, err := cases.Next(cs.Kind, cs.Status, cases.ActReroute)
		if err != nil {
			h.casePage(c, http.StatusConflict, cs, form.Errors{"action": {Key: "case.not_allowed"}})
			return
		}
		to = tr.To
		set["status"] = to
		// The deadline runs again from the agency's receipt.
		due := cs.DecisionDueAt
		set["due_at"] = due
	} else if !cs.Status.Open() {
		h.casePage(c, http.StatusConflict, cs, form.Errors{"action": {Key: "case.not_allowed"}})
		return
	}
	target, err := h.Store.AgencyByCode(ctx, c.PostForm("agency"))
	if err != nil || !target.Active || target.ID == cs.AgencyID {
		errs.Add("agency", "form.choose")
	}
	reason := strings.TrimSpace(c.PostForm("reason"))
	if reason == "" {
		errs.Add("transfer_reason", "review.reason_required")
	}
	if errs.Any() {
		h.casePage(c, http.StatusUnprocessableEntity, cs, errs)
		return
	}
	set["agency_id"] = target.ID
	body := target.NameZh + "：" + reason
	event := model.CaseEvent{Kind: "transfer", FromStatus: from, ToStatus: to, Public: true, ActorUserID: &u.ID,
		AgencyID: &target.ID, Body: &body, CreatedAt: h.now()}
	err = h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.UpdateCase(ctx, storage.CaseUpdate{CaseID: cs.ID, LockVersion: cs.LockVersion, Set: set, Events: []model.CaseEvent{event}}); err != nil {
			return err
		}
		moved := *cs
		moved.AgencyID, moved.Status, moved.AssigneeID = target.ID, to, nil
		r, err := tx.ReportByID(ctx, cs.ReportID)
		if err != nil {
			return err
		}
		msgs, err := notices.Routed(target, r, &moved, nil, h.BaseURL)
		if err != nil {
			return err
		}
		if len(msgs) > 0 {
			if err := tx.Enqueue(ctx, msgs...); err != nil {
				return err
			}
		}
		return h.record(c, tx, audit.ActionCaseTransfer, audit.ObjectCase, cs.ID, &cs.AgencyID,
			map[string]any{"agency_id": cs.AgencyID, "status": from}, map[string]any{"agency_id": target.ID, "status": to, "reason": reason})
	})
	if errors.Is(err, storage.ErrConflict) {
		h.casePage(c, http.StatusConflict, cs, form.Errors{"action": {Key: "review.changed_meanwhile"}})
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	// The case left this agency: its staff no longer see it (the city admin does).
	if u.Role == model.RoleCityAdmin {
		c.Redirect(http.StatusSeeOther, "/staff/cases/"+strconv.FormatInt(cs.ID, 10)+"?ok=case_transferred")
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/queue?ok=case_transferred")
}

// caseMerge closes a duplicate into the case it repeats (same agency). Its
// reporter is told, and hears about every later step of the surviving case.
func (h *Handler) caseMerge(c *gin.Context) {
	ctx := c.Request.Context()
	cs, ok := h.staffCase(c)
	if !ok {
		return
	}
	u := currentUser(c)
	tr, err := cases.Next(cs.Kind, cs.Status, cases.ActMerge)
	if err != nil {
		h.casePage(c, http.StatusConflict, cs, form.Errors{"action": {Key: "case.not_allowed"}})
		return
	}
	errs := form.Errors{}
	var into *model.Case
	if r, err := h.Store.ReportByTrackingNo(ctx, reports.NormalizeTrackingNumber(c.PostForm("into"))); err == nil {
		into, _ = h.Store.CaseOfReport(ctx, r.ID)
	}
	if into == nil || into.ID == cs.ID || into.AgencyID != cs.AgencyID || !into.Status.Open() || into.Status == model.CaseMerged {
		errs.Add("into", "case.merge_target")
	}
	if errs.Any() {
		h.casePage(c, http.StatusUnprocessableEntity, cs, errs)
		return
	}
	now := h.now()
	set := map[string]any{"status": tr.To, "duplicate_of_case_id": into.ID, "due_at": nil, "closed_at": now}
	public := model.CaseEvent{Kind: "merge", FromStatus: cs.Status, ToStatus: tr.To, Public: true, ActorUserID: &u.ID, AgencyID: &cs.AgencyID, CreatedAt: now}
	note := strconv.FormatInt(cs.ID, 10)
	onTarget := model.CaseEvent{Kind: "merge", FromStatus: into.Status, ToStatus: into.Status, ActorUserID: &u.ID, AgencyID: &cs.AgencyID, Body: &note, CreatedAt: now}
	err = h.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.UpdateCase(ctx, storage.CaseUpdate{CaseID: cs.ID, LockVersion: cs.LockVersion, Set: set, Events: []model.CaseEvent{public}}); err != nil {
			return err
		}
		if err := tx.UpdateCase(ctx, storage.CaseUpdate{CaseID: into.ID, LockVersion: into.LockVersion, Events: []model.CaseEvent{onTarget}}); err != nil {
			return err
		}
		merged := *cs
		merged.Status = tr.To
		if err := h.notifyStatus(c, tx, &merged, ""); err != nil {
			return err
		}
		return h.record(c, tx, audit.ActionCaseMerge, audit.ObjectCase, cs.ID, &cs.AgencyID,
			map[string]any{"status": cs.Status}, map[string]any{"status": tr.To, "duplicate_of_case_id": into.ID})
	})
	if errors.Is(err, storage.ErrConflict) {
		h.casePage(c, http.StatusConflict, cs, form.Errors{"action": {Key: "review.changed_meanwhile"}})
		return
	}
	if err != nil {
		h.serverError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/cases/"+strconv.FormatInt(into.ID, 10)+"?ok=case_merged")
}

// Reward levels (国市监稽规〔2021〕4号): a share of fines and confiscations
// with a minimum per level; payment happens outside the platform.
var rewardMinimumYuan = map[int]int64{1: 1000, 2: 3000, 3: 5000}

const rewardMaximumYuan = 1_000_000

// rewardUpdate validates a reward-eligibility mark: only substantiated tips
// from a named natural person qualify.
func rewardUpdate(cs *model.Case, r *model.Report, levelText, amountText string) (map[string]any, form.Errors) {
	errs := form.Errors{}
	if cs.Kind != model.KindTip || cs.Outcome != cases.OutcomeSubstantiated || r.Anonymous || r.ReporterName == "" {
		errs.Add("reward", "case.reward_not_eligible")
		return nil, errs
	}
	level, _ := strconv.Atoi(levelText)
	min, ok := rewardMinimumYuan[level]
	if !ok {
		errs.Add("reward_level", "form.choose")
	}
	cents, okAmount := reports.ParseYuan(strings.TrimSpace(amountText))
	if !okAmount || ok && cents < min*100 || cents > rewardMaximumYuan*100 {
		errs.Add("reward_amount", "case.reward_amount", min, rewardMaximumYuan)
	}
	if errs.Any() {
		return nil, errs
	}
	return map[string]any{"reward_eligible": true, "reward_level": level, "reward_amount_cents": cents}, nil
}
