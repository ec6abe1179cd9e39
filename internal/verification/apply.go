package verification

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"honestmeasure/internal/form"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/storage"
)

// Outcome is what became (or, checked without writing, would become) of one
// record.
type Outcome struct {
	Outcome   model.RowOutcome
	RecordID  int64       // the stored record: new, or the one repeated
	Problems  form.Errors // why it was refused
	Matched   bool        // it names a registered instrument
	Conflicts []model.ConflictKind
}

func refusedOutcome(field, key string, args ...any) Outcome {
	errs := form.Errors{}
	errs.Add(field, key, args...)
	return Outcome{Outcome: model.RowRefused, Problems: errs}
}

// sameDayWindow is how far apart a body's and a merchant's verification
// dates may lie and still be the same verification: the merchant types the
// day the scale came back, the body the day it was tested.
const sameDayWindow = 31

// prior says what the stored records make of rec: a repetition, a record
// contradicting a stored one, or new (with the record it supersedes or
// cancels, when it names one). It writes nothing; apply and a preview share
// it.
func (s *Service) prior(ctx context.Context, st *storage.Store, bodyID int64, r *Record, rec *model.VerificationRecord) (Outcome, *model.VerificationRecord, error) {
	existing, err := st.BodyRecord(ctx, bodyID, rec.CertificateNo, rec.Kind)
	switch {
	case err == nil && existing.PayloadHash == rec.PayloadHash:
		return Outcome{Outcome: model.RowUnchanged, RecordID: existing.ID, Matched: existing.InstrumentID != nil}, nil, nil
	case err == nil:
		return refusedOutcome("certificate_no", "verification.already_recorded"), nil, nil
	case !errors.Is(err, storage.ErrNotFound):
		return Outcome{}, nil, err
	}
	var target *model.VerificationRecord
	err = nil
	switch {
	case rec.Kind == model.KindCancellation:
		target, err = s.certificateOf(ctx, st, bodyID, rec.CertificateNo)
		if errors.Is(err, storage.ErrNotFound) {
			return refusedOutcome("certificate_no", "verification.cancel_unknown"), nil, nil
		}
	case r.Supersedes != "":
		target, err = s.certificateOf(ctx, st, bodyID, r.Supersedes)
		if errors.Is(err, storage.ErrNotFound) {
			return refusedOutcome("supersedes", "verification.supersedes_unknown"), nil, nil
		}
	}
	if err != nil {
		return Outcome{}, nil, err
	}
	if target != nil && target.Revoked() {
		field := "supersedes"
		if rec.Kind == model.KindCancellation {
			field = "certificate_no"
		}
		return refusedOutcome(field, "verification.already_revoked"), nil, nil
	}
	return Outcome{Outcome: model.RowNew}, target, nil
}

// certificateOf finds the body's certificate or fail notice numbered no.
func (s *Service) certificateOf(ctx context.Context, st *storage.Store, bodyID int64, no string) (*model.VerificationRecord, error) {
	rec, err := st.BodyRecord(ctx, bodyID, no, model.KindCertificate)
	if errors.Is(err, storage.ErrNotFound) {
		rec, err = st.BodyRecord(ctx, bodyID, no, model.KindFailNotice)
	}
	return rec, err
}

