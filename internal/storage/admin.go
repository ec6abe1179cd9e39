package storage

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"honestmeasure/internal/model"
)

// The city administrator's reads and writes: routing rules, agencies and
// their districts, accounts, the holiday calendar, the instrument catalogue
// and pledge text versions. Which changes are allowed is decided by the
// caller; these methods only store them.

// AllRoutingRules lists every rule, disabled ones included, in evaluation
// order.
func (s *Store) AllRoutingRules(ctx context.Context) ([]model.RoutingRule, error) {
	var out []model.RoutingRule
	err := s.q(ctx).Order("position, id").Find(&out).Error
	return out, err
}

// RoutingRuleByID finds a routing rule.
func (s *Store) RoutingRuleByID(ctx context.Context, id int64) (*model.RoutingRule, error) {
	var r model.RoutingRule
	if err := s.q(ctx).Take(&r, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &r, nil
}

// CreateRoutingRule stores r as the last rule to be tried.
func (s *Store) CreateRoutingRule(ctx context.Context, r *model.RoutingRule, now time.Time) error {
	var last struct{ P *int }
	if err := s.q(ctx).Model(&model.RoutingRule{}).Select("MAX(position) AS p").Scan(&last).Error; err != nil {
		return err
	}
	r.Position = 10
	if last.P != nil {
		r.Position = *last.P + 10
	}
	r.CreatedAt, r.UpdatedAt = now, now
	return s.q(ctx).Create(r).Error
}

// UpdateRoutingRule stores the editable fields of r (not its position).
func (s *Store) UpdateRoutingRule(ctx context.Context, r *model.RoutingRule, now time.Time) error {
	r.UpdatedAt = now
	return s.q(ctx).Model(&model.RoutingRule{}).Where("id = ?", r.ID).Updates(map[string]any{
		"name": r.Name, "enabled": r.Enabled, "category": r.Category, "business_type": r.BusinessType,
		"district_id": r.DistrictID, "agency_id": r.AgencyID, "priority": r.Priority, "updated_at": now}).Error
}

// SetRulePositions writes new positions (rule ID → position).
func (s *Store) SetRulePositions(ctx context.Context, positions map[int64]int, now time.Time) error {
	for id, p := range positions {
		if err := s.q(ctx).Model(&model.RoutingRule{}).Where("id = ?", id).
			Updates(map[string]any{"position": p, "updated_at": now}).Error; err != nil {
			return err
		}
	}
	return nil
}

// AllAgencies lists every agency, inactive ones included.
func (s *Store) AllAgencies(ctx context.Context) ([]model.Agency, error) {
	var out []model.Agency
	err := s.q(ctx).Order("id").Find(&out).Error
	return out, err
}

// UpdateAgency stores the editable fields of a (not its code or kind).
func (s *Store) UpdateAgency(ctx context.Context, a *model.Agency) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Model(&model.Agency{}).Where("id = ?", a.ID).Updates(map[string]any{
			"name_zh": a.NameZh, "name_en": a.NameEn, "phone": a.Phone, "email": a.Email,
			"webhook_url": a.WebhookURL, "active": a.Active}).Error; err != nil {
			return err
		}
		return tx.touchAllUnits(ctx) // scan pages name the supervising bureau
	})
}

// Jurisdictions lists which agency may act in which district.
func (s *Store) Jurisdictions(ctx context.Context) ([]model.AgencyDistrict, error) {
	var out []model.AgencyDistrict
	err := s.q(ctx).Order("agency_id, district_id").Find(&out).Error
	return out, err
}

// SetAgencyDistricts makes districtIDs the exact list of districts the
// agency has jurisdiction over.
func (s *Store) SetAgencyDistricts(ctx context.Context, agencyID int64, districtIDs []int64) error {
	q := s.q(ctx).Where("agency_id = ?", agencyID)
	if len(districtIDs) > 0 {
		q = q.Where("district_id NOT IN ?", districtIDs)
	}
	if err := q.Delete(&model.AgencyDistrict{}).Error; err != nil {
		return err
	}
	if len(districtIDs) == 0 {
		return nil
	}
	rows := make([]model.AgencyDistrict, 0, len(districtIDs))
	for _, d := range districtIDs {
		rows = append(rows, model.AgencyDistrict{AgencyID: agencyID, DistrictID: d})
	}
	return s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
}

// UpdateDistrict sets a district's default agency and unit target.
func (s *Store) UpdateDistrict(ctx context.Context, id int64, defaultAgencyID *int64, unitTarget int) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Model(&model.District{}).Where("id = ?", id).
			Updates(map[string]any{"default_agency_id": defaultAgencyID, "unit_target": unitTarget}).Error; err != nil {
			return err
		}
		return tx.touchAllUnits(ctx) // scan pages name the district's bureau
	})
}

// VerificationBodies lists the verification bodies.
func (s *Store) VerificationBodies(ctx context.Context) ([]model.VerificationBody, error) {
	var out []model.VerificationBody
	err := s.q(ctx).Order("id").Find(&out).Error
	return out, err
}

// UserFilter narrows the account list.
type UserFilter struct {
	Roles    []model.Role
	AgencyID int64  // 0: any
	Query    string // part of the login, display name, e-mail or phone; wildcards are literal
	Page     int    // 1-based
	PerPage  int
}

