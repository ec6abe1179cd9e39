package reminders

import (
	"context"
	"slices"

	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// ExpiredQuery filters the officers' list of expired instruments in use.
type ExpiredQuery struct {
	DistrictID int64 // 0: every district of the jurisdiction
	TypeID     int64 // 0: every type
	Desc       bool  // most recently expired first
	Page       int
	PerPage    int
}

// Expired lists, for staff member who, the instruments in use whose
// verification expired, in units of LiveStatuses in the districts of their
// jurisdiction (model.User.Jurisdiction: the city admin has every district),
// sorted by valid-until; with the total. Someone without a jurisdiction gets
// storage.ErrNotFound. A district outside the jurisdiction lists nothing.
func (s *Service) Expired(ctx context.Context, who *model.User, q ExpiredQuery) ([]storage.ExpiredRow, int, error) {
	agency, ok := who.Jurisdiction()
	if !ok {
		return nil, 0, storage.ErrNotFound
	}
	var districts []int64 // nil: every district
	if agency != nil {
		ds, err := s.Store.JurisdictionDistricts(ctx, *agency)
		if err != nil {
			return nil, 0, err
		}
		districts = append([]int64{}, ds...)
	}
	if q.DistrictID != 0 {
		if districts == nil || slices.Contains(districts, q.DistrictID) {
			districts = []int64{q.DistrictID}
		} else {
			districts = []int64{}
		}
	}
	return s.Store.ExpiredInUse(ctx, storage.ExpiredFilter{Districts: districts, TypeID: q.TypeID, Statuses: LiveStatuses,
		Today: model.DateOf(s.now()), Desc: q.Desc, Page: q.Page, PerPage: q.PerPage})
}
