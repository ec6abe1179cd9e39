package storage

import (
	"context"
	"errors"
	"time"

	"honestmeasure/internal/model"
)

// CreateReport stores a report and its photos in one transaction: a report is
// never stored without the evidence that came with it. A repeated
// idempotency key gives ErrDuplicate.
func (s *Store) CreateReport(ctx context.Context, r *model.Report, photos []model.ReportPhoto) error {
	err := s.Tx(ctx, func(tx *Store) error {
		if r.CreatedAt.IsZero() {
			r.CreatedAt = time.Now().UTC()
		}
		if err := tx.q(ctx).Create(r).Error; err != nil {
			return err
		}
		for i := range photos {
			photos[i].ReportID = r.ID
			photos[i].Seq = i + 1
			photos[i].CreatedAt = r.CreatedAt
		}
		if len(photos) > 0 {
			return tx.q(ctx).Create(&photos).Error
		}
		return nil
	})
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// Intake is everything a new report writes, stored in one transaction: the
// report, its photos, its case and the case's first timeline entry. A
// report is never stored without its case (it would be routed nowhere) nor
// without the photos that came with it.
type Intake struct {
	Report *model.Report
	Photos []model.ReportPhoto
	Case   *model.Case
	Events []model.CaseEvent
	// Notices builds the notifications once the case has its ID; they are
	// enqueued in the same transaction, so a stored report is never routed
	// silently.
	Notices func(r *model.Report, c *model.Case) ([]model.OutboxMessage, error)
	// HeldKey, when set, names the form whose held photos the report now
	// carries: they are deleted in the same transaction.
	HeldKey string
}

// CreateIntake stores it all or nothing. A repeated idempotency key gives
// ErrDuplicate and writes nothing.
func (s *Store) CreateIntake(ctx context.Context, in Intake) error {
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.CreateReport(ctx, in.Report, in.Photos); err != nil {
			return err
		}
		in.Case.ReportID = in.Report.ID
		if in.HeldKey != "" {
			if err := tx.q(ctx).Where("form_key = ?", in.HeldKey).Delete(&model.HeldPhoto{}).Error; err != nil {
				return err
			}
		}
		if err := tx.CreateCase(ctx, in.Case); err != nil {
			return err
		}
		for i := range in.Events {
			in.Events[i].CaseID = in.Case.ID
			if err := tx.AddCaseEvent(ctx, &in.Events[i]); err != nil {
				return err
			}
		}
		if in.Notices == nil {
			return nil
		}
		msgs, err := in.Notices(in.Report, in.Case)
		if err != nil || len(msgs) == 0 {
			return err
		}
		return tx.Enqueue(ctx, msgs...)
	})
	if isDuplicate(err) || errors.Is(err, ErrDuplicate) {
		return ErrDuplicate
	}
	return err
}

// ReportByIdempotencyKey finds the report a retried submission already made.
func (s *Store) ReportByIdempotencyKey(ctx context.Context, key string) (*model.Report, error) {
	var r model.Report
	if err := s.q(ctx).Where("idempotency_key = ?", key).Take(&r).Error; err != nil {
		return nil, notFound(err)
	}
	return &r, nil
}

// ReportByTrackingNo finds a report by its tracking number.
func (s *Store) ReportByTrackingNo(ctx context.Context, no string) (*model.Report, error) {
	var r model.Report
	if err := s.q(ctx).Where("tracking_no = ?", no).Take(&r).Error; err != nil {
		return nil, notFound(err)
	}
	return &r, nil
}

// CaseOfReport returns the case handling a report.
func (s *Store) CaseOfReport(ctx context.Context, reportID int64) (*model.Case, error) {
	var c model.Case
	if err := s.q(ctx).Where("report_id = ?", reportID).Take(&c).Error; err != nil {
		return nil, notFound(err)
	}
	return &c, nil
}

// PublicEvents lists the timeline entries a reporter may see, oldest first.
func (s *Store) PublicEvents(ctx context.Context, caseID int64) ([]model.CaseEvent, error) {
	var out []model.CaseEvent
	err := s.q(ctx).Where("case_id = ? AND public = ?", caseID, true).Order("id").Find(&out).Error
	return out, err
}

// RoutingRules lists the enabled rules in evaluation order.
func (s *Store) RoutingRules(ctx context.Context) ([]model.RoutingRule, error) {
	var out []model.RoutingRule
	err := s.q(ctx).Where("enabled = ?", true).Order("position, id").Find(&out).Error
	return out, err
}

// DistrictByID finds a district.
func (s *Store) DistrictByID(ctx context.Context, id int64) (*model.District, error) {
	var d model.District
	if err := s.q(ctx).Take(&d, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &d, nil
}
