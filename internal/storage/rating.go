package storage

import (
	"context"

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

// SatisfiedScore is the lowest score that counts as satisfied (4: 满意,
// 5: 非常满意), the share the dashboard reports.
const SatisfiedScore = 4

// Satisfaction is the ratings one agency or officer received in a period.
type Satisfaction struct {
	ID        int64 // the agency's id, or the assignee's (0: nobody was assigned)
	Ratings   int64
	Satisfied int64 // rated SatisfiedScore or better
	ScoreSum  int64
}

// SatisfactionBy sums the ratings given in the scope's period (by when
// they were given) to the scope's agency (nil: every agency), per agency or,
// with byAssignee, per officer the rated case was assigned to.
func (s *Store) SatisfactionBy(ctx context.Context, sc StatsScope, byAssignee bool) (map[int64]Satisfaction, error) {
	key := "case_ratings.agency_id"
	q := s.q(ctx).Table("case_ratings")
	if byAssignee {
		key = "COALESCE(cases.assignee_id, 0)"
		q = q.Joins("JOIN cases ON cases.id = case_ratings.case_id")
	}
	if sc.AgencyID != nil {
		q = q.Where("case_ratings.agency_id = ?", *sc.AgencyID)
	}
	var rows []Satisfaction
	err := q.Where("case_ratings.created_at >= ? AND case_ratings.created_at < ?", sc.From.UTC(), sc.To.UTC()).
		Select(key+" AS id, COUNT(*) AS ratings, SUM(CASE WHEN case_ratings.score >= ? THEN 1 ELSE 0 END) AS satisfied, SUM(case_ratings.score) AS score_sum", SatisfiedScore).
		Group(key).Scan(&rows).Error
	out := make(map[int64]Satisfaction, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, err
}
