package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
)

// SeedReference adds the reference rows that are missing, matched by code
// (or version, or day), in one transaction. Existing rows are left as the
// city admin edited them. Routing rules are seeded only into an empty table,
// since they have no natural key.
func (s *Store) SeedReference(ctx context.Context, d *reference.Data) error {
	now := time.Now().UTC()
	return s.Tx(ctx, func(tx *Store) error {
		db := tx.q(ctx)
		agencyID := map[string]int64{}
		for _, a := range d.Agencies {
			row := model.Agency{Code: a.Code, Kind: a.Kind, NameZh: a.NameZh, NameEn: a.NameEn, Phone: a.Phone, Email: a.Email, Active: true, CreatedAt: now}
			if err := db.Where("code = ?", a.Code).Attrs(row).FirstOrCreate(&row).Error; err != nil {
				return fmt.Errorf("seed agency %s: %w", a.Code, err)
			}
			agencyID[a.Code] = row.ID
		}
		districtID := map[string]int64{}
		for i, di := range d.Districts {
			def := agencyID[di.DefaultAgency]
			row := model.District{Code: di.Code, NameZh: di.NameZh, NameEn: di.NameEn, DefaultAgencyID: &def, UnitTarget: di.UnitTarget, SortOrder: i + 1}
			if err := db.Where("code = ?", di.Code).Attrs(row).FirstOrCreate(&row).Error; err != nil {
				return fmt.Errorf("seed district %s: %w", di.Code, err)
			}
			districtID[di.Code] = row.ID
		}
		var links []model.AgencyDistrict
		for _, a := range d.Agencies {
			codes := a.Districts.Codes
			if a.Districts.All {
				codes = nil
				for _, di := range d.Districts {
					codes = append(codes, di.Code)
				}
			}
			for _, c := range codes {
				links = append(links, model.AgencyDistrict{AgencyID: agencyID[a.Code], DistrictID: districtID[c]})
			}
		}
		if len(links) > 0 {
			if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&links).Error; err != nil {
				return fmt.Errorf("seed jurisdictions: %w", err)
			}
		}
		for _, b := range d.VerificationBodies {
			row := model.VerificationBody{Code: b.Code, NameZh: b.NameZh, NameEn: b.NameEn, CreatedAt: now}
			if err := db.Where("code = ?", b.Code).Attrs(row).FirstOrCreate(&row).Error; err != nil {
				return fmt.Errorf("seed verification body %s: %w", b.Code, err)
			}
		}
		for i, it := range d.InstrumentTypes {
			row := model.InstrumentType{Code: it.Code, NameZh: it.NameZh, NameEn: it.NameEn, CycleMonths: it.CycleMonths,
				Mandatory: it.Mandatory, Regulation: it.Regulation, RegulationNext: it.RegulationNext,
				RegulationNextFrom: it.NextFrom(), Active: true, SortOrder: i + 1}
			if err := db.Where("code = ?", it.Code).Attrs(row).FirstOrCreate(&row).Error; err != nil {
				return fmt.Errorf("seed instrument type %s: %w", it.Code, err)
			}
			// A regulation change announced in a later catalogue reaches
			// a database seeded before it, unless an administrator has
			// already dated one for the type.
			if it.RegulationNext != "" && row.RegulationNext == "" {
				if err := db.Model(&row).Updates(map[string]any{"regulation_next": it.RegulationNext,
					"regulation_next_from": it.NextFrom()}).Error; err != nil {
					return fmt.Errorf("seed instrument type %s: %w", it.Code, err)
				}
				if err := tx.touchAllUnits(ctx); err != nil {
					return err
				}
			}
		}
		for _, p := range d.PledgeTexts {
			published, _ := time.Parse(time.DateOnly, p.PublishedAt) // validated by reference.Load
			bodyZh, bodyEn := reference.Body(p.ClausesZh), reference.Body(p.ClausesEn)
			row := model.PledgeText{Version: p.Version, TitleZh: p.TitleZh, TitleEn: p.TitleEn, BodyZh: bodyZh, BodyEn: bodyEn,
				KeyPointsZh: strings.Join(p.KeyPointsZh, "\n"), KeyPointsEn: strings.Join(p.KeyPointsEn, "\n"),
				SHA256: model.PledgeDigest(p.TitleZh, bodyZh, p.TitleEn, bodyEn), ValidMonths: p.ValidMonths,
				PublishedAt: published, CreatedAt: now}
			if err := db.Where("version = ?", p.Version).Attrs(row).FirstOrCreate(&row).Error; err != nil {
				return fmt.Errorf("seed pledge text %s: %w", p.Version, err)
			}
		}
		var rules int64
		if err := db.Model(&model.RoutingRule{}).Count(&rules).Error; err != nil {
			return err
		}
		if rules == 0 {
			for i, r := range d.RoutingRules {
				row := model.RoutingRule{Name: r.Name, Position: (i + 1) * 10, Enabled: true, Category: model.Category(r.Category),
					BusinessType: model.BusinessType(r.BusinessType), Priority: model.Priority(r.Priority), CreatedAt: now, UpdatedAt: now}
				if r.Agency != "" {
					id := agencyID[r.Agency]
					row.AgencyID = &id
				}
				if r.District != "" {
					id := districtID[r.District]
					row.DistrictID = &id
				}
				if err := db.Create(&row).Error; err != nil {
					return fmt.Errorf("seed routing rule %q: %w", r.Name, err)
				}
			}
		}
		if len(d.Holidays) > 0 {
			rows := make([]model.Holiday, 0, len(d.Holidays))
			for _, h := range d.Holidays {
				rows = append(rows, model.Holiday{Day: h.Day, Kind: h.Kind, NameZh: h.NameZh, NameEn: h.NameEn})
			}
			if err := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "day"}}, DoNothing: true}).Create(&rows).Error; err != nil {
				return fmt.Errorf("seed holidays: %w", err)
			}
		}
		return nil
	})
}
