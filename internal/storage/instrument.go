package storage

import (
	"context"
	"errors"
	"time"

	"honestmeasure/internal/instruments"
	"honestmeasure/internal/model"
)

// CreateInstrument stores an instrument in use. A serial number already used
// by another live instrument of the same unit gives ErrDuplicate.
func (s *Store) CreateInstrument(ctx context.Context, in *model.Instrument) error {
	now := time.Now().UTC()
	in.CreatedAt, in.UpdatedAt = now, now
	if in.Status == "" {
		in.Status = model.InstrumentInUse
	}
	in.SerialKey = model.SerialKey(in.SerialNo)
	if in.Status == model.InstrumentInUse {
		serial := in.SerialNo
		in.SerialLive = &serial
	}
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Create(in).Error; err != nil {
			return err
		}
		if err := tx.claimBodyRecords(ctx, in); err != nil {
			return err
		}
		return tx.touchUnit(ctx, in.UnitID)
	})
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// AddVerification stores a verification record of an instrument (a
// merchant's declaration, or a body's record that matched it) and marks the
// unit's public page changed. A body's record repeating (body, certificate
// number, kind) gives ErrDuplicate.
func (s *Store) AddVerification(ctx context.Context, v *model.VerificationRecord) error {
	if v.InstrumentID == nil {
		return errors.New("storage: AddVerification without an instrument")
	}
	return s.Tx(ctx, func(tx *Store) error {
		var in model.Instrument
		if err := tx.q(ctx).Select("id", "unit_id").Take(&in, *v.InstrumentID).Error; err != nil {
			return notFound(err)
		}
		v.UnitID = &in.UnitID
		if err := tx.CreateVerificationRecord(ctx, v); err != nil {
			return err
		}
		return tx.touchUnit(ctx, in.UnitID)
	})
}

// CreateVerificationRecord inserts v as it is (kind defaulted, the body key
// and serial key derived); callers in a transaction touch the unit
// themselves. ErrDuplicate: the body already sent that certificate number
// of that kind.
func (s *Store) CreateVerificationRecord(ctx context.Context, v *model.VerificationRecord) error {
	if v.CreatedAt.IsZero() {
		v.CreatedAt = time.Now().UTC()
	}
	if v.Kind == "" {
		v.Kind = model.KindCertificate
	}
	if v.Declared() {
		v.BodyKey = nil
	} else {
		v.BodyKey = v.VerificationBodyID
	}
	v.SerialKey = model.SerialKey(v.InstrumentSerial)
	err := s.q(ctx).Create(v).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// InstrumentView is an instrument with its type and latest verification
// record (nil when never verified).
type InstrumentView struct {
	Instrument model.Instrument
	Type       model.InstrumentType
	Latest     *model.VerificationRecord
}

// State is the instrument's verification state at now.
func (v InstrumentView) State(now time.Time) model.VerificationState {
	return model.StateOfInstrument(v.Instrument, v.Latest, v.Type, now)
}

// ValidUntil is the latest record's valid-until date as shown and judged
// (model.VerificationRecord.EffectiveValidUntil); nil when never verified,
// failed or verified once for life.
func (v InstrumentView) ValidUntil() *time.Time {
	if v.Latest == nil || v.Latest.Result == model.ResultFail {
		return nil
	}
	return v.Latest.EffectiveValidUntil(v.Type)
}

// InstrumentsOfUnits lists the instruments of the given units (in use only,
// unless withRetired), each with its latest record: three queries however
// many instruments there are.
func (s *Store) InstrumentsOfUnits(ctx context.Context, unitIDs []int64, withRetired bool) ([]InstrumentView, error) {
	if len(unitIDs) == 0 {
		return nil, nil
	}
	q := s.q(ctx).Where("unit_id IN ?", unitIDs)
	if !withRetired {
		q = q.Where("status = ?", model.InstrumentInUse)
	}
	var ins []model.Instrument
	if err := q.Order("unit_id, id").Find(&ins).Error; err != nil {
		return nil, err
	}
	return s.withLatest(ctx, ins)
}

func (s *Store) withLatest(ctx context.Context, ins []model.Instrument) ([]InstrumentView, error) {
	if len(ins) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(ins))
	for i, in := range ins {
		ids[i] = in.ID
	}
	var recs []model.VerificationRecord
	if err := s.q(ctx).Where("instrument_id IN ? AND revoked_at IS NULL", ids).Order("instrument_id, id").Find(&recs).Error; err != nil {
		return nil, err
	}
	latest := map[int64]*model.VerificationRecord{}
	for start := 0; start < len(recs); {
		end := start
		for end < len(recs) && *recs[end].InstrumentID == *recs[start].InstrumentID {
			end++
		}
		latest[*recs[start].InstrumentID] = model.Current(recs[start:end])
		start = end
	}
	types, err := s.instrumentTypesByID(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]InstrumentView, len(ins))
	for i, in := range ins {
		out[i] = InstrumentView{Instrument: in, Type: types[in.TypeID], Latest: latest[in.ID]}
	}
	return out, nil
}

