package units

import (
	"context"
	"errors"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// Changes is an application as the merchant sent it, with the shop-front
// photo already cleaned (internal/photos) before the call.
type Changes struct {
	// Form is what was typed. Create and Update leave in it what the form
	// should show again: the cleaned values, and for a published unit the
	// approved fields as approved.
	Form Application
	// Photo is a new shop-front photo (its UnitID is filled in); nil keeps
	// the one there is.
	Photo *model.UnitPhoto
	// PhotoProblem is why the uploaded photo was refused, if it was; it is
	// shown beside the photo field with the form's other problems.
	PhotoProblem *form.Message
	// FormKey is the form's random key (NewFormKey, in a hidden field). A
	// photo sent with a form that has problems is held under it, and the
	// save that succeeds without a new photo uses the one held.
	FormKey string
	// DropHeld: the merchant removed the photo held for the form.
	DropHeld bool
}

// Create saves a new application of merchant who as a draft, with its
// photo. A draft reserves no credit code, but one that another unit holds
// is refused at once: submission would refuse it after the whole
// application was filled in.
func (s *Service) Create(ctx context.Context, who audit.Actor, ch *Changes) (*model.Unit, error) {
	if who.User == nil || !MayApply(who.User.Role) {
		return nil, storage.ErrNotFound
	}
	u := &model.Unit{OwnerUserID: who.User.ID, Status: model.UnitDraft}
	if err := s.save(ctx, u, ch, func(tx *storage.Store) error { return tx.CreateUnit(ctx, u) }); err != nil {
		return nil, err
	}
	return u, nil
}

// Editable is unit id as its owner who may edit it, and whether every field
// is open (all) or only the contact details and opening hours. A unit whose
// status allows no edit gives ErrNotEditable.
func (s *Service) Editable(ctx context.Context, who audit.Actor, id int64) (u *model.Unit, all bool, err error) {
	if u, err = s.OwnUnit(ctx, who, id); err != nil {
		return nil, false, err
	}
	all, contact := EditableFields(u.Status)
	if !contact {
		return nil, false, ErrNotEditable
	}
	return u, all, nil
}

// Update saves the owner's edits of unit id, with its photo. Once approved
// only the contact details and opening hours change: the fields the
// officer approved are kept whatever the form sent. A unit whose status
// changed meanwhile gives ErrChanged and nothing is written.
func (s *Service) Update(ctx context.Context, who audit.Actor, id int64, ch *Changes) (*model.Unit, error) {
	u, all, err := s.Editable(ctx, who, id)
	if err != nil {
		return nil, err
	}
	if !all {
		ch.Form.KeepApproved(u)
	}
	if err := s.save(ctx, u, ch, func(tx *storage.Store) error { return tx.UpdateUnitDetails(ctx, u) }); err != nil {
		return nil, err
	}
	return u, nil
}

// save validates ch into u, then stores it through write together with the
// photo (the one sent, or else the one held for the form), in one
// transaction. Field problems are Invalid and nothing is stored but the
// photo sent, which is held for the form's next try.
func (s *Service) save(ctx context.Context, u *model.Unit, ch *Changes, write func(tx *storage.Store) error) error {
	key := heldKey(u.OwnerUserID, ch.FormKey)
	if ch.DropHeld && key != "" {
		if err := s.dropHeld(ctx, s.Store, key); err != nil {
			return err
		}
	}
	err := s.check(ctx, u, ch)
	if err == nil {
		err = s.store(ctx, u, ch, key, write)
	}
	if e, ok := fail.As(err); ok && e.Kind == fail.Invalid && ch.Photo != nil {
		if err := s.holdPhoto(ctx, key, ch.Photo); err != nil {
			return err
		}
	}
	return err
}

// check validates ch into u.
func (s *Service) check(ctx context.Context, u *model.Unit, ch *Changes) error {
	districts, err := s.Store.Districts(ctx)
	if err != nil {
		return err
	}
	errs := ch.Form.Validate(districts, u)
	if ch.PhotoProblem != nil {
		if errs == nil {
			errs = form.Errors{}
		}
		errs["shop_photo"] = *ch.PhotoProblem
	}
	if errs.Any() {
		return fail.Fields(errs)
	}
	// A draft reserves nothing, so the unique index would let it through;
	// refusing early spares the business filling in a whole application
	// that submission would refuse. The wording says nothing about why.
	held, err := s.Store.CreditCodeHeld(ctx, u.USCC, u.ID)
	if err != nil {
		return err
	}
	if held {
		return errCodeUnavailable
	}
	return nil
}

// store writes u through write with its photo: ch's, or else the one held
// under key, which is then deleted in the same transaction.
func (s *Service) store(ctx context.Context, u *model.Unit, ch *Changes, key string, write func(tx *storage.Store) error) error {
	err := s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := write(tx); err != nil {
			return err
		}
		photo := ch.Photo
		if photo == nil {
			held, err := s.heldPhoto(ctx, tx, key, true)
			if err != nil || held == nil {
				return err
			}
			photo = &model.UnitPhoto{ContentType: held.ContentType, Width: held.Width, Height: held.Height, Data: held.Data}
		}
		if key != "" {
			if err := s.dropHeld(ctx, tx, key); err != nil {
				return err
			}
		}
		p := *photo
		p.UnitID = u.ID
		return tx.SetUnitPhoto(ctx, &p)
	})
	switch {
	case errors.Is(err, storage.ErrDuplicate):
		return errCodeUnavailable
	case errors.Is(err, storage.ErrConflict):
		return ErrChanged
	}
	return err
}

// Submit sends the owner's draft or returned unit id for review. A valid
// pledge and at least one instrument in use are needed (SubmitReadiness);
// submission reserves the credit code, so a code another unit holds gives
// ErrCreditCodeHeld. It returns the unit as submitted.
func (s *Service) Submit(ctx context.Context, who audit.Actor, id int64) (*model.Unit, error) {
	u, err := s.OwnUnit(ctx, who, id)
	if err != nil {
		return nil, err
	}
	tr, err := Next(u.Status, ActSubmit, ByMerchant)
	if err != nil {
		return nil, ErrCannotSubmit
	}
	now := s.now()
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		pledgeValid, instruments, err := s.readiness(ctx, tx, u.ID, now)
		if err != nil {
			return err
		}
		if !SubmitReadiness(u.Status, pledgeValid, instruments).Ready() {
			return ErrCannotSubmit
		}
		if err := tx.ChangeUnitStatus(ctx, storage.UnitChange{UnitID: u.ID, From: u.Status, To: tr.To, ActorID: actorID(who), At: now}); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionUnitStatus, u.ID, nil, map[string]any{"status": u.Status}, map[string]any{"status": tr.To})
	})
	if err != nil {
		return nil, changed(err)
	}
	u.Status = tr.To
	return u, nil
}

// readiness is what SubmitReadiness needs to know of unit id.
func (s *Service) readiness(ctx context.Context, st *storage.Store, id int64, now time.Time) (pledgeValid bool, instruments int, err error) {
	p, err := st.CurrentPledge(ctx, id)
	switch {
	case err == nil:
		pledgeValid = p.Valid(now)
	case !errors.Is(err, storage.ErrNotFound):
		return false, 0, err
	}
	views, err := st.InstrumentsOfUnits(ctx, []int64{id}, false)
	return pledgeValid, len(views), err
}
