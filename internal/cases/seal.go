package cases

import (
	"context"
	"errors"
	"strconv"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// instrumentOf is the instrument the case's report names (it was scanned
// from that instrument's code), nil when it names none: sealing is then
// recorded on the case only.
func (s *Service) instrumentOf(ctx context.Context, cs *model.Case) (*int64, error) {
	r, err := s.Store.ReportByID(ctx, cs.ReportID)
	if err != nil {
		return nil, err
	}
	return r.InstrumentID, nil
}

// sealIn seals (封存) instrument id as case cs concluded, in tx: its public
// page shows it sealed from the next scan on (the unit's public revision
// moves), until a verification body's later pass (model.StateOfInstrument).
func (s *Service) sealIn(ctx context.Context, tx *storage.Store, who Actor, id int64, cs *model.Case, at time.Time) error {
	if err := tx.SealInstrument(ctx, id, cs.ID, at); err != nil {
		if errors.Is(err, storage.ErrNotFound) { // the instrument row is gone: nothing left to seal
			return nil
		}
		return err
	}
	return s.Audit.Record(ctx, tx, audit.Event{Action: audit.ActionInstrumentSeal, ObjectType: audit.ObjectInstrument,
		ObjectID: strconv.FormatInt(id, 10), AgencyID: &cs.AgencyID, After: map[string]any{"sealed_at": at, "case_id": cs.ID}, At: at}.By(who))
}