func (s *Store) instrumentTypesByID(ctx context.Context) (map[int64]model.InstrumentType, error) {
	var all []model.InstrumentType
	if err := s.q(ctx).Find(&all).Error; err != nil {
		return nil, err
	}
	m := make(map[int64]model.InstrumentType, len(all))
	for _, t := range all {
		m[t.ID] = t
	}
	return m, nil
}

// InstrumentForOwner finds an instrument and its unit only if ownerID owns
// the unit.
func (s *Store) InstrumentForOwner(ctx context.Context, id, ownerID int64) (*model.Instrument, *model.Unit, error) {
	var in model.Instrument
	if err := s.q(ctx).Take(&in, id).Error; err != nil {
		return nil, nil, notFound(err)
	}
	u, err := s.UnitForOwner(ctx, in.UnitID, ownerID)
	if err != nil {
		return nil, nil, err
	}
	return &in, u, nil
}

// InstrumentByID finds an instrument.
func (s *Store) InstrumentByID(ctx context.Context, id int64) (*model.Instrument, error) {
	var in model.Instrument
	if err := s.q(ctx).Take(&in, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &in, nil
}

// DuplicateSerialError names the serial number already in use in the unit.
type DuplicateSerialError struct{ Serial string }

func (e *DuplicateSerialError) Error() string { return "serial number " + e.Serial + " already in use" }

// SerialLockedError: the instrument's serial number may not change, because
// a verification record names the instrument (instruments.SerialChangeAllowed).
type SerialLockedError struct{ Serial string }

func (e *SerialLockedError) Error() string {
	return "serial number " + e.Serial + " has a verification record and cannot change"
}

// CreateInstruments stores a batch all-or-nothing. A serial number already
// used by a live instrument of the unit (or twice in the batch) gives a
// *DuplicateSerialError naming it.
func (s *Store) CreateInstruments(ctx context.Context, ins []model.Instrument) error {
	return s.Tx(ctx, func(tx *Store) error {
		for i := range ins {
			if err := tx.CreateInstrument(ctx, &ins[i]); err != nil {
				if errors.Is(err, ErrDuplicate) {
					return &DuplicateSerialError{Serial: ins[i].SerialNo}
				}
				return err
			}
		}
		return nil
	})
}

// UpdateInstrument saves the editable fields. A serial in use by another
// live instrument of the unit gives a *DuplicateSerialError.
func (s *Store) UpdateInstrument(ctx context.Context, in *model.Instrument) error {
	in.UpdatedAt = time.Now().UTC()
	in.SerialKey = model.SerialKey(in.SerialNo)
	set := map[string]any{"type_id": in.TypeID, "model": in.Model, "maker": in.Maker, "serial_no": in.SerialNo,
		"serial_key": in.SerialKey, "identity_code": in.IdentityCode, "location": in.Location, "updated_at": in.UpdatedAt}
	if in.Status == model.InstrumentInUse {
		set["serial_live"] = in.SerialNo
	}
	err := s.Tx(ctx, func(tx *Store) error {
		// Checked in the transaction that writes, so a certificate recorded
		// while the form was open still locks the number.
		var old model.Instrument
		if err := tx.q(ctx).Select("id", "serial_no").Take(&old, in.ID).Error; err != nil {
			return notFound(err)
		}
		var records int64
		if err := tx.q(ctx).Model(&model.VerificationRecord{}).Where("instrument_id = ?", in.ID).Count(&records).Error; err != nil {
			return err
		}
		if !instruments.SerialChangeAllowed(old.SerialNo, in.SerialNo, int(records)) {
			return &SerialLockedError{Serial: old.SerialNo}
		}
		if err := tx.q(ctx).Model(&model.Instrument{}).Where("id = ?", in.ID).Updates(set).Error; err != nil {
			return err
		}
		return tx.touchUnitOfInstrument(ctx, in.ID)
	})
	if isDuplicate(err) {
		return &DuplicateSerialError{Serial: in.SerialNo}
	}
	return err
}

// RetireInstrument takes an instrument out of use; its serial number becomes
// free for a replacement.
func (s *Store) RetireInstrument(ctx context.Context, id int64, at time.Time) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Model(&model.Instrument{}).Where("id = ? AND status = ?", id, model.InstrumentInUse).
			Updates(map[string]any{"status": model.InstrumentRetired, "serial_live": nil, "retired_at": at, "updated_at": at}).Error; err != nil {
			return err
		}
		return tx.touchUnitOfInstrument(ctx, id)
	})
}

