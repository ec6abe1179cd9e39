package verification

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// Conflict queue errors.
var (
	ErrConflictNotFound = fail.New(fail.NotFound, "conflict not found")
	ErrConflictClosed   = storage.ErrConflict.WithField("action", "conflict.closed_meanwhile")
	ErrNoTips           = fail.Field(fail.Conflict, "action", "conflict.tip_unavailable")
)

// MayWorkConflicts says whether role works the conflict queue: staff of the
// supervising agency, and the city admin for all.
func MayWorkConflicts(role model.Role) bool { return role.Staff() }

// ConflictScope narrows f to what who may see: the conflicts of the units
// in who's jurisdiction (the agency supervising them), all for the city
// admin. ok is false for anyone else.
func ConflictScope(who *model.User, f storage.ConflictFilter) (storage.ConflictFilter, bool) {
	agency, ok := who.Jurisdiction()
	if !ok || !MayWorkConflicts(who.Role) {
		return f, false
	}
	f.AgencyID = agency
	return f, true
}

// Conflicts lists the queue as who may see it.
func (s *Service) Conflicts(ctx context.Context, who *model.User, f storage.ConflictFilter) ([]model.Conflict, int64, error) {
	f, ok := ConflictScope(who, f)
	if !ok {
		return nil, 0, ErrConflictNotFound
	}
	return s.Store.Conflicts(ctx, f)
}

// MerchantConflicts lists the open conflicts about a merchant's own units:
// what they are asked to put right.
func (s *Service) MerchantConflicts(ctx context.Context, who *model.User, unitIDs []int64) ([]model.Conflict, error) {
	if who == nil || who.Role != model.RoleMerchant {
		return nil, ErrConflictNotFound
	}
	out, _, err := s.Store.Conflicts(ctx, storage.ConflictFilter{UnitIDs: unitIDs, Status: model.ConflictOpen})
	return out, err
}

// Conflict finds one conflict who may see.
func (s *Service) Conflict(ctx context.Context, who *model.User, id int64) (*model.Conflict, error) {
	c, err := s.Store.ConflictByID(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrConflictNotFound
	}
	if err != nil {
		return nil, err
	}
	agency, ok := who.Jurisdiction()
	if !ok || !MayWorkConflicts(who.Role) || (agency != nil && (c.AgencyID == nil || *c.AgencyID != *agency)) {
		return nil, ErrConflictNotFound
	}
	return c, nil
}

// Detail decodes what each side said.
func Detail(c *model.Conflict) map[string]string {
	out := map[string]string{}
	if c.Detail != nil {
		_ = json.Unmarshal([]byte(*c.Detail), &out)
	}
	return out
}

// MaxReason bounds an officer's reason for closing a conflict.
const MaxReason = 1000

// Close resolves or dismisses an open conflict, with the officer's reason,
// audited.
func (s *Service) Close(ctx context.Context, who audit.Actor, id int64, status model.ConflictStatus, reason string) error {
	c, err := s.Conflict(ctx, who.User, id)
	if err != nil {
		return err
	}
	reason = form.Clean(reason)
	errs := form.Errors{}
	switch {
	case status != model.ConflictResolved && status != model.ConflictDismissed:
		errs.Add("action", "conflict.unknown_action")
	case reason == "":
		errs.Add("reason", "form.required")
	case form.TooLong(reason, MaxReason):
		errs.Add("reason", "form.too_long", MaxReason)
	}
	if errs.Any() {
		return fail.Fields(errs)
	}
	return s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.CloseConflict(ctx, c.ID, status, &who.User.ID, reason, nil, s.now()); err != nil {
			if errors.Is(err, storage.ErrConflict) {
				return ErrConflictClosed
			}
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event{Action: audit.ActionConflictClose, ObjectType: audit.ObjectConflict,
			ObjectID: strconv.FormatInt(c.ID, 10), AgencyID: c.AgencyID,
			Before: map[string]any{"status": c.Status}, After: map[string]any{"status": status, "reason": reason}}.By(who))
	})
}

