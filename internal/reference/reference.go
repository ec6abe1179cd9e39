// Package reference loads a city's reference data (districts, agencies,
// verification bodies, instrument types, pledge texts, routing rules and the
// holiday calendar) from YAML files and seeds it into the database. It adds
// what is missing and never overwrites rows: once seeded, the city admin
// owns the data.
package reference

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"honestmeasure/internal/model"
)

// City describes the deployment.
type City struct {
	Code                string `yaml:"code"`
	NameZh              string `yaml:"name_zh"`
	NameEn              string `yaml:"name_en"`
	UnitTarget          int    `yaml:"unit_target"`
	ComplaintHotline    string `yaml:"complaint_hotline"`
	TimeZoneOffsetHours int    `yaml:"time_zone_offset_hours"`
	// RiskPublic shows units' risk classes on public pages and the public
	// API. Off by default: the classes are references for regulators, and
	// several provinces explicitly do not publish them.
	RiskPublic bool `yaml:"risk_public"`
}

// Agency as written in city.yaml. Districts lists district codes, or is the
// single word "all".
type Agency struct {
	Code      string           `yaml:"code"`
	Kind      model.AgencyKind `yaml:"kind"`
	NameZh    string           `yaml:"name_zh"`
	NameEn    string           `yaml:"name_en"`
	Phone     string           `yaml:"phone"`
	Email     string           `yaml:"email"`
	Districts DistrictList     `yaml:"districts"`
}

// DistrictList is a list of district codes, or All.
type DistrictList struct {
	All   bool
	Codes []string
}

// UnmarshalYAML accepts either the scalar "all" or a list of codes.
func (d *DistrictList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		if n.Value != "all" {
			return fmt.Errorf("line %d: districts must be a list of codes or the word all", n.Line)
		}
		d.All = true
		return nil
	}
	return n.Decode(&d.Codes)
}

// District as written in city.yaml.
type District struct {
	Code          string `yaml:"code"`
	NameZh        string `yaml:"name_zh"`
	NameEn        string `yaml:"name_en"`
	DefaultAgency string `yaml:"default_agency"`
	UnitTarget    int    `yaml:"unit_target"`
}

// VerificationBody as written in city.yaml.
type VerificationBody struct {
	Code   string `yaml:"code"`
	NameZh string `yaml:"name_zh"`
	NameEn string `yaml:"name_en"`
}

// InstrumentType as written in instrument_types.yaml.
type InstrumentType struct {
	Code        string `yaml:"code"`
	NameZh      string `yaml:"name_zh"`
	NameEn      string `yaml:"name_en"`
	CycleMonths int    `yaml:"cycle_months"`
	Mandatory   bool   `yaml:"mandatory"`
	Regulation  string `yaml:"regulation"`
	// A regulation announced to replace Regulation from a date
	// (YYYY-MM-DD); both or neither.
	RegulationNext     string `yaml:"regulation_next"`
	RegulationNextFrom string `yaml:"regulation_next_from"`
}

// NextFrom is the date RegulationNext takes effect; nil when none is set.
func (it InstrumentType) NextFrom() *time.Time {
	d, err := time.Parse(time.DateOnly, it.RegulationNextFrom)
	if it.RegulationNext == "" || err != nil {
		return nil
	}
	return &d
}

// PledgeText as written in pledge.yaml.
type PledgeText struct {
	Version     string   `yaml:"version"`
	PublishedAt string   `yaml:"published_at"`
	ValidMonths int      `yaml:"valid_months"`
	TitleZh     string   `yaml:"title_zh"`
	TitleEn     string   `yaml:"title_en"`
	ClausesZh   []string `yaml:"clauses_zh"`
	ClausesEn   []string `yaml:"clauses_en"`
	KeyPointsZh []string `yaml:"key_points_zh"`
	KeyPointsEn []string `yaml:"key_points_en"`
}

// Body renders the numbered clauses the way they are shown and hashed.
func Body(clauses []string) string {
	var b strings.Builder
	for i, c := range clauses {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%d. %s", i+1, c)
	}
	return b.String()
}

// RoutingRule as written in routing.yaml.
type RoutingRule struct {
	Name         string `yaml:"name"`
	Category     string `yaml:"category"`
	BusinessType string `yaml:"business_type"`
	District     string `yaml:"district"`
	Agency       string `yaml:"agency"`
	Priority     int    `yaml:"priority"`
}

