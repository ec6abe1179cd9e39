package scan

import (
	"context"
	"errors"

	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/storage"
)

// ReportTarget re-resolves the code a report was started from, on every
// submission: a unit or instrument ID sent by the client is never trusted.
// A code the platform does not stand behind, or whose unit or instrument is
// gone, identifies nothing (the report must then name the business and the
// district itself); a database failure is an error, and the report is not
// taken. The page and the API both call it.
func ReportTarget(ctx context.Context, st *storage.Store, signer *qr.Signer, token string) (reports.Target, error) {
	var t reports.Target
	if token == "" {
		return t, nil
	}
	res, err := Resolve(ctx, st, signer, token)
	if err != nil || res.Status == NotIssued {
		return t, err
	}
	t.QRTokenID = &res.Token.ID
	unitID := res.Ref.ID
	if res.Ref.Kind == model.QRInstrument {
		in, err := st.InstrumentByID(ctx, res.Ref.ID)
		if err != nil {
			return reports.Target{}, unknownIsNothing(err)
		}
		t.Instrument, unitID = in, in.UnitID
	}
	if t.Unit, err = st.UnitByID(ctx, unitID); err != nil {
		return reports.Target{}, unknownIsNothing(err)
	}
	return t, nil
}

func unknownIsNothing(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return err
}
