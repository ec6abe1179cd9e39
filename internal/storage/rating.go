package storage

import (
	"context"
	"time"

	"honestmeasure/internal/model"
)

// RateCase stores a reporter's rating; a second one for the case is
// ErrDuplicate.
func (s *Store) RateCase(ctx context.Context, r *model.CaseRating) error {
	err := s.q(ctx).Create(r).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// CaseRatingOf is the case's rating, or ErrNotFound.
func (s *Store) CaseRatingOf(ctx context.Context, caseID int64) (*model.CaseRating, error) {
	var r model.CaseRating
	if err := s.q(ctx).Where("case_id = ?", caseID).Take(&r).Error; err != nil {
		return nil, notFound(err)
	}
	return &r, nil
}

// Satisfaction is the ratings one agency received in a period.
type Satisfaction struct {
	AgencyID  int64
	Ratings   int64
	Satisfied int64 // rated 4 or 5
	ScoreSum  int64
}

// SatisfactionByAgency sums the ratings given in [from, to) per agency.
func (s *Store) SatisfactionByAgency(ctx context.Context, from, to time.Time) ([]Satisfaction, error) {
	var out []Satisfaction
	err := s.q(ctx).Model(&model.CaseRating{}).Where("created_at >= ? AND created_at < ?", from, to).
		Select("agency_id, COUNT(*) AS ratings, SUM(CASE WHEN score >= 4 THEN 1 ELSE 0 END) AS satisfied, SUM(score) AS score_sum").
		Group("agency_id").Order("agency_id").Scan(&out).Error
	return out, err
}
