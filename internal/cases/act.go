package cases

import (
	"context"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/units"
)

// Detail is the public explanation of a step: a fixed wording picked from a
// list (a not-accepted ground, a mediation result), kept as its locale key
// so every reader sees it in their own language, and the officer's own
// words, kept as typed.
type Detail struct {
	Key  string
	Text string
}

// In renders d for a reader of l: "wording：words", either part optional.
func (d Detail) In(l *locale.Printer) string {
	switch {
	case d.Key == "":
		return d.Text
	case d.Text == "":
		return l.T(d.Key)
	}
	return l.T(d.Key) + "：" + d.Text
}

// stamp puts d on a timeline entry: the words in Body, the wording's key in
// Data (model.CaseEvent.DetailKey reads it back).
func (d Detail) stamp(e *model.CaseEvent) {
	if d.Text != "" {
		text := d.Text
		e.Body = &text
	}
	if d.Key != "" {
		b, _ := json.Marshal(map[string]string{"detail": d.Key})
		data := string(b)
		e.Data = &data
	}
}

// Mediation results.
const (
	MediationAgreement   = "agreement"
	MediationNoAgreement = "no_agreement"
)

// Decision is what an officer gives with an action; which parts matter
// depends on the transition's Needs.
type Decision struct {
	Reason            string // the officer's words, shown to the reporter
	Ground            string // NeedGround: one of NotAcceptedGrounds
	Mediation         string // NeedMediation: MediationAgreement or MediationNoAgreement
	Outcome           string // NeedOutcome: OutcomeSubstantiated or OutcomeUnsubstantiated
	Fine              string // substantiated: yuan as typed, optional
	InstrumentMeasure string // substantiated: InstrumentMeasure…
	UnitMeasure       string // substantiated: UnitMeasure…
	// PublicNotice (NeedOutcome) is what the public reads of the conclusion
	// on the unit's scan page, optional; Reason goes to the reporter only.
	PublicNotice string
	// Confirmed are the moderation digests of the texts the officer agreed
	// to publish with their personal data masked (moderation.ConfirmField).
	Confirmed []string
}

// MaxPublicNotice bounds a conclusion's public notice (characters); the
// unit's public reason holds it.
const MaxPublicNotice = 1000

// MayHandle says whether who may act on cs at all: staff of the handling
// agency, or the city admin. Anyone else is answered as if cs did not exist.
func MayHandle(who *model.User, cs *model.Case) bool {
	if who == nil || !who.Role.Staff() {
		return false
	}
	return who.Role == model.RoleCityAdmin || who.AgencyID != nil && *who.AgencyID == cs.AgencyID
}

