package cases

import (
	"context"
	"strconv"
	"strings"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/storage"
)

// Update is a change that does not move a case's status.
type Update string

const (
	UpdateNote    Update = "note"    // internal note, staff only
	UpdateReply   Update = "reply"   // public reply: the reporter is told
	UpdateReward  Update = "reward"  // reward eligibility of a substantiated tip
	UpdateAssign  Update = "assign"  // see Assign
	UpdateExtend  Update = "extend"  // see Extend
	UpdateCorrect Update = "correct" // see Correct
)

// Note adds an internal note to cs's timeline.
func (s *Service) Note(ctx context.Context, who Actor, cs *model.Case, text string) error {
	return s.annotate(ctx, who, cs, UpdateNote, text, nil)
}

// Reply sets cs's public reply; the reporter is told, in their language.
// The reply passes the moderation gate; confirmed are the digests of the
// texts the officer agreed to publish masked.
func (s *Service) Reply(ctx context.Context, who Actor, cs *model.Case, text string, confirmed []string) error {
	return s.annotate(ctx, who, cs, UpdateReply, text, confirmed)
}

func (s *Service) annotate(ctx context.Context, who Actor, cs *model.Case, what Update, text string, confirmed []string) error {
	if !MayHandle(who.User, cs) {
		return errNotFound
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return refused(fail.Invalid, "text", "form.required")
	}
	if form.TooLong(text, MaxReply) {
		return refused(fail.Invalid, "text", "form.too_long", MaxReply)
	}
	var checked []moderation.Checked
	if what == UpdateReply {
		var err error
		if checked, err = s.gate(ctx, cs, confirmed, nil, moderation.Text{Field: "text", Value: text}); err != nil {
			return err
		}
		text = moderation.Published(checked, "text")
	}
	event := model.CaseEvent{Kind: string(what), ActorUserID: &who.User.ID, AgencyID: &cs.AgencyID, FromStatus: cs.Status, ToStatus: cs.Status,
		Body: &text, CreatedAt: s.now()}
	set := map[string]any{}
	action := audit.ActionCaseNote
	if what == UpdateReply {
		set["public_reply"], event.Public, action = text, true, audit.ActionCaseReply
	}
	return conflictOr(s.Store.Tx(ctx, func(tx *storage.Store) error {
		events := []model.CaseEvent{event}
		if err := tx.UpdateCase(ctx, storage.CaseUpdate{CaseID: cs.ID, LockVersion: cs.LockVersion, Set: set, Events: events}); err != nil {
			return err
		}
		if err := s.recordMasked(ctx, tx, who, cs, checked, "text", eventBody(&events[0]), caseField(cs, "public_reply")); err != nil {
			return err
		}
		if event.Public {
			if err := s.StatusNotices(ctx, tx, cs, Detail{Text: text}); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, who, action, cs.ID, &cs.AgencyID, nil, map[string]any{"kind": string(what), "text": text})
	}))
}

// Reward levels (国市监稽规〔2021〕4号): a share of fines and confiscations
// with a minimum per level; payment happens outside the platform.
var RewardMinimumYuan = map[int]int64{1: 1000, 2: 3000, 3: 5000}

// RewardMaximumYuan caps one reward.
const RewardMaximumYuan = 1_000_000

// RewardEligible says whether a case's reporter may be rewarded: only for
// a substantiated tip from a named natural person.
func RewardEligible(cs *model.Case, r *model.Report) bool {
	return cs.Kind == model.KindTip && cs.Outcome == OutcomeSubstantiated && !r.Anonymous && r.ReporterName != ""
}

// Reward marks cs's reporter eligible for a reward of level with amount
// (yuan, as typed).
func (s *Service) Reward(ctx context.Context, who Actor, cs *model.Case, levelText, amountText string) error {
	if !MayHandle(who.User, cs) {
		return errNotFound
	}
	r, err := s.Store.ReportByID(ctx, cs.ReportID)
	if err != nil {
		return err
	}
	if !RewardEligible(cs, r) {
		return refused(fail.Invalid, "reward", "case.reward_not_eligible")
	}
	errs := form.Errors{}
	level, _ := strconv.Atoi(levelText)
	minimum, ok := RewardMinimumYuan[level]
	if !ok {
		errs.Add("reward_level", "form.choose")
	}
	cents, okAmount := reports.ParseYuan(strings.TrimSpace(amountText))
	if !okAmount || ok && cents < minimum*100 || cents > RewardMaximumYuan*100 {
		errs.Add("reward_amount", "case.reward_amount", minimum, RewardMaximumYuan)
	}
	if errs.Any() {
		return fail.Fields(errs)
	}
	set := map[string]any{"reward_eligible": true, "reward_level": level, "reward_amount_cents": cents}
	event := model.CaseEvent{Kind: string(UpdateReward), ActorUserID: &who.User.ID, AgencyID: &cs.AgencyID, FromStatus: cs.Status, ToStatus: cs.Status,
		CreatedAt: s.now()}
	return conflictOr(s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.UpdateCase(ctx, storage.CaseUpdate{CaseID: cs.ID, LockVersion: cs.LockVersion, Set: set, Events: []model.CaseEvent{event}}); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionCaseReward, cs.ID, &cs.AgencyID,
			map[string]any{"reward_eligible": cs.RewardEligible, "reward_level": cs.RewardLevel, "reward_amount_cents": cs.RewardAmountCents}, set)
	}))
}
