package storage

import (
	"context"
	"time"

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
	if in.Status == model.InstrumentInUse {
		serial := in.SerialNo
		in.SerialLive = &serial
	}
	err := s.q(ctx).Create(in).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// AddVerification stores a verification record of an instrument.
func (s *Store) AddVerification(ctx context.Context, v *model.VerificationRecord) error {
	if v.CreatedAt.IsZero() {
		v.CreatedAt = time.Now().UTC()
	}
	return s.q(ctx).Create(v).Error
}
