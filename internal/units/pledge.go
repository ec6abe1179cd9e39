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

// Signature is what the merchant puts on the pledge form. SignPledge and
// Renew leave in it the cleaned values, for showing the form again.
type Signature struct {
	SignerName  string
	SignerTitle string
	Agreed      bool   // the "I have read and agree" box
	Version     string // the version of the pledge text the form showed
}

// RenewalLeadDays is how many days before a pledge runs out its renewal is
// offered. A new pledge runs from the day it is signed, so renewing earlier
// would only throw away the months the old one still had; the pledge has no
// reminders of its own (HM_EXPIRY_REMINDER_DAYS are for certificates), so
// the window is wide enough to be noticed on the merchant's page in time.
const RenewalLeadDays = 60

// RenewalOpens is the first day (a model.DateOf date) on which pledge p may
// be renewed: RenewalLeadDays before its valid-until day.
func RenewalOpens(p *model.Pledge) time.Time {
	return model.DateOf(p.ValidUntil).AddDate(0, 0, -RenewalLeadDays)
}

// RenewalDue says whether pledge p is due for renewal at now: none stands
// (p is nil or superseded), or today is RenewalOpens(p) or later, including
// once it has run out.
func RenewalDue(p *model.Pledge, now time.Time) bool {
	if p == nil || p.SupersededAt != nil {
		return true
	}
	return !model.DateOf(now).Before(RenewalOpens(p))
}

// MayRenew says whether the owner of a unit in status s whose current pledge
// is p (nil: none) is offered its renewal at now: s is a status of renewal
// (PledgeAllowed) and the pledge is due (RenewalDue), or the unit expired,
// which is what its pledge running out means. The unit page offers the
// renewal and Renew accepts it by this one rule.
func MayRenew(s model.UnitStatus, p *model.Pledge, now time.Time) bool {
	_, renewal := PledgeAllowed(s)
	return renewal && (s == model.UnitExpired || RenewalDue(p, now))
}

// SignPledge stores the owner's signature of the current pledge text on
// unit id, with the time, the signer's address (who.IP), the text version
// and the SHA-256 of the exact words shown. While the unit is being applied
// for, that is all; once it is published or expired, signing is its
// renewal (Renew), refused with ErrRenewalNotDue while the pledge is not
// due. In any other status (PledgeAllowed) it gives ErrPledgeNotAllowed.
func (s *Service) SignPledge(ctx context.Context, who audit.Actor, id int64, sig *Signature) (*model.Pledge, error) {
	return s.sign(ctx, who, id, sig, false)
}

// Renew signs a new pledge for the owner's published or expired unit id,
// which renews it: a published unit stays published (the pledge simply
// extends it), an expired one goes back to review. A unit not due for
// renewal gives ErrPledgeNotAllowed; one whose pledge is not yet due for
// renewal (MayRenew) gives ErrRenewalNotDue.
func (s *Service) Renew(ctx context.Context, who audit.Actor, id int64, sig *Signature) (*model.Pledge, error) {
	return s.sign(ctx, who, id, sig, true)
}

func (s *Service) sign(ctx context.Context, who audit.Actor, id int64, sig *Signature, renewOnly bool) (*model.Pledge, error) {
	u, err := s.OwnUnit(ctx, who, id)
	if err != nil {
		return nil, err
	}
	allowed, renewal := PledgeAllowed(u.Status)
	if !allowed || renewOnly && !renewal {
		return nil, ErrPledgeNotAllowed
	}
	if renewal {
		current, err := s.Store.CurrentPledge(ctx, u.ID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		if !MayRenew(u.Status, current, s.now()) {
			return nil, ErrRenewalNotDue
		}
	}
	sig.SignerName, sig.SignerTitle = form.Clean(sig.SignerName), form.Clean(sig.SignerTitle)
	errs := form.Errors{}
	for _, f := range []struct{ field, value string }{{"signer_name", sig.SignerName}, {"signer_title", sig.SignerTitle}} {
		if f.value == "" {
			errs.Add(f.field, "form.required")
		} else if form.TooLong(f.value, 100) {
			errs.Add(f.field, "form.too_long", 100)
		}
	}
	if !sig.Agreed {
		errs.Add("agree", "pledge.must_agree")
	}
	text, err := s.Store.CurrentPledgeText(ctx)
	if err != nil {
		return nil, unexpected("current pledge text", err)
	}
	// The form names the version it showed; if a new version was published
	// meanwhile, the merchant must read it before signing.
	if sig.Version != text.Version {
		errs.Add("agree", "pledge.text_changed")
	}
	if errs.Any() {
		return nil, fail.Fields(errs)
	}
	now := s.now()
	p := &model.Pledge{UnitID: u.ID, PledgeTextID: text.ID, SignerName: sig.SignerName, SignerTitle: sig.SignerTitle,
		SignerUserID: actorID(who), SignerIP: who.IP, SignedAt: now, ValidUntil: now.AddDate(0, text.ValidMonths, 0),
		TextSHA256: model.PledgeDigest(text.TitleZh, text.BodyZh, text.TitleEn, text.BodyEn)}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.SignPledge(ctx, p); err != nil {
			return err
		}
		if !renewal {
			return nil
		}
		tr, err := Next(u.Status, ActRenew, ByMerchant)
		if err != nil {
			return err
		}
		if err := tx.ChangeUnitStatus(ctx, storage.UnitChange{UnitID: u.ID, From: u.Status, To: tr.To, ActorID: actorID(who), At: now}); err != nil {
			return err
		}
		return s.record(ctx, tx, who, audit.ActionUnitStatus, u.ID, nil, map[string]any{"status": u.Status},
			map[string]any{"status": tr.To, "renewed_pledge": text.Version})
	})
	if err != nil {
		return nil, changed(err)
	}
	return p, nil
}
