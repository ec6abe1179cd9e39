package units

import (
	"context"
	"errors"
	"strconv"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/storage"
)

// Once an officer approved a unit, its name, credit code, business type,
// district and address are what the public relies on (EditableFields): the
// owner changes them only through a change request that an officer of the
// agency with jurisdiction approves or rejects, one open request per unit.

// MayRequestChange reports whether the owner of a unit in status s may ask
// to change its approved details: while it is published, suspended or
// expired. Before approval the whole application is open, or under review
// (the officer returns it to have it changed); a revoked unit is closed.
func MayRequestChange(s model.UnitStatus) bool {
	return s == model.UnitApproved || s == model.UnitSuspended || s == model.UnitExpired
}

var (
	// ErrChangeNotAllowed: the unit's status allows no change request
	// (MayRequestChange), or no longer allows the decision.
	ErrChangeNotAllowed = refusal(fail.Conflict, "change request not allowed in this status", "action", "unitchange.not_allowed")
	// ErrChangeOpen: the unit has an open change request already; it is
	// decided or withdrawn before another is sent.
	ErrChangeOpen = refusal(fail.Conflict, "a change request is open", "action", "unitchange.already_open")
	// ErrChangeCodeHeld: approving would give the unit a credit code another
	// unit holds; nothing was written.
	ErrChangeCodeHeld = refusal(fail.Conflict, "requested credit code held by another unit", "action", "unitchange.uscc_unavailable")
	// ErrChangeInvalid: the requested values no longer pass the checks of
	// an application (a district was removed since); the request can only
	// be rejected.
	ErrChangeInvalid = refusal(fail.Conflict, "requested values no longer valid", "action", "unitchange.no_longer_valid")
)

// ChangeProposal is a change request as the merchant typed it: the locked
// fields of an Application (the others are ignored) and why.
type ChangeProposal struct {
	// Form is what was typed; RequestChange leaves in it the cleaned
	// values, for a form sent back.
	Form   Application
	Reason string
}

// ChangeForm is unit id as its owner who may ask to change it, with its
// open change request (nil when there is none). A unit whose status allows
// no request gives ErrChangeNotAllowed; another's unit storage.ErrNotFound.
func (s *Service) ChangeForm(ctx context.Context, who audit.Actor, id int64) (*model.Unit, *model.UnitChangeRequest, error) {
	u, err := s.OwnUnit(ctx, who, id)
	if err != nil {
		return nil, nil, err
	}
	if !MayRequestChange(u.Status) {
		return nil, nil, ErrChangeNotAllowed
	}
	r, err := s.Store.LatestChangeRequest(ctx, u.ID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return u, nil, nil
	case err != nil:
		return nil, nil, err
	case r.State != model.ChangeOpen:
		r = nil
	}
	return u, r, nil
}

// proposed is u with the locked fields of a in place of its own, checked
// as an application is (Application.Validate) against the districts there
// are; a is left cleaned.
func (s *Service) proposed(ctx context.Context, u *model.Unit, a *Application) (*model.Unit, form.Errors, error) {
	districts, err := s.Store.Districts(ctx)
	if err != nil {
		return nil, nil, err
	}
	full := FromUnit(u)
	full.Name, full.USCC, full.BusinessType, full.DistrictID, full.Address = a.Name, a.USCC, a.BusinessType, a.DistrictID, a.Address
	next := *u
	errs := full.Validate(districts, &next)
	a.Name, a.USCC, a.BusinessType, a.DistrictID, a.Address = full.Name, full.USCC, full.BusinessType, full.DistrictID, full.Address
	if errs == nil {
		errs = form.Errors{}
	}
	return &next, errs, nil
}

func lockedFields(name, code string, bt model.BusinessType, district int64, address string) map[string]any {
	return map[string]any{"name": name, "uscc": code, "business_type": bt, "district_id": district, "address": address}
}

// RequestChange sends the owner's request to change unit id's approved
// details, with a reason. The new values pass the same checks as an
// application; a request that changes nothing, or names a credit code
// another unit holds, is refused; a unit with an open request gives
// ErrChangeOpen. The unit itself does not change until an officer approves.
func (s *Service) RequestChange(ctx context.Context, who audit.Actor, id int64, p *ChangeProposal) (*model.UnitChangeRequest, error) {
	u, _, err := s.ChangeForm(ctx, who, id)
	if err != nil {
		return nil, err
	}
	next, errs, err := s.proposed(ctx, u, &p.Form)
	if err != nil {
		return nil, err
	}
	p.Reason = reason(p.Reason, true, "reason", errs)
	if !errs.Any() && next.Name == u.Name && next.USCC == u.USCC && next.BusinessType == u.BusinessType &&
		next.DistrictID == u.DistrictID && next.Address == u.Address {
		errs.Add("form", "unitchange.nothing_changed")
	}
	if errs.Any() {
		return nil, fail.Fields(errs)
	}
	if next.USCC != u.USCC {
		held, err := s.Store.CreditCodeHeld(ctx, next.USCC, u.ID)
		if err != nil {
			return nil, err
		}
		if held {
			return nil, errCodeUnavailable
		}
	}
	r := &model.UnitChangeRequest{UnitID: u.ID, RequestedBy: who.User.ID,
		FromName: u.Name, FromUSCC: u.USCC, FromBusinessType: u.BusinessType, FromDistrictID: u.DistrictID, FromAddress: u.Address,
		Name: next.Name, USCC: next.USCC, BusinessType: next.BusinessType, DistrictID: next.DistrictID, Address: next.Address,
		Reason: p.Reason, CreatedAt: s.now()}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.CreateChangeRequest(ctx, r); err != nil {
			return err
		}
		after := lockedFields(r.Name, r.USCC, r.BusinessType, r.DistrictID, r.Address)
		after["change_request"], after["state"], after["reason"] = r.ID, r.State, r.Reason
		return s.record(ctx, tx, who, audit.ActionUnitChangeRequest, u.ID, nil,
			lockedFields(u.Name, u.USCC, u.BusinessType, u.DistrictID, u.Address), after)
	})
	if errors.Is(err, storage.ErrDuplicate) {
		return nil, ErrChangeOpen
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// WithdrawChange takes back the owner's open change request of unit id. A
// request decided meanwhile gives ErrChanged.
func (s *Service) WithdrawChange(ctx context.Context, who audit.Actor, id int64) error {
	u, err := s.OwnUnit(ctx, who, id)
	if err != nil {
		return err
	}
	r, err := s.Store.LatestChangeRequest(ctx, u.ID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && r.State != model.ChangeOpen) {
		return ErrChanged
	}
	if err != nil {
		return err
	}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.CloseChangeRequest(ctx, storage.ChangeDecision{RequestID: r.ID, State: model.ChangeWithdrawn,
			By: actorID(who), At: s.now()}); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionUnitChangeRequest, u.ID, nil,
			map[string]any{"change_request": r.ID, "state": model.ChangeOpen},
			map[string]any{"change_request": r.ID, "state": model.ChangeWithdrawn})
	})
	return changed(err)
}