// apply stores one checked record of body in tx: it matches the record to
// a registered instrument, revokes what it supersedes or cancels, marks the
// unit's public page changed, files the conflicts it reveals and tells the
// merchant of a failed instrument — all or nothing.
func (s *Service) apply(ctx context.Context, tx *storage.Store, body *model.VerificationBody, batchID *int64, r *Record, rec *model.VerificationRecord) (Outcome, error) {
	out, target, err := s.prior(ctx, tx, body.ID, r, rec)
	if err != nil || out.Outcome != model.RowNew {
		return out, err
	}
	now := s.now()
	rec.VerificationBodyID, rec.BodyName, rec.ImportBatchID = &body.ID, body.NameZh, batchID
	if target != nil {
		rec.SupersedesID = &target.ID
	}
	var unit *model.Unit
	var ins *model.Instrument
	if rec.Kind == model.KindCancellation {
		// A cancellation is about the certificate it cancels.
		rec.InstrumentID, rec.UnitID = target.InstrumentID, target.UnitID
		rec.SubmitterUSCC, rec.InstrumentSerial = target.SubmitterUSCC, target.InstrumentSerial
	} else if unit, ins, err = s.match(ctx, tx, r, rec); err != nil {
		return Outcome{}, err
	}
	if unit != nil {
		rec.UnitID = &unit.ID
	}
	if ins != nil {
		rec.InstrumentID = &ins.ID
		if rec.ValidUntil == nil && rec.Kind == model.KindCertificate {
			// The body gave no valid-until date: its certificate runs one
			// cycle of the instrument's type (nil for a type verified once).
			if typ, err := tx.InstrumentTypeByID(ctx, ins.TypeID); err == nil {
				rec.ValidUntil = model.CycleEnd(rec.VerifiedOn, typ.CycleMonths)
			} else {
				return Outcome{}, err
			}
		}
	}
	rec.CreatedAt = now
	if err := tx.CreateVerificationRecord(ctx, rec); err != nil {
		if errors.Is(err, storage.ErrDuplicate) {
			// The same record raced in through another request.
			return refusedOutcome("certificate_no", "verification.already_recorded"), nil
		}
		return Outcome{}, err
	}
	if target != nil {
		if err := tx.RevokeRecord(ctx, target.ID, rec.ID, now); err != nil {
			if errors.Is(err, storage.ErrConflict) {
				return Outcome{}, errRaced
			}
			return Outcome{}, err
		}
		reason := "the body's record was superseded or cancelled by record " + strconv.FormatInt(rec.ID, 10)
		if err := tx.CloseConflictsOfRecord(ctx, target.ID, reason, now); err != nil {
			return Outcome{}, err
		}
	}
	out = Outcome{Outcome: model.RowNew, RecordID: rec.ID, Matched: rec.InstrumentID != nil}
	if rec.UnitID != nil {
		if err := tx.TouchUnit(ctx, *rec.UnitID); err != nil {
			return Outcome{}, err
		}
		if unit == nil {
			if unit, err = tx.UnitByID(ctx, *rec.UnitID); err != nil {
				return Outcome{}, err
			}
		}
	}
	if unit != nil {
		if ins == nil && rec.InstrumentID != nil {
			if ins, err = tx.InstrumentByID(ctx, *rec.InstrumentID); err != nil {
				return Outcome{}, err
			}
		}
		if out.Conflicts, err = s.fileConflicts(ctx, tx, body, unit, ins, rec); err != nil {
			return Outcome{}, err
		}
		if rec.Kind == model.KindFailNotice && ins != nil {
			if err := s.tellFailed(ctx, tx, body, unit, ins, rec); err != nil {
				return Outcome{}, err
			}
		}
	}
	return out, nil
}

// errRaced: what the record revokes was revoked meanwhile by another
// request; the whole record is refused (the transaction rolls back).
var errRaced = errors.New("verification: target revoked meanwhile")

// match finds the unit that sent the instrument (by its credit code) and
// the instrument (by serial, then by type when several share it). Either
// may be nil: a unit not on the platform, or an instrument it never listed.
func (s *Service) match(ctx context.Context, tx *storage.Store, r *Record, rec *model.VerificationRecord) (*model.Unit, *model.Instrument, error) {
	unit, err := tx.UnitByCreditCode(ctx, rec.SubmitterUSCC)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	candidates, err := tx.InstrumentsBySerialKey(ctx, unit.ID, model.SerialKey(rec.InstrumentSerial))
	if err != nil || len(candidates) == 0 {
		return unit, nil, err
	}
	if len(candidates) > 1 && r.InstrumentType != "" {
		if typ, err := tx.InstrumentTypeByCode(ctx, r.InstrumentType); err == nil {
			for i := range candidates {
				if candidates[i].TypeID == typ.ID {
					return unit, &candidates[i], nil
				}
			}
		}
	}
	return unit, &candidates[0], nil
}

