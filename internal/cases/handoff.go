package cases

import (
	"context"
	"errors"
	"unicode/utf8"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// Registration numbers as 12315 and 12345 print them: letters, digits and
// hyphens, at most MaxRegistrationNo characters once cleaned.
const (
	MinRegistrationNo = 4
	MaxRegistrationNo = 40
	// maxRegistrationInput bounds what is looked at before cleaning: a
	// number pasted with spaces or in full-width characters is longer in
	// bytes than the number itself, but not this much.
	maxRegistrationInput = 200
)

// RegistrationNo cleans a registration number as an officer typed or pasted
// it — spaces gone, an input method's full-width characters made
// half-width, upper case (the same cleaning as a serial number,
// model.SerialKey) — and checks it. key is "" when it is valid, else the
// locale key of the problem.
func RegistrationNo(raw string) (cleaned, key string) {
	if len(raw) > maxRegistrationInput {
		return "", "handoff.regno_invalid"
	}
	s := model.SerialKey(raw)
	if s == "" {
		return "", "handoff.regno_required"
	}
	n := utf8.RuneCountInString(s)
	if n < MinRegistrationNo || n > MaxRegistrationNo {
		return "", "handoff.regno_invalid"
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r == '-') {
			return "", "handoff.regno_invalid"
		}
	}
	return s, ""
}

// caseInJurisdiction loads case id if who may see it: staff of the handling
// agency, or the city admin. Anyone else gets NotFound, as if the case did
// not exist.
func caseInJurisdiction(ctx context.Context, st *storage.Store, who Actor, id int64) (*model.Case, error) {
	agency, ok := who.User.Jurisdiction()
	if !ok {
		return nil, errNotFound
	}
	cs, err := st.CaseByID(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	if agency != nil && *agency != cs.AgencyID {
		return nil, errNotFound
	}
	return cs, nil
}

// RecordHandoff records that case caseID was registered in target under
// regNo, or corrects the number recorded before (officers mistype): one
// record per case and target. Any staff member who may see the case may do
// it, in any status — a case is often registered after it ended. The record,
// an internal timeline entry, the case's change time (so the hand-off
// export's next pull carries it) and the audit entry (with the number it
// replaces) are written in one transaction. The same number again changes
// nothing.
func (s *Service) RecordHandoff(ctx context.Context, who Actor, caseID int64, target model.HandoffTarget, regNo string) (*model.CaseHandoff, error) {
	cs, err := caseInJurisdiction(ctx, s.Store, who, caseID)
	if err != nil {
		return nil, err
	}
	errs := form.Errors{}
	if !target.Valid() {
		errs.Add("target", "form.choose")
	}
	no, key := RegistrationNo(regNo)
	switch key {
	case "":
	case "handoff.regno_invalid":
		errs.Add("registration_no", key, MinRegistrationNo, MaxRegistrationNo)
	default:
		errs.Add("registration_no", key)
	}
	if errs.Any() {
		return nil, fail.Fields(errs)
	}
	now := s.now()
	var out *model.CaseHandoff
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		old, err := tx.CaseHandoff(ctx, cs.ID, target)
		var before any
		switch {
		case errors.Is(err, storage.ErrNotFound):
			out = &model.CaseHandoff{CaseID: cs.ID, Target: target, RegistrationNo: no, CreatedBy: who.User.ID, UpdatedBy: who.User.ID,
				CreatedAt: now, UpdatedAt: now}
			if err := tx.AddCaseHandoff(ctx, out); err != nil {
				return err
			}
		case err != nil:
			return err
		case old.RegistrationNo == no:
			out = old
			return nil
		default:
			before = map[string]any{"target": target, "registration_no": old.RegistrationNo}
			if err := tx.CorrectCaseHandoff(ctx, old.ID, no, who.User.ID, now); err != nil {
				return err
			}
			corrected := *old
			corrected.RegistrationNo, corrected.UpdatedBy, corrected.UpdatedAt = no, who.User.ID, now
			out = &corrected
		}
		body := string(target) + "：" + no
		if err := tx.AddCaseEvent(ctx, &model.CaseEvent{CaseID: cs.ID, Kind: "handoff", ActorUserID: &who.User.ID, AgencyID: &cs.AgencyID,
			FromStatus: cs.Status, ToStatus: cs.Status, Body: &body, CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.TouchCase(ctx, cs.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionCaseHandoff, cs.ID, &cs.AgencyID, before,
			map[string]any{"target": target, "registration_no": no})
	})
	if errors.Is(err, storage.ErrDuplicate) {
		// Someone recorded the same target in the meantime: show it.
		return nil, refused(fail.Conflict, "registration_no", "review.changed_meanwhile")
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Handoffs lists the case's hand-offs for who, with the same access rule
// as RecordHandoff.
func (s *Service) Handoffs(ctx context.Context, who Actor, caseID int64) ([]model.CaseHandoff, error) {
	cs, err := caseInJurisdiction(ctx, s.Store, who, caseID)
	if err != nil {
		return nil, err
	}
	return s.Store.CaseHandoffs(ctx, cs.ID)
}