// OpenTip opens an internal tip in the false-certificate category about the
// conflict's unit (and instrument), links it, and resolves the conflict:
// the case now carries the matter.
func (s *Service) OpenTip(ctx context.Context, who audit.Actor, id int64, text string) (*model.Case, error) {
	if s.Tips == nil {
		return nil, ErrNoTips
	}
	c, err := s.Conflict(ctx, who.User, id)
	if err != nil {
		return nil, err
	}
	if c.Status != model.ConflictOpen || c.UnitID == nil {
		return nil, ErrConflictClosed
	}
	unit, err := s.Store.UnitByID(ctx, *c.UnitID)
	if err != nil {
		return nil, err
	}
	var ins *model.Instrument
	if c.InstrumentID != nil {
		if ins, err = s.Store.InstrumentByID(ctx, *c.InstrumentID); err != nil {
			return nil, err
		}
	}
	text = form.Clean(text)
	if text == "" {
		d := Detail(c)
		text = fmt.Sprintf("核查检定信息冲突 #%d（%s）：机构记录 %s / 商户申报 %s，出厂编号 %s", c.ID, c.Kind,
			d["body_certificate"], d["declared_certificate"], d["serial"])
	}
	cs, err := s.Tips.OpenInternalTip(ctx, who, unit, ins, model.CategoryFalseData, text)
	if err != nil {
		return nil, err
	}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		reason := "tip opened: case " + strconv.FormatInt(cs.ID, 10)
		if err := tx.CloseConflict(ctx, c.ID, model.ConflictResolved, &who.User.ID, reason, &cs.ID, s.now()); err != nil {
			if errors.Is(err, storage.ErrConflict) {
				// Closed meanwhile: keep the link to the tip all the same.
				return tx.SetConflictCase(ctx, c.ID, cs.ID)
			}
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event{Action: audit.ActionConflictTip, ObjectType: audit.ObjectConflict,
			ObjectID: strconv.FormatInt(c.ID, 10), AgencyID: c.AgencyID, After: map[string]any{"case_id": cs.ID}}.By(who))
	})
	return cs, err
}

// CheckUnconfirmed files an "unconfirmed" conflict for every merchant's
// declaration that is its instrument's current record and that no body's
// record has confirmed within UnconfirmedAfterDays. Idempotent (one
// conflict per declaration), so every instance may run it; it returns how
// many it filed.
func (s *Service) CheckUnconfirmed(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-time.Duration(s.unconfirmedAfter()) * 24 * time.Hour)
	filed, after := 0, int64(0)
	for {
		decl, err := s.Store.UnconfirmedDeclarations(ctx, cutoff, after, 200)
		if err != nil || len(decl) == 0 {
			return filed, err
		}
		for i := range decl {
			d := &decl[i]
			after = d.ID
			n, err := s.fileUnconfirmed(ctx, d)
			if err != nil {
				return filed, err
			}
			filed += n
		}
	}
}

func (s *Service) fileUnconfirmed(ctx context.Context, d *model.VerificationRecord) (int, error) {
	records, err := s.Store.InstrumentRecords(ctx, *d.InstrumentID)
	if err != nil {
		return 0, err
	}
	if cur := model.Current(records); cur == nil || cur.ID != d.ID {
		return 0, nil // superseded by a later record: nothing to confirm
	}
	ins, err := s.Store.InstrumentByID(ctx, *d.InstrumentID)
	if err != nil {
		return 0, err
	}
	unit, err := s.Store.UnitByID(ctx, ins.UnitID)
	if err != nil {
		return 0, err
	}
	if unit.Status == model.UnitDraft || unit.Status == model.UnitRevoked {
		return 0, nil
	}
	agency, err := s.agencyOf(ctx, s.Store, unit)
	if err != nil {
		return 0, err
	}
	b, _ := json.Marshal(conflictDetail{DeclaredCertificate: d.CertificateNo, DeclaredVerifiedOn: day(&d.VerifiedOn),
		DeclaredValidUntil: day(d.ValidUntil), Serial: ins.SerialNo})
	detail := string(b)
	isNew, err := s.Store.AddConflict(ctx, &model.Conflict{Kind: model.ConflictUnconfirmed, DedupeKey: fmt.Sprintf("%s:%d", model.ConflictUnconfirmed, d.ID),
		AgencyID: agency, DistrictID: &unit.DistrictID, UnitID: &unit.ID, InstrumentID: &ins.ID, DeclaredRecordID: &d.ID,
		Detail: &detail, CreatedAt: s.now()})
	if isNew {
		return 1, err
	}
	return 0, err
}