// Verifications lists an instrument's records, newest first.
func (s *Store) Verifications(ctx context.Context, instrumentID int64) ([]model.VerificationRecord, error) {
	var out []model.VerificationRecord
	err := s.q(ctx).Where("instrument_id = ?", instrumentID).Order("verified_on DESC, id DESC").Find(&out).Error
	return out, err
}

// InstrumentTypeByID finds a catalogue entry.
func (s *Store) InstrumentTypeByID(ctx context.Context, id int64) (*model.InstrumentType, error) {
	var t model.InstrumentType
	if err := s.q(ctx).Take(&t, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &t, nil
}

// FillSerialKeys derives serial_key for instruments stored before it
// existed (schema version 8), a batch at a time; it returns how many it
// filled. Idempotent, so every instance may run it at start-up.
func (s *Store) FillSerialKeys(ctx context.Context) (int, error) {
	filled := 0
	for {
		var batch []model.Instrument
		if err := s.q(ctx).Select("id", "serial_no").Where("serial_key = '' AND serial_no <> ''").
			Order("id").Limit(500).Find(&batch).Error; err != nil {
			return filled, err
		}
		for _, in := range batch {
			key := model.SerialKey(in.SerialNo)
			if key == "" {
				key = "-" // a serial of spaces alone: never matches, never revisited
			}
			if err := s.q(ctx).Model(&model.Instrument{}).Where("id = ?", in.ID).Update("serial_key", key).Error; err != nil {
				return filled, err
			}
			filled++
		}
		if len(batch) < 500 {
			return filled, nil
		}
	}
}

// claimBodyRecords gives a newly listed instrument the verification
// bodies' records that arrived for its unit and serial before anyone listed
// it (internal/verification stores them unmatched, with an "unregistered"
// conflict): the instrument is judged by them from the start, and those
// conflicts are resolved. A certificate the body sent without a valid-until
// date runs one cycle of the instrument's type, as when it matches on
// arrival.
func (s *Store) claimBodyRecords(ctx context.Context, in *model.Instrument) error {
	var recs []model.VerificationRecord
	if err := s.q(ctx).Where("instrument_id IS NULL AND unit_id = ? AND serial_key = ? AND source = ?",
		in.UnitID, in.SerialKey, model.SourceConfirmed).Find(&recs).Error; err != nil || len(recs) == 0 {
		return err
	}
	typ, err := s.InstrumentTypeByID(ctx, in.TypeID)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	for _, r := range recs {
		set := map[string]any{"instrument_id": in.ID}
		if r.ValidUntil == nil && r.Kind == model.KindCertificate {
			set["valid_until"] = model.CycleEnd(r.VerifiedOn, typ.CycleMonths)
		}
		if err := s.q(ctx).Model(&model.VerificationRecord{}).Where("id = ?", r.ID).Updates(set).Error; err != nil {
			return err
		}
		if err := s.q(ctx).Model(&model.Conflict{}).Where("body_record_id = ? AND kind = ? AND status = ?", r.ID,
			model.ConflictUnregistered, model.ConflictOpen).Updates(map[string]any{"status": model.ConflictResolved,
			"resolved_at": now, "resolution": "the unit listed the instrument", "instrument_id": in.ID}).Error; err != nil {
			return err
		}
	}
	return nil
}

// StandingCertificateNos lists, per instrument, the certificate numbers
// of its records that stand (not revoked, and not a cancellation), as typed.
func (s *Store) StandingCertificateNos(ctx context.Context, instrumentIDs []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(instrumentIDs) == 0 {
		return out, nil
	}
	var recs []model.VerificationRecord
	if err := s.q(ctx).Select("instrument_id", "certificate_no").
		Where("instrument_id IN ? AND revoked_at IS NULL AND kind <> ?", instrumentIDs, model.KindCancellation).Find(&recs).Error; err != nil {
		return nil, err
	}
	for _, r := range recs {
		out[*r.InstrumentID] = append(out[*r.InstrumentID], r.CertificateNo)
	}
	return out, nil
}