// Holiday is one day of the calendar.
type Holiday struct {
	Day    time.Time
	Kind   model.HolidayKind
	NameZh string
	NameEn string
}

// Data is a city's whole reference data, validated.
type Data struct {
	City               City
	Agencies           []Agency
	Districts          []District
	VerificationBodies []VerificationBody
	InstrumentTypes    []InstrumentType
	PledgeTexts        []PledgeText
	RoutingRules       []RoutingRule
	Holidays           []Holiday
	// Risk is the rule for units' risk classes (risk.yaml; DefaultRiskRule
	// when the city has none).
	Risk RiskRule
}

// Load reads and validates the reference files in fsys.
func Load(fsys fs.FS) (*Data, error) {
	var d Data
	var err error
	var city struct {
		City               City               `yaml:"city"`
		Agencies           []Agency           `yaml:"agencies"`
		Districts          []District         `yaml:"districts"`
		VerificationBodies []VerificationBody `yaml:"verification_bodies"`
	}
	if err := decode(fsys, "city.yaml", &city); err != nil {
		return nil, err
	}
	d.City, d.Agencies, d.Districts, d.VerificationBodies = city.City, city.Agencies, city.Districts, city.VerificationBodies

	var types struct {
		InstrumentTypes []InstrumentType `yaml:"instrument_types"`
	}
	if err := decode(fsys, "instrument_types.yaml", &types); err != nil {
		return nil, err
	}
	d.InstrumentTypes = types.InstrumentTypes

	var pledges struct {
		PledgeTexts []PledgeText `yaml:"pledge_texts"`
	}
	if err := decode(fsys, "pledge.yaml", &pledges); err != nil {
		return nil, err
	}
	d.PledgeTexts = pledges.PledgeTexts

	var rules struct {
		RoutingRules []RoutingRule `yaml:"routing_rules"`
	}
	if err := decode(fsys, "routing.yaml", &rules); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	d.RoutingRules = rules.RoutingRules

	if d.Risk, err = loadRisk(fsys); err != nil {
		return nil, err
	}

	d.Holidays, err = loadHolidays(fsys)
	if err != nil {
		return nil, err
	}
	if err := d.validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

func decode(fsys fs.FS, name string, v any) error {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("reference data: %w", err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("reference data %s: %v", name, err)
	}
	return nil
}

func loadHolidays(fsys fs.FS) ([]Holiday, error) {
	files, err := fs.Glob(fsys, "holidays/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	seen := map[string]string{}
	var out []Holiday
	for _, f := range files {
		var y struct {
			Year     int `yaml:"year"`
			Holidays []struct {
				NameZh  string   `yaml:"name_zh"`
				NameEn  string   `yaml:"name_en"`
				OffFrom string   `yaml:"off_from"`
				OffTo   string   `yaml:"off_to"`
				Work    []string `yaml:"work"`
			} `yaml:"holidays"`
		}
		if err := decode(fsys, f, &y); err != nil {
			return nil, err
		}
		where := path.Base(f)
		add := func(day string, kind model.HolidayKind, zh, en string) error {
			t, err := time.Parse(time.DateOnly, day)
			if err != nil {
				return fmt.Errorf("reference data %s: %q is not a date (YYYY-MM-DD)", where, day)
			}
			if prev, dup := seen[day]; dup {
				return fmt.Errorf("reference data %s: %s is listed twice (also under %s)", where, day, prev)
			}
			wd := t.Weekday()
			weekend := wd == time.Saturday || wd == time.Sunday
			if kind == model.WorkingDay && !weekend {
				return fmt.Errorf("reference data %s: %s is listed as an extra working day but is a %s", where, day, wd)
			}
			seen[day] = zh
			out = append(out, Holiday{Day: t, Kind: kind, NameZh: zh, NameEn: en})
			return nil
		}
		for _, h := range y.Holidays {
			from, err1 := time.Parse(time.DateOnly, h.OffFrom)
			to, err2 := time.Parse(time.DateOnly, h.OffTo)
			if err1 != nil || err2 != nil || to.Before(from) || to.Sub(from) > 31*24*time.Hour {
				return nil, fmt.Errorf("reference data %s: %s needs off_from and off_to dates, in order, at most a month apart", where, h.NameEn)
			}
			for t := from; !t.After(to); t = t.AddDate(0, 0, 1) {
				if err := add(t.Format(time.DateOnly), model.DayOff, h.NameZh, h.NameEn); err != nil {
					return nil, err
				}
			}
			for _, w := range h.Work {
				if err := add(w, model.WorkingDay, h.NameZh, h.NameEn); err != nil {
					return nil, err
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Day.Before(out[j].Day) })
	return out, nil
}

func (d *Data) validate() error {
	if d.City.UnitTarget <= 0 {
		return errors.New("reference data city.yaml: city.unit_target must be positive")
	}
	if d.City.ComplaintHotline == "" {
		return errors.New("reference data city.yaml: city.complaint_hotline is required")
	}
	agencies := map[string]bool{}
	for _, a := range d.Agencies {
		switch a.Kind {
		case model.AgencyDistrictBureau, model.AgencyCityBureau, model.AgencyCityDetachment:
		default:
			return fmt.Errorf("reference data city.yaml: agency %s has unknown kind %q", a.Code, a.Kind)
		}
		if a.Code == "" || agencies[a.Code] {
			return fmt.Errorf("reference data city.yaml: agency code %q is empty or repeated", a.Code)
		}
		agencies[a.Code] = true
	}
	districts := map[string]bool{}
	for _, di := range d.Districts {
		if di.Code == "" || districts[di.Code] {
			return fmt.Errorf("reference data city.yaml: district code %q is empty or repeated", di.Code)
		}
		if !agencies[di.DefaultAgency] {
			return fmt.Errorf("reference data city.yaml: district %s names unknown default agency %q", di.Code, di.DefaultAgency)
		}
		districts[di.Code] = true
	}
	if len(d.Districts) == 0 {
		return errors.New("reference data city.yaml: no districts")
	}
	for _, a := range d.Agencies {
		for _, c := range a.Districts.Codes {
			if !districts[c] {
				return fmt.Errorf("reference data city.yaml: agency %s names unknown district %q", a.Code, c)
			}
		}
	}
	types := map[string]bool{}
	for _, it := range d.InstrumentTypes {
		if it.Code == "" || types[it.Code] || it.CycleMonths < 0 || it.NameZh == "" || it.NameEn == "" {
			return fmt.Errorf("reference data instrument_types.yaml: type %q is repeated or incomplete (code, names, cycle_months ≥ 0)", it.Code)
		}
		types[it.Code] = true
		if (it.RegulationNext == "") != (it.RegulationNextFrom == "") || (it.RegulationNext != "" && it.NextFrom() == nil) {
			return fmt.Errorf("reference data instrument_types.yaml: type %q: regulation_next needs regulation_next_from (YYYY-MM-DD), and the other way round", it.Code)
		}
	}
	if len(d.PledgeTexts) == 0 {
		return errors.New("reference data pledge.yaml: at least one pledge text is required")
	}
	for _, p := range d.PledgeTexts {
		if _, err := time.Parse(time.DateOnly, p.PublishedAt); err != nil {
			return fmt.Errorf("reference data pledge.yaml: version %s: published_at must be YYYY-MM-DD", p.Version)
		}
		if p.Version == "" || p.ValidMonths <= 0 || len(p.ClausesZh) == 0 || len(p.ClausesZh) != len(p.ClausesEn) {
			return fmt.Errorf("reference data pledge.yaml: version %q needs a version, valid_months > 0 and the same number of clauses in both languages", p.Version)
		}
	}
	for _, r := range d.RoutingRules {
		if r.Agency != "" && !agencies[r.Agency] {
			return fmt.Errorf("reference data routing.yaml: rule %q names unknown agency %q", r.Name, r.Agency)
		}
		if r.District != "" && !districts[r.District] {
			return fmt.Errorf("reference data routing.yaml: rule %q names unknown district %q", r.Name, r.District)
		}
		if r.Category != "" && !model.Category(r.Category).Valid() {
			return fmt.Errorf("reference data routing.yaml: rule %q has unknown category %q", r.Name, r.Category)
		}
		if r.BusinessType != "" && !model.BusinessType(r.BusinessType).Valid() {
			return fmt.Errorf("reference data routing.yaml: rule %q has unknown business type %q", r.Name, r.BusinessType)
		}
		if r.Priority < int(model.PriorityUrgent) || r.Priority > int(model.PriorityLow) {
			return fmt.Errorf("reference data routing.yaml: rule %q priority must be 1–4", r.Name)
		}
	}
	return nil
}
