package units

import (
	"context"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/notices"
	"honestmeasure/internal/pii"
	"honestmeasure/internal/storage"
)

// Review approves, returns, suspends, reinstates or revokes unit id, as the
// transition table allows an officer; who must be staff with jurisdiction
// (StaffUnit). The reason, required where the table says so, is shown to
// the merchant, and for suspension and revocation on the public page. It
// returns the transition made.
//
// A reason the public reads (suspension, revocation) passes the moderation
// gate; confirmed are the digests of the texts the officer agreed to publish
// masked (moderation.ConfirmField).
func (s *Service) Review(ctx context.Context, who audit.Actor, id int64, action Action, why string, confirmed ...string) (Transition, error) {
	u, err := s.StaffUnit(ctx, who, id)
	if err != nil {
		return Transition{}, err
	}
	tr, err := Next(u.Status, action, ByOfficer)
	if err != nil {
		return Transition{}, ErrNotAllowed
	}
	errs := form.Errors{}
	why = reason(why, tr.NeedsReason, "reason", errs)
	var public []moderation.Text
	if PublicReason(tr.To) {
		public = append(public, moderation.Text{Field: "reason", Value: why})
	}
	checked, err := moderation.Gate(pii.Known{}, confirmed, errs, public...)
	if err != nil {
		return Transition{}, err
	}
	if PublicReason(tr.To) {
		why = moderation.Published(checked, "reason")
	}
	told, err := s.ownerTold(ctx, s.Store, u, u.Status, tr.To, why)
	if err != nil {
		return Transition{}, err
	}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.ChangeUnitStatus(ctx, storage.UnitChange{UnitID: u.ID, From: u.Status, To: tr.To, Reason: why,
			ActorID: actorID(who), At: s.now()}); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, told...); err != nil {
			return err
		}
		if c, ok := moderation.Find(checked, "reason"); ok {
			at := moderation.Subject{ObjectType: audit.ObjectUnit, ObjectID: u.ID, Field: "status_reason",
				AuditType: audit.ObjectUnit, AuditID: u.ID, AgencyID: who.User.AgencyID}
			if err := moderation.Record(ctx, tx, s.Audit, who, c, s.now(), at); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, who, audit.ActionUnitStatus, u.ID, who.User.AgencyID,
			map[string]any{"status": u.Status}, map[string]any{"status": tr.To, "reason": why})
	})
	if err != nil {
		return Transition{}, changed(err)
	}
	return tr, nil
}

// PublicReason says whether a unit's reason for entering status is shown
// to the public (a suspended or revoked unit's page says why).
func PublicReason(status model.UnitStatus) bool {
	return status == model.UnitSuspended || status == model.UnitRevoked
}

// ReleaseCreditCode makes unit id give up the credit code it holds, so the
// business whose code it is can apply: a supervisor of the agency with
// jurisdiction or the city admin (MayReleaseCreditCode; anyone else gets
// NotFound), with a reason that the holder is told (by e-mail, when the
// account has an address) and the audit log keeps. The unit's status stays;
// if it was published on a false code, revoking it is a separate decision.
func (s *Service) ReleaseCreditCode(ctx context.Context, who audit.Actor, id int64, why string) error {
	u, err := s.StaffUnit(ctx, who, id)
	if err != nil {
		return err
	}
	if !MayReleaseCreditCode(who.User.Role) {
		return storage.ErrNotFound
	}
	if !HoldsCreditCode(u) {
		return ErrChanged // the page offered the release while it held one
	}
	errs := form.Errors{}
	why = reason(why, true, "release_reason", errs)
	if errs.Any() {
		return fail.Fields(errs)
	}
	owner, err := s.Store.UserByID(ctx, u.OwnerUserID)
	if err != nil {
		return unexpected("owner of unit", err)
	}
	now := s.now()
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.ReleaseCreditCode(ctx, u.ID, actorID(who), why, now, notices.CreditCodeReleased(owner, u, why, s.BaseURL)...); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionUnitChange, u.ID, who.User.AgencyID,
			map[string]any{"uscc_held": u.USCC}, map[string]any{"uscc_held": nil, "released_because": why})
	})
	return changed(err)
}

// ownerTold builds the notice to u's owner of a change from one status to
// another (notices.UnitStatusChanged), to be enqueued in the change's
// transaction (read through st: the caller's transaction, if it has one).
func (s *Service) ownerTold(ctx context.Context, st *storage.Store, u *model.Unit, from, to model.UnitStatus, why string) ([]model.OutboxMessage, error) {
	owner, err := st.UserByID(ctx, u.OwnerUserID)
	if err != nil {
		return nil, unexpected("owner of unit", err)
	}
	return notices.UnitStatusChanged(owner, u, from, to, why, s.BaseURL)
}