// StaffChangeRequest is change request id with its unit, if who is staff
// with jurisdiction over the unit (StaffUnit); otherwise storage.ErrNotFound.
func (s *Service) StaffChangeRequest(ctx context.Context, who audit.Actor, id int64) (*model.UnitChangeRequest, *model.Unit, error) {
	r, err := s.Store.ChangeRequestByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.StaffUnit(ctx, who, r.UnitID)
	if err != nil {
		return nil, nil, err
	}
	return r, u, nil
}

// DecideChange approves or rejects the open change request id; who must be
// staff with jurisdiction over its unit, as for Review. Approval writes the
// requested values into the unit in the same transaction as the decision,
// audited with the details before and after, after checking them again as
// an application is checked (ErrChangeInvalid) and against the credit codes
// other units hold (ErrChangeCodeHeld). A rejection needs a reason. The
// owner is told either way (notices.UnitChangeDecided). A request decided
// or withdrawn meanwhile, or a unit changed meanwhile, gives ErrChanged.
func (s *Service) DecideChange(ctx context.Context, who audit.Actor, id int64, approve bool, why string) (*model.UnitChangeRequest, error) {
	r, u, err := s.StaffChangeRequest(ctx, who, id)
	if err != nil {
		return nil, err
	}
	if r.State != model.ChangeOpen {
		return nil, ErrChanged
	}
	if !MayRequestChange(u.Status) {
		return nil, ErrChangeNotAllowed
	}
	errs := form.Errors{}
	why = reason(why, !approve, "decision_reason", errs)
	if errs.Any() {
		return nil, fail.Fields(errs)
	}
	decision := storage.ChangeDecision{RequestID: r.ID, State: model.ChangeRejected, By: actorID(who), Reason: why, At: s.now()}
	if approve {
		decision.State = model.ChangeApproved
		a := Application{Name: r.Name, USCC: r.USCC, BusinessType: string(r.BusinessType),
			DistrictID: strconv.FormatInt(r.DistrictID, 10), Address: r.Address}
		_, problems, err := s.proposed(ctx, u, &a)
		if err != nil {
			return nil, err
		}
		if problems.Any() {
			return nil, ErrChangeInvalid
		}
		if r.USCC != u.USCC {
			held, err := s.Store.CreditCodeHeld(ctx, r.USCC, u.ID)
			if err != nil {
				return nil, err
			}
			if held {
				return nil, ErrChangeCodeHeld
			}
		}
	}
	decided := *r
	decided.State, decided.DecidedBy, decided.DecidedAt, decided.DecisionReason = decision.State, decision.By, &decision.At, why
	owner, err := s.Store.UserByID(ctx, u.OwnerUserID)
	if err != nil {
		return nil, unexpected("owner of unit", err)
	}
	told, err := notices.UnitChangeDecided(owner, u, &decided, s.BaseURL)
	if err != nil {
		return nil, err
	}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if approve {
			if err := tx.ApplyChangeRequest(ctx, r, u.Status, decision); err != nil {
				return err
			}
			after := lockedFields(r.Name, r.USCC, r.BusinessType, r.DistrictID, r.Address)
			after["change_request"] = r.ID
			if why != "" {
				after["reason"] = why
			}
			if err := s.record(ctx, tx, who, audit.ActionUnitChange, u.ID, who.User.AgencyID,
				lockedFields(u.Name, u.USCC, u.BusinessType, u.DistrictID, u.Address), after); err != nil {
				return err
			}
		} else {
			if err := tx.CloseChangeRequest(ctx, decision); err != nil {
				return err
			}
			if err := s.record(ctx, tx, who, audit.ActionUnitChangeRequest, u.ID, who.User.AgencyID,
				map[string]any{"change_request": r.ID, "state": model.ChangeOpen},
				map[string]any{"change_request": r.ID, "state": model.ChangeRejected, "reason": why}); err != nil {
				return err
			}
		}
		return tx.Enqueue(ctx, told...)
	})
	switch {
	case errors.Is(err, storage.ErrDuplicate):
		return nil, ErrChangeCodeHeld
	case err != nil:
		return nil, changed(err)
	}
	return &decided, nil
}
