package reference_test

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"honestmeasure/configs"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
)

func TestChangzhouReferenceData(t *testing.T) {
	d, err := reference.Load(configs.Changzhou())
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Districts) != 7 {
		t.Errorf("districts = %d, want Changzhou's 7", len(d.Districts))
	}
	target := 0
	for _, di := range d.Districts {
		target += di.UnitTarget
	}
	if target != d.City.UnitTarget || target != 2000 {
		t.Errorf("district targets add up to %d, city target %d; want 2000", target, d.City.UnitTarget)
	}
	var detachment bool
	for _, a := range d.Agencies {
		if a.Kind == model.AgencyCityDetachment && a.Districts.All {
			detachment = true
		}
	}
	if !detachment {
		t.Error("no city enforcement detachment with city-wide jurisdiction")
	}
	codes := map[string]int{}
	for _, it := range d.InstrumentTypes {
		codes[it.Code] = it.CycleMonths
	}
	for code, cycle := range map[string]int{"price_scale": 12, "fuel_dispenser": 12, "gas_dispenser": 12, "water_meter": 0,
		"electricity_meter": 0, "gas_meter": 0, "refractometer": 12, "blood_pressure_meter": 12, "taxi_meter": 12} {
		if got, ok := codes[code]; !ok || got != cycle {
			t.Errorf("instrument type %s: cycle %d (present %v), want %d", code, got, ok, cycle)
		}
	}
	if p := d.PledgeTexts[0]; len(p.ClausesZh) != 6 || len(p.ClausesEn) != 6 {
		t.Errorf("pledge has %d/%d clauses, want the six of CONTEXT.md", len(p.ClausesZh), len(p.ClausesEn))
	}
	// 2026: 3+9+3+5+3+3+7 = 33 days off, 6 extra working days.
	off, work := 0, 0
	for _, h := range d.Holidays {
		if h.Kind == model.DayOff {
			off++
		} else {
			work++
		}
	}
	if off != 33 || work != 6 {
		t.Errorf("2026 calendar: %d days off, %d extra working days; want 33 and 6", off, work)
	}
}

func TestBadReferenceDataIsNamed(t *testing.T) {
	base, err := reference.Load(configs.Changzhou())
	if err != nil || base == nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := fs.ReadFile(configs.Changzhou(), name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name, file, from, to, want string
	}{
		{"unknown default agency", "city.yaml", "default_agency: cz-tianning", "default_agency: nowhere", "unknown default agency"},
		{"weekday as extra working day", "holidays/2026.yaml", "work: [2026-01-04]", "work: [2026-01-05]", "extra working day"},
		{"bad date", "holidays/2026.yaml", "off_from: 2026-04-04", "off_from: 2026-04-44", "off_from"},
		{"unknown routing category", "routing.yaml", "category: false_certificate", "category: fraud", "unknown category"},
		{"unknown key", "instrument_types.yaml", "regulation: JJG 539}", "regulation: JJG 539, cycle: 3}", "cycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range []string{"city.yaml", "instrument_types.yaml", "pledge.yaml", "routing.yaml", "holidays/2026.yaml"} {
				fsys[f] = &fstest.MapFile{Data: []byte(read(f))}
			}
			orig := string(fsys[tt.file].Data)
			if !strings.Contains(orig, tt.from) {
				t.Fatalf("fixture text %q not found in %s", tt.from, tt.file)
			}
			fsys[tt.file] = &fstest.MapFile{Data: []byte(strings.Replace(orig, tt.from, tt.to, 1))}
			_, err := reference.Load(fsys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want mention of %q", err, tt.want)
			}
		})
	}
}

// TestRiskRule: Changzhou's risk.yaml loads and validates; a city without
// one gets the documented default; a bad one is refused, naming the field.
func TestRiskRule(t *testing.T) {
	d, err := reference.Load(configs.Changzhou())
	if err != nil {
		t.Fatal(err)
	}
	if d.Risk.Version != "cz-2026-1" || d.Risk.WindowMonths != 24 || d.Risk.Cases.Categories[model.CategoryCheatingDevice] != 45 {
		t.Errorf("Changzhou rule %+v", d.Risk)
	}
	if d.City.RiskPublic {
		t.Error("Changzhou publishes risk classes; the default is off")
	}
	raw, err := fs.ReadFile(configs.Changzhou(), "risk.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{}
	for _, f := range []string{"city.yaml", "instrument_types.yaml", "pledge.yaml", "routing.yaml", "holidays/2026.yaml"} {
		b, err := fs.ReadFile(configs.Changzhou(), f)
		if err != nil {
			t.Fatal(err)
		}
		files[f] = &fstest.MapFile{Data: b}
	}
	without, err := reference.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	def := reference.DefaultRiskRule()
	if without.Risk.Version != def.Version || def.Validate() != nil {
		t.Errorf("without risk.yaml: %+v", without.Risk)
	}
	for _, tt := range []struct{ from, to, want string }{
		{"version: cz-2026-1", "version: \"\"", "version"},
		{"thresholds: {b: 10, c: 30, d: 60}", "thresholds: {b: 10, c: 5, d: 60}", "thresholds"},
		{"cheating_device: 45", "cheating_device: 20", "cheating_device"},
		{"declared_only: 8", "declared_only: 80", "declared_only"},
		{"    each: 5\n", "    each: 500\n", "conflicts.each"},
		{"cap: 20", "cap: 20\n    extra: 1", "extra"},
	} {
		if !strings.Contains(string(raw), tt.from) {
			t.Fatalf("%q not in risk.yaml", tt.from)
		}
		files["risk.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(string(raw), tt.from, tt.to, 1))}
		if _, err := reference.Load(files); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s → %s: err = %v, want mention of %q", tt.from, tt.to, err, tt.want)
		}
	}
}
