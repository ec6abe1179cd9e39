package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"honestmeasure/internal/cases"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reports"
)

// caseTransfer hands a case to another agency (a supervisor of the handling
// agency, or the city admin). caseReroute does the same for a case an agency
// sent back, and puts it in the new agency's queue as new (city admin only).
// The rules are cases.Service's.
func (h *Handler) caseTransfer(c *gin.Context) { h.moveCase(c, h.Cases.Transfer) }
func (h *Handler) caseReroute(c *gin.Context)  { h.moveCase(c, h.Cases.Reroute) }

func (h *Handler) moveCase(c *gin.Context, move func(context.Context, cases.Actor, *model.Case, cases.Move) (*model.Case, error)) {
	cs, ok := h.staffCase(c)
	if !ok {
		return
	}
	_, err := move(c.Request.Context(), h.caseActor(c), cs, cases.Move{AgencyCode: c.PostForm("agency"), Reason: c.PostForm("reason")})
	if err != nil {
		h.caseRefused(c, cs, err)
		return
	}
	// The case left this agency: its staff no longer see it (the city admin does).
	if currentUser(c).Role == model.RoleCityAdmin {
		c.Redirect(http.StatusSeeOther, "/staff/cases/"+strconv.FormatInt(cs.ID, 10)+"?ok=case_transferred")
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/queue?ok=case_transferred")
}

// caseMerge closes a duplicate into the case it repeats (same agency).
func (h *Handler) caseMerge(c *gin.Context) {
	cs, ok := h.staffCase(c)
	if !ok {
		return
	}
	into, err := h.Cases.Merge(c.Request.Context(), h.caseActor(c), cs, c.PostForm("into"))
	if err != nil {
		h.caseRefused(c, cs, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/staff/cases/"+strconv.FormatInt(into.ID, 10)+"?ok=case_merged")
}

func (h *Handler) caseActor(c *gin.Context) cases.Actor {
	return cases.Actor{User: currentUser(c), IP: c.ClientIP()}
}

// caseRefused answers an error from cases.Service: a refusal as the page
// with its messages (a conflict shows the case as it now is), anything else
// as a server error.
func (h *Handler) caseRefused(c *gin.Context, cs *model.Case, err error) {
	var refusal *cases.Error
	if !errors.As(err, &refusal) {
		h.serverError(c, err)
		return
	}
	switch refusal.Kind {
	case cases.KindNotFound:
		h.ErrorPage(c, http.StatusNotFound)
	case cases.KindConflict:
		fresh, err := h.Store.CaseByID(c.Request.Context(), cs.ID)
		if err != nil {
			h.serverError(c, err)
			return
		}
		h.casePage(c, http.StatusConflict, fresh, refusal.Fields)
	default:
		h.casePage(c, http.StatusUnprocessableEntity, cs, refusal.Fields)
	}
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