// conflictDetail is what the queue shows of each side.
type conflictDetail struct {
	BodyCertificate     string `json:"body_certificate,omitempty"`
	DeclaredCertificate string `json:"declared_certificate,omitempty"`
	BodyVerifiedOn      string `json:"body_verified_on,omitempty"`
	DeclaredVerifiedOn  string `json:"declared_verified_on,omitempty"`
	BodyValidUntil      string `json:"body_valid_until,omitempty"`
	DeclaredValidUntil  string `json:"declared_valid_until,omitempty"`
	BodyIdentity        string `json:"body_identity,omitempty"`
	DeclaredIdentity    string `json:"declared_identity,omitempty"`
	Serial              string `json:"serial,omitempty"`
	InstrumentName      string `json:"instrument_name,omitempty"`
}

func day(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// fileConflicts compares a body's new record with what the merchant
// declared and files each disagreement in the queue of the agency that
// supervises the unit. A certificate that confirms a declaration closes
// that declaration's "unconfirmed" conflict.
func (s *Service) fileConflicts(ctx context.Context, tx *storage.Store, body *model.VerificationBody, unit *model.Unit,
	ins *model.Instrument, rec *model.VerificationRecord) ([]model.ConflictKind, error) {
	var found []model.ConflictKind
	var agency *int64
	agencyKnown := false
	add := func(kind model.ConflictKind, declared *model.VerificationRecord, d conflictDetail) error {
		c := &model.Conflict{Kind: kind, UnitID: &unit.ID, DistrictID: &unit.DistrictID, BodyRecordID: &rec.ID,
			VerificationBodyID: &body.ID, DedupeKey: fmt.Sprintf("%s:%d", kind, rec.ID)}
		if ins != nil {
			c.InstrumentID = &ins.ID
		}
		if declared != nil {
			c.DeclaredRecordID = &declared.ID
			c.DedupeKey = fmt.Sprintf("%s:%d:%d", kind, rec.ID, declared.ID)
		}
		if !agencyKnown {
			var err error
			if agency, err = s.agencyOf(ctx, tx, unit); err != nil {
				return err
			}
			agencyKnown = true
		}
		c.AgencyID = agency
		b, _ := json.Marshal(d)
		detail := string(b)
		c.Detail = &detail
		c.CreatedAt = s.now()
		isNew, err := tx.AddConflict(ctx, c)
		if isNew {
			found = append(found, kind)
		}
		return err
	}
	if ins == nil {
		if rec.Kind == model.KindCancellation {
			return nil, nil
		}
		return found, add(model.ConflictUnregistered, nil, conflictDetail{BodyCertificate: rec.CertificateNo,
			Serial: rec.InstrumentSerial, InstrumentName: rec.InstrumentName, BodyVerifiedOn: day(&rec.VerifiedOn)})
	}
	if rec.Kind == model.KindCancellation {
		return nil, nil
	}
	if ins.IdentityCode != "" && rec.IdentityCode != "" && ins.IdentityCode != rec.IdentityCode {
		if err := add(model.ConflictIdentity, nil, conflictDetail{BodyCertificate: rec.CertificateNo, Serial: ins.SerialNo,
			BodyIdentity: rec.IdentityCode, DeclaredIdentity: ins.IdentityCode}); err != nil {
			return nil, err
		}
	}
	records, err := tx.InstrumentRecords(ctx, ins.ID)
	if err != nil {
		return nil, err
	}
	for i := range records {
		d := &records[i]
		if !d.Declared() || d.Revoked() {
			continue
		}
		detail := conflictDetail{BodyCertificate: rec.CertificateNo, DeclaredCertificate: d.CertificateNo,
			BodyVerifiedOn: day(&rec.VerifiedOn), DeclaredVerifiedOn: day(&d.VerifiedOn),
			BodyValidUntil: day(rec.ValidUntil), DeclaredValidUntil: day(d.ValidUntil), Serial: ins.SerialNo}
		apart := d.VerifiedOn.Sub(rec.VerifiedOn).Hours() / 24
		near := apart >= -sameDayWindow && apart <= sameDayWindow
		switch {
		case rec.Kind == model.KindFailNotice && d.Result == model.ResultPass && apart >= -sameDayWindow:
			// The merchant declares a pass around or after the day the
			// body failed the instrument.
			err = add(model.ConflictFailDeclared, d, detail)
		case d.CertificateNo == rec.CertificateNo && (!d.VerifiedOn.Equal(rec.VerifiedOn) || day(d.ValidUntil) != day(rec.ValidUntil)):
			err = add(model.ConflictDates, d, detail)
		case d.CertificateNo != rec.CertificateNo && near && rec.Kind == model.KindCertificate && d.Result == model.ResultPass:
			err = add(model.ConflictCertificateNo, d, detail)
		}
		if err != nil {
			return nil, err
		}
		if d.CertificateNo == rec.CertificateNo {
			if err := s.closeUnconfirmed(ctx, tx, d.ID, rec.ID); err != nil {
				return nil, err
			}
		}
	}
	return found, nil
}

// closeUnconfirmed resolves the open "unconfirmed" conflicts of a
// declaration the body's record bodyRecordID now confirms.
func (s *Service) closeUnconfirmed(ctx context.Context, tx *storage.Store, declaredID, bodyRecordID int64) error {
	open, err := tx.OpenConflictsForDeclared(ctx, declaredID, model.ConflictUnconfirmed)
	if err != nil {
		return err
	}
	for _, c := range open {
		reason := "confirmed by the body's record " + strconv.FormatInt(bodyRecordID, 10)
		if err := tx.CloseConflict(ctx, c.ID, model.ConflictResolved, nil, reason, nil, s.now()); err != nil && !errors.Is(err, storage.ErrConflict) {
			return err
		}
	}
	return nil
}

// agencyOf is the agency supervising unit: its district's bureau.
func (s *Service) agencyOf(ctx context.Context, tx *storage.Store, unit *model.Unit) (*int64, error) {
	d, err := tx.DistrictByID(ctx, unit.DistrictID)
	if err != nil {
		return nil, err
	}
	return d.DefaultAgencyID, nil
}

// tellFailed tells the unit's owner, in the owner's language, that the
// body failed one of its instruments: it may no longer be used for trade.
func (s *Service) tellFailed(ctx context.Context, tx *storage.Store, body *model.VerificationBody, unit *model.Unit,
	ins *model.Instrument, rec *model.VerificationRecord) error {
	owner, err := tx.UserByID(ctx, unit.OwnerUserID)
	if err != nil {
		return err
	}
	p := locale.New(owner.Locale)
	bodyName := p.Pick(body.NameZh, body.NameEn)
	link := fmt.Sprintf("%s/merchant/instruments/%d", s.BaseURL, ins.ID)
	var msgs []model.OutboxMessage
	if owner.Email != "" {
		msgs = append(msgs, outbox.Email(owner.Email, p.T("verification.mail.failed_subject", ins.SerialNo),
			p.T("verification.mail.failed_body", unit.Name, ins.SerialNo, bodyName, rec.CertificateNo,
				rec.VerifiedOn.Format(time.DateOnly), link), nil, EventInstrumentFailed))
	}
	if owner.Phone != "" {
		sms, err := outbox.SMS(owner.Phone, "verification.failed", map[string]string{"serial": ins.SerialNo, "body": bodyName},
			owner.Locale, p.T("verification.sms.failed", ins.SerialNo, bodyName, link), EventInstrumentFailed)
		if err != nil {
			return err
		}
		msgs = append(msgs, sms)
	}
	return tx.Enqueue(ctx, msgs...)
}

// EventInstrumentFailed names the merchant's notice of a body's fail notice.
const EventInstrumentFailed = "instrument.failed"
