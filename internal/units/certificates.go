package units

import (
	"context"
	"errors"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/instruments"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// A merchant's instruments and the certificates they declare for them. The
// rules are internal/instruments'; these use cases own the transaction, so
// an instrument and its certificate, or a batch of certificates, are stored
// together or not at all. Like the single steps they combine (storage's
// CreateInstruments and AddVerification), they write no audit entry: the
// stored declaration carries who recorded it (RecordedBy).

// ErrCertificatesChanged: the rows checked in the preview are no longer the
// rows that would be saved (an instrument was retired or a certificate
// recorded meanwhile); nothing was written and the preview is shown again.
var ErrCertificatesChanged = fail.Field(fail.Conflict, "rows", "certs.changed")

// ErrNoGoodCertificates: every row has a problem; nothing to save.
var ErrNoGoodCertificates = fail.Field(fail.Invalid, "rows", "certs.none_good_error")

// SerialRefusal turns storage's refusals of a serial number into the field
// error the instrument form shows; any other error is returned as it is.
func SerialRefusal(err error) error {
	var dup *storage.DuplicateSerialError
	var locked *storage.SerialLockedError
	switch {
	case errors.As(err, &dup):
		return fail.Field(fail.Invalid, "serial_no", "instrument.serial_taken", dup.Serial)
	case errors.As(err, &locked):
		return fail.Field(fail.Invalid, "serial_no", "instrument.serial_locked", locked.Serial)
	}
	return err
}

// AddInstruments lists the instruments of the new-instrument form in unit
// u and, when its certificate section is filled, records that certificate
// as the merchant's declaration, in one transaction. Invalid input of
// either part is one fail.Fields with every problem; a unit whose records
// are closed (RecordsOpen) or that who does not own is storage.ErrNotFound.
func (s *Service) AddInstruments(ctx context.Context, who audit.Actor, u *model.Unit, f *instruments.Form, vf *instruments.VerificationForm) ([]model.Instrument, error) {
	if !Owner(u, who.User) || !RecordsOpen(u.Status) {
		return nil, storage.ErrNotFound
	}
	types, err := s.Store.InstrumentTypes(ctx)
	if err != nil {
		return nil, err
	}
	list, rec, errs := instruments.ValidateNew(f, vf, types, u.ID, s.now())
	if errs.Any() {
		return nil, fail.Fields(errs)
	}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.CreateInstruments(ctx, list); err != nil {
			return err
		}
		if rec == nil {
			return nil
		}
		rec.InstrumentID, rec.RecordedBy = &list[0].ID, &who.User.ID
		return tx.AddVerification(ctx, rec)
	})
	if err != nil {
		return nil, SerialRefusal(err)
	}
	return list, nil
}

// CertificateBatch is pasted certificates as checked against a unit's
// instruments: every row with its verdict, and how many are good.
type CertificateBatch struct {
	instruments.Paste
	Checked []instruments.CheckedCertificate
	Good    int
}

// CheckCertificates reads pasted text (instruments.ParseCertificates) and
// judges each row against the instruments of u that may take a
// certificate (InstrumentEditable), writing nothing. defaultBody is the
// verification body of rows that name none.
func (s *Service) CheckCertificates(ctx context.Context, who audit.Actor, u *model.Unit, text, defaultBody string) (*CertificateBatch, error) {
	if !Owner(u, who.User) || !RecordsOpen(u.Status) {
		return nil, storage.ErrNotFound
	}
	return s.checkCertificates(ctx, s.Store, u, text, defaultBody)
}

func (s *Service) checkCertificates(ctx context.Context, st *storage.Store, u *model.Unit, text, defaultBody string) (*CertificateBatch, error) {
	paste, err := instruments.ParseCertificates(text)
	if err != nil {
		return nil, err
	}
	if form.TooLong(form.Clean(defaultBody), 200) {
		return nil, fail.Field(fail.Invalid, "body_name", "form.too_long", 200)
	}
	views, err := st.InstrumentsOfUnits(ctx, []int64{u.ID}, false)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(views))
	for _, v := range views {
		ids = append(ids, v.Instrument.ID)
	}
	standing, err := st.StandingCertificateNos(ctx, ids)
	if err != nil {
		return nil, err
	}
	var cands []instruments.Candidate
	for _, v := range views {
		if !InstrumentEditable(u, &v.Instrument) {
			continue
		}
		rec := map[string]bool{}
		for _, no := range standing[v.Instrument.ID] {
			rec[model.SerialKey(no)] = true
		}
		cands = append(cands, instruments.Candidate{Instrument: v.Instrument, Type: v.Type, Recorded: rec})
	}
	checked := instruments.CheckCertificates(paste.Rows, cands, defaultBody, s.now())
	return &CertificateBatch{Paste: paste, Checked: checked, Good: instruments.GoodCertificates(checked)}, nil
}

// SaveCertificates checks the pasted text again, as CheckCertificates, and
// records its good rows as the merchant's declarations in one transaction,
// if they are still the good rows the merchant saw: good is how many the
// preview counted. Otherwise (or with no good row) nothing is written: the
// error is ErrCertificatesChanged, or ErrNoGoodCertificates, and
// the batch returned is the new preview.
func (s *Service) SaveCertificates(ctx context.Context, who audit.Actor, u *model.Unit, text, defaultBody string, good int) (*CertificateBatch, error) {
	if !Owner(u, who.User) || !RecordsOpen(u.Status) {
		return nil, storage.ErrNotFound
	}
	var batch *CertificateBatch
	err := s.Store.Tx(ctx, func(tx *storage.Store) error {
		var err error
		if batch, err = s.checkCertificates(ctx, tx, u, text, defaultBody); err != nil {
			return err
		}
		switch {
		case batch.Good != good:
			return ErrCertificatesChanged
		case batch.Good == 0:
			return ErrNoGoodCertificates
		}
		for _, row := range batch.Checked {
			if !row.OK() {
				continue
			}
			rec := row.Record
			rec.UnitID, rec.RecordedBy = &u.ID, &who.User.ID
			if err := tx.CreateVerificationRecord(ctx, rec); err != nil {
				return err
			}
		}
		return tx.TouchUnit(ctx, u.ID)
	})
	return batch, err
}
