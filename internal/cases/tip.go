package cases

import (
	"context"
	"strconv"
	"strings"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// Tips files the internal tips staff raise themselves (intake.Service).
type Tips interface {
	OpenInternalTip(ctx context.Context, who audit.Actor, unit *model.Unit, ins *model.Instrument, category model.Category, text string) (*model.Case, error)
}

// MaxTipText bounds what an officer writes of the violation a complaint
// revealed.
const MaxTipText = 2000

// Tippable says whether a tip may be opened from cs (reported by r): an
// open complaint about a registered unit, still with its agency (a returned
// or merged one is someone else's to look at). A consumer dispute that
// reveals a violation — a rigged scale behind a refund — is also a matter
// for investigation, which a complaint's handling (mediation) is not.
func Tippable(cs *model.Case, r *model.Report) bool {
	return cs.Kind == model.KindComplaint && cs.Status.Open() && cs.Status != model.CaseReturned && cs.Status != model.CaseMerged &&
		r != nil && r.UnitID != nil
}

// TipFromComplaint opens an internal tip about the unit (and instrument) of
// complaint cs, stating the violation it revealed in text, and notes it on
// the complaint's timeline (staff only) and in the audit log. The complaint
// keeps its own status and deadlines: the complainant's dispute is still
// handled as a complaint. The tip is routed like any other, so it may go to
// another agency; it returns the tip's case.
func (s *Service) TipFromComplaint(ctx context.Context, who Actor, cs *model.Case, text string) (*model.Case, error) {
	if !MayHandle(who.User, cs) {
		return nil, errNotFound
	}
	if s.Tips == nil {
		return nil, fail.New(fail.Internal, "cases: no tips service")
	}
	r, err := s.Store.ReportByID(ctx, cs.ReportID)
	if err != nil {
		return nil, err
	}
	if !Tippable(cs, r) {
		return nil, refused(fail.Conflict, "action", "case.tip_not_allowed")
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return nil, refused(fail.Invalid, "tip_text", "form.required")
	case form.TooLong(text, MaxTipText):
		return nil, refused(fail.Invalid, "tip_text", "form.too_long", MaxTipText)
	}
	unit, err := s.Store.UnitByID(ctx, *r.UnitID)
	if err != nil {
		return nil, err
	}
	var ins *model.Instrument
	if r.InstrumentID != nil {
		if ins, err = s.Store.InstrumentByID(ctx, *r.InstrumentID); err != nil {
			return nil, err
		}
	}
	tip, err := s.Tips.OpenInternalTip(ctx, who, unit, ins, r.Category, "投诉 "+r.TrackingNo+" 发现的违法线索："+text)
	if err != nil {
		return nil, err
	}
	note := strconv.FormatInt(tip.ID, 10)
	event := model.CaseEvent{CaseID: cs.ID, Kind: "tip_opened", ActorUserID: &who.User.ID, AgencyID: &cs.AgencyID, FromStatus: cs.Status, ToStatus: cs.Status,
		Body: &note, CreatedAt: s.now()}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		// Not tied to the complaint's version: the tip exists already, and a
		// change to the complaint meanwhile does not undo it.
		if err := tx.AddCaseEvent(ctx, &event); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionCaseTip, cs.ID, &cs.AgencyID, nil, map[string]any{"tip_case_id": tip.ID, "text": text})
	})
	if err != nil {
		return nil, err
	}
	return tip, nil
}
