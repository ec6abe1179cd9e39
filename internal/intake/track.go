package intake

import (
	"context"
	"errors"

	"honestmeasure/internal/model"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/storage"
)

// ErrNotFound covers both a tracking number that does not exist and a wrong
// access code, so neither can be probed.
var ErrNotFound = errors.New("no report with that tracking number and access code")

// Tracked is what the reporter may see of their report.
type Tracked struct {
	Report *model.Report
	Case   *model.Case
	Events []model.CaseEvent // public timeline entries only
	Agency *model.Agency
}

// Track looks a report up by tracking number and access code.
func (s *Service) Track(ctx context.Context, trackingNo, accessCode string) (*Tracked, error) {
	no := reports.NormalizeTrackingNumber(trackingNo)
	if no == "" || len(accessCode) == 0 || len(accessCode) > 32 {
		return nil, ErrNotFound
	}
	r, err := s.Store.ReportByTrackingNo(ctx, no)
	if errors.Is(err, storage.ErrNotFound) {
		// Spend the same HMAC as a real check, so timing says nothing.
		reports.CheckAccessCode(s.Secret, no, accessCode, "")
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if !reports.CheckAccessCode(s.Secret, no, accessCode, r.AccessCodeHash) {
		return nil, ErrNotFound
	}
	c, err := s.Store.CaseOfReport(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	events, err := s.Store.PublicEvents(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	agency, err := s.Store.AgencyByID(ctx, c.AgencyID)
	if err != nil {
		return nil, err
	}
	return &Tracked{Report: r, Case: c, Events: events, Agency: agency}, nil
}
