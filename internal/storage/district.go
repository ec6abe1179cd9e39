package storage

import (
	"context"

	"honestmeasure/internal/model"
)

// Districts lists the districts in display order.
func (s *Store) Districts(ctx context.Context) ([]model.District, error) {
	var out []model.District
	err := s.q(ctx).Order("sort_order, id").Find(&out).Error
	return out, err
}

// Agencies lists the active agencies, district bureaus first.
func (s *Store) Agencies(ctx context.Context) ([]model.Agency, error) {
	var out []model.Agency
	err := s.q(ctx).Where("active = ?", true).Order("id").Find(&out).Error
	return out, err
}

// AgencyByCode finds an agency by its stable code.
func (s *Store) AgencyByCode(ctx context.Context, code string) (*model.Agency, error) {
	var a model.Agency
	if err := s.q(ctx).Where("code = ?", code).Take(&a).Error; err != nil {
		return nil, notFound(err)
	}
	return &a, nil
}

// VerificationBodyByCode finds a verification body by its stable code.
func (s *Store) VerificationBodyByCode(ctx context.Context, code string) (*model.VerificationBody, error) {
	var b model.VerificationBody
	if err := s.q(ctx).Where("code = ?", code).Take(&b).Error; err != nil {
		return nil, notFound(err)
	}
	return &b, nil
}

// InstrumentTypes lists the active catalogue in display order.
func (s *Store) InstrumentTypes(ctx context.Context) ([]model.InstrumentType, error) {
	var out []model.InstrumentType
	err := s.q(ctx).Where("active = ?", true).Order("sort_order, id").Find(&out).Error
	return out, err
}

// CurrentPledgeText is the most recently published pledge version.
func (s *Store) CurrentPledgeText(ctx context.Context) (*model.PledgeText, error) {
	var p model.PledgeText
	if err := s.q(ctx).Order("published_at DESC, id DESC").Take(&p).Error; err != nil {
		return nil, notFound(err)
	}
	return &p, nil
}

// DistrictProgress is the number of published units of a district against
// its share of the city's target.
type DistrictProgress struct {
	District  model.District
	Published int64
}

// PublishedUnitsByDistrict counts published demonstration units per district.
func (s *Store) PublishedUnitsByDistrict(ctx context.Context) ([]DistrictProgress, error) {
	districts, err := s.Districts(ctx)
	if err != nil {
		return nil, err
	}
	var counts []struct {
		DistrictID int64
		N          int64
	}
	err = s.q(ctx).Model(&model.Unit{}).Select("district_id, COUNT(*) AS n").
		Where("status = ?", model.UnitApproved).Group("district_id").Scan(&counts).Error
	if err != nil {
		return nil, err
	}
	byID := map[int64]int64{}
	for _, c := range counts {
		byID[c.DistrictID] = c.N
	}
	out := make([]DistrictProgress, 0, len(districts))
	for _, d := range districts {
		out = append(out, DistrictProgress{District: d, Published: byID[d.ID]})
	}
	return out, nil
}

// AgencyByID finds an agency.
func (s *Store) AgencyByID(ctx context.Context, id int64) (*model.Agency, error) {
	var a model.Agency
	if err := s.q(ctx).Take(&a, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &a, nil
}