// Users lists accounts matching f, by role and login, with the total count.
func (s *Store) Users(ctx context.Context, f UserFilter) ([]model.User, int64, error) {
	q := s.q(ctx).Model(&model.User{})
	if len(f.Roles) > 0 {
		q = q.Where("role IN ?", f.Roles)
	}
	if f.AgencyID > 0 {
		q = q.Where("agency_id = ?", f.AgencyID)
	}
	if t := strings.TrimSpace(f.Query); t != "" {
		pat := "%" + likeEscaper.Replace(t) + "%"
		q = q.Where("(login LIKE ? ESCAPE '!' OR display_name LIKE ? ESCAPE '!' OR email LIKE ? ESCAPE '!' OR phone LIKE ? ESCAPE '!')",
			pat, pat, pat, pat)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var out []model.User
	err := q.Order("role, login").Offset((max(f.Page, 1) - 1) * f.PerPage).Limit(f.PerPage).Find(&out).Error
	return out, total, err
}

// SetUserDisabled disables or re-enables an account.
func (s *Store) SetUserDisabled(ctx context.Context, userID int64, disabled bool, now time.Time) error {
	return s.q(ctx).Model(&model.User{}).Where("id = ?", userID).
		Updates(map[string]any{"disabled": disabled, "updated_at": now}).Error
}

// HolidaysBetween lists the calendar exceptions from from to to, inclusive.
func (s *Store) HolidaysBetween(ctx context.Context, from, to time.Time) ([]model.Holiday, error) {
	var out []model.Holiday
	err := s.q(ctx).Where("day >= ? AND day <= ?", from, to).Order("day").Find(&out).Error
	return out, err
}

// HolidayOn finds the calendar exception on day.
func (s *Store) HolidayOn(ctx context.Context, day time.Time) (*model.Holiday, error) {
	var h model.Holiday
	if err := s.q(ctx).Where("day = ?", day).Take(&h).Error; err != nil {
		return nil, notFound(err)
	}
	return &h, nil
}

// HolidayByID finds a calendar exception.
func (s *Store) HolidayByID(ctx context.Context, id int64) (*model.Holiday, error) {
	var h model.Holiday
	if err := s.q(ctx).Take(&h, id).Error; err != nil {
		return nil, notFound(err)
	}
	return &h, nil
}

// CreateHoliday stores a calendar exception; a day already listed gives
// ErrDuplicate.
func (s *Store) CreateHoliday(ctx context.Context, h *model.Holiday) error {
	err := s.q(ctx).Create(h).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// DeleteHoliday removes a calendar exception.
func (s *Store) DeleteHoliday(ctx context.Context, id int64) error {
	return s.q(ctx).Where("id = ?", id).Delete(&model.Holiday{}).Error
}

// AllInstrumentTypes lists the catalogue, inactive types included.
func (s *Store) AllInstrumentTypes(ctx context.Context) ([]model.InstrumentType, error) {
	var out []model.InstrumentType
	err := s.q(ctx).Order("sort_order, id").Find(&out).Error
	return out, err
}

// CreateInstrumentType adds a type at the end of the catalogue; a code
// already in use gives ErrDuplicate.
func (s *Store) CreateInstrumentType(ctx context.Context, t *model.InstrumentType) error {
	var last struct{ P *int }
	if err := s.q(ctx).Model(&model.InstrumentType{}).Select("MAX(sort_order) AS p").Scan(&last).Error; err != nil {
		return err
	}
	t.SortOrder = 1
	if last.P != nil {
		t.SortOrder = *last.P + 1
	}
	err := s.q(ctx).Create(t).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}

// UpdateInstrumentType stores the editable fields of t (not its code).
func (s *Store) UpdateInstrumentType(ctx context.Context, t *model.InstrumentType) error {
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Model(&model.InstrumentType{}).Where("id = ?", t.ID).Updates(map[string]any{
			"name_zh": t.NameZh, "name_en": t.NameEn, "cycle_months": t.CycleMonths, "mandatory": t.Mandatory,
			"regulation": t.Regulation, "regulation_next": t.RegulationNext, "regulation_next_from": t.RegulationNextFrom,
			"active": t.Active}).Error; err != nil {
			return err
		}
		return tx.touchAllUnits(ctx) // scan pages name instrument types
	})
}

// PledgeTexts lists every pledge text version, the current one first.
func (s *Store) PledgeTexts(ctx context.Context) ([]model.PledgeText, error) {
	var out []model.PledgeText
	err := s.q(ctx).Order("published_at DESC, id DESC").Find(&out).Error
	return out, err
}

// PledgeCounts counts the signatures given on each pledge text version.
func (s *Store) PledgeCounts(ctx context.Context) (map[int64]int64, error) {
	var rows []struct {
		PledgeTextID int64
		N            int64
	}
	err := s.q(ctx).Model(&model.Pledge{}).Select("pledge_text_id, COUNT(*) AS n").Group("pledge_text_id").Scan(&rows).Error
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.PledgeTextID] = r.N
	}
	return out, err
}

// CreatePledgeText stores a new version; a version label already in use
// gives ErrDuplicate. Versions are never updated: signatures refer to
// their exact words.
func (s *Store) CreatePledgeText(ctx context.Context, p *model.PledgeText) error {
	err := s.q(ctx).Create(p).Error
	if isDuplicate(err) {
		return ErrDuplicate
	}
	return err
}