// Act applies one transition of the state machine to cs: its dates and
// deadlines (Clocks), its timeline entry, the unit measure a substantiated
// conclusion imposes, the reporter's and the agency's notices and the audit
// entries, in one transaction. It returns the case as changed. Transfer,
// re-routing and merging have their own methods (they need a target).
func (s *Service) Act(ctx context.Context, who Actor, cs *model.Case, action Action, d Decision) (*model.Case, error) {
	if !MayHandle(who.User, cs) {
		return nil, errNotFound
	}
	tr, err := Next(cs.Kind, cs.Status, action)
	if err != nil || tr.Needs == NeedTarget {
		return nil, errNotAllowed
	}
	now := s.now()
	changed := *cs
	set := Enter(&changed, tr.To, now, nil)
	detail := Detail{Text: strings.TrimSpace(d.Reason)}
	errs := form.Errors{}
	var measure *units.CaseMeasure
	switch tr.Needs {
	case NeedReason:
		if detail.Text == "" {
			errs.Add("reason", "review.reason_required")
		}
	case NeedGround:
		if !knownGround(d.Ground) {
			errs.Add("ground", "form.choose")
		}
		set["decision_ground"], detail.Key = d.Ground, "ground."+d.Ground
	case NeedMediation:
		if d.Mediation != MediationAgreement && d.Mediation != MediationNoAgreement {
			errs.Add("mediation", "form.choose")
		}
		set["outcome"], detail.Key = d.Mediation, "mediation."+d.Mediation
	case NeedOutcome:
		if measure, err = s.outcome(ctx, cs, d, set, errs); err != nil {
			return nil, err
		}
		set["outcome_detail"] = detail.Text
		notice := strings.TrimSpace(d.PublicNotice)
		if utf8.RuneCountInString(notice) > MaxPublicNotice {
			errs.Add("public_notice", "form.too_long", MaxPublicNotice)
		}
		set["public_notice"] = notice
		if measure != nil {
			measure.Reason = notice
		}
	}
	texts := []moderation.Text{{Field: "reason", Value: detail.Text}}
	if tr.Needs == NeedOutcome {
		texts = append(texts, moderation.Text{Field: "public_notice", Value: strings.TrimSpace(d.PublicNotice)})
	}
	checked, err := s.gate(ctx, cs, d.Confirmed, errs, texts...)
	if err != nil {
		return nil, err
	}
	if detail.Text != "" {
		detail.Text = moderation.Published(checked, "reason")
	}
	if tr.Needs == NeedOutcome {
		set["outcome_detail"] = detail.Text
		notice := moderation.Published(checked, "public_notice")
		set["public_notice"] = notice
		if measure != nil {
			measure.Reason = notice
		}
	}
	if measure != nil {
		if err := s.Units.CheckCaseMeasure(ctx, *measure); err != nil {
			return nil, err
		}
	}
	var seal *int64
	if tr.Needs == NeedOutcome && d.Outcome == OutcomeSubstantiated && d.InstrumentMeasure == InstrumentMeasureSealed {
		if seal, err = s.instrumentOf(ctx, cs); err != nil {
			return nil, err
		}
	}
	event := model.CaseEvent{Kind: string(action), FromStatus: cs.Status, ToStatus: tr.To, Public: true, ActorUserID: &who.User.ID,
		AgencyID: &cs.AgencyID, CreatedAt: now}
	detail.stamp(&event)
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		events := []model.CaseEvent{event}
		if err := tx.UpdateCase(ctx, storage.CaseUpdate{CaseID: cs.ID, LockVersion: cs.LockVersion, Set: set, Events: events}); err != nil {
			return err
		}
		reasonAt := []moderation.Subject{eventBody(&events[0])}
		noticeAt := []moderation.Subject{caseField(cs, "public_notice")}
		if tr.Needs == NeedOutcome {
			reasonAt = append(reasonAt, caseField(cs, "outcome_detail"))
		}
		if measure != nil {
			noticeAt = append(noticeAt, moderation.Subject{ObjectType: audit.ObjectUnit, ObjectID: measure.UnitID, Field: "status_reason"})
		}
		if err := s.recordMasked(ctx, tx, who, cs, checked, "reason", reasonAt...); err != nil {
			return err
		}
		if err := s.recordMasked(ctx, tx, who, cs, checked, "public_notice", noticeAt...); err != nil {
			return err
		}
		if measure != nil {
			if err := s.Units.ApplyCaseMeasure(ctx, tx, who, *measure); err != nil {
				return err
			}
		}
		if seal != nil {
			if err := s.sealIn(ctx, tx, who, *seal, cs, now); err != nil {
				return err
			}
		}
		if err := s.StatusNotices(ctx, tx, &changed, detail); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionCaseStatus, cs.ID, &cs.AgencyID, map[string]any{"status": cs.Status}, set)
	})
	if err != nil {
		return nil, conflictOr(err)
	}
	changed.LockVersion++
	if tr.Needs == NeedOutcome && d.Outcome == OutcomeSubstantiated {
		s.riskChanged(ctx, cs)
	}
	return &changed, nil
}

// riskChanged has the risk class of the unit cs is about recomputed.
func (s *Service) riskChanged(ctx context.Context, cs *model.Case) {
	if s.Risk == nil {
		return
	}
	if r, err := s.Store.ReportByID(ctx, cs.ReportID); err == nil && r.UnitID != nil {
		s.Risk.UnitChanged(ctx, *r.UnitID)
	}
}

func knownGround(g string) bool {
	for _, known := range NotAcceptedGrounds {
		if g == known {
			return true
		}
	}
	return false
}

// outcome validates a conclusion into set and errs, and returns the unit
// measure it imposes, if any.
func (s *Service) outcome(ctx context.Context, cs *model.Case, d Decision, set map[string]any, errs form.Errors) (*units.CaseMeasure, error) {
	if d.Outcome != OutcomeSubstantiated && d.Outcome != OutcomeUnsubstantiated {
		errs.Add("outcome", "form.choose")
	}
	set["outcome"] = d.Outcome
	if d.Outcome != OutcomeSubstantiated {
		return nil, nil
	}
	if fine := strings.TrimSpace(d.Fine); fine != "" {
		cents, ok := reports.ParseYuan(fine)
		if !ok {
			errs.Add("fine", "report.amount_format", reports.MaxAmountYuan)
		}
		set["fine_cents"] = cents
	}
	switch d.InstrumentMeasure {
	case InstrumentMeasureNone, InstrumentMeasureSealed, InstrumentMeasureConfiscated:
		set["instrument_measure"] = d.InstrumentMeasure
	default:
		errs.Add("instrument_measure", "form.choose")
	}
	switch d.UnitMeasure {
	case UnitMeasureNone, UnitMeasureWarning:
		set["unit_measure"] = d.UnitMeasure
		return nil, nil
	case UnitMeasureSuspended, UnitMeasureRevoked:
		set["unit_measure"] = d.UnitMeasure
	default:
		errs.Add("unit_measure", "form.choose")
		return nil, nil
	}
	r, err := s.Store.ReportByID(ctx, cs.ReportID)
	if err != nil {
		return nil, err
	}
	if r.UnitID == nil { // a report about no registered unit
		errs.Add("unit_measure", "case.unit_measure_impossible")
		return nil, nil
	}
	return &units.CaseMeasure{UnitID: *r.UnitID, Measure: d.UnitMeasure, CaseID: cs.ID, AgencyID: cs.AgencyID,
		TrackingNo: r.TrackingNo}, nil
}
