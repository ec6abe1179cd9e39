package instruments

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/model"
)

func TestSerialRange(t *testing.T) {
	tests := []struct {
		first string
		n     int
		want  []string
		ok    bool
	}{
		{"SN-1", 1, []string{"SN-1"}, true},
		{"ABC", 1, []string{"ABC"}, true},
		{"A-009", 3, []string{"A-009", "A-010", "A-011"}, true},
		{"99", 2, []string{"99", "100"}, true},
		{"ABC", 2, nil, false},
	}
	for _, tt := range tests {
		got, ok := SerialRange(tt.first, tt.n)
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("SerialRange(%q, %d) = %v, %v", tt.first, tt.n, got, ok)
		}
	}
}

func TestBulkFormMakesIdenticalInstruments(t *testing.T) {
	types := []model.InstrumentType{{ID: 3, Code: "price_scale", CycleMonths: 12}}
	f := Form{TypeID: "3", Model: "ACS-15", Maker: "友声", SerialNo: "YS2026001", Location: "水产区", Quantity: "12"}
	ins, errs := f.Validate(types, 9, true)
	if errs.Any() || len(ins) != 12 || ins[11].SerialNo != "YS2026012" || ins[5].UnitID != 9 || ins[0].Model != "ACS-15" {
		t.Fatalf("bulk: %v %+v", errs, ins)
	}
	for _, q := range []string{"0", "201", "x"} {
		f.Quantity = q
		if _, errs := f.Validate(types, 9, true); !errs.Has("quantity") {
			t.Errorf("quantity %q accepted", q)
		}
	}
	f.Quantity, f.TypeID = "1", "4"
	if _, errs := f.Validate(types, 9, false); !errs.Has("type_id") {
		t.Error("unknown type accepted")
	}
}

func TestVerificationForm(t *testing.T) {
	today := model.Date(2026, 11, 25)
	scale := model.InstrumentType{ID: 1, CycleMonths: 12}
	meter := model.InstrumentType{ID: 2, CycleMonths: 0}
	d := func(s string) *time.Time { t, _ := time.Parse(time.DateOnly, s); return &t }
	tests := []struct {
		name  string
		typ   model.InstrumentType
		f     VerificationForm
		field string
		until *time.Time
	}{
		{"default from cycle", scale, VerificationForm{"JD-1", "常州市计量所", "2026-03-10", "", "pass"}, "", d("2027-03-09")},
		{"explicit until", scale, VerificationForm{"JD-1", "所", "2026-03-10", "2026-09-09", "pass"}, "", d("2026-09-09")},
		{"verified once", meter, VerificationForm{"JD-1", "所", "2026-03-10", "", "pass"}, "", nil},
		{"failed has no until", scale, VerificationForm{"JD-1", "所", "2026-03-10", "", "fail"}, "", nil},
		{"date in the future", scale, VerificationForm{"JD-1", "所", "2026-11-26", "", "pass"}, "verified_on", nil},
		{"today is fine", scale, VerificationForm{"JD-1", "所", "2026-11-25", "", "pass"}, "", d("2027-11-24")},
		{"last day of the cycle", scale, VerificationForm{"JD-1", "所", "2026-03-10", "2027-03-09", "pass"}, "", d("2027-03-09")},
		{"a day past the cycle", scale, VerificationForm{"JD-1", "所", "2026-03-10", "2027-03-10", "pass"}, "valid_until", nil},
		{"valid until 2099", scale, VerificationForm{"JD-1", "常州市计量所", "2026-03-10", "2099-12-31", "pass"}, "valid_until", nil},
		{"verified once: a date only narrows it", meter, VerificationForm{"JD-1", "所", "2026-03-10", "2032-03-09", "pass"}, "", d("2032-03-09")},
		{"until before date", scale, VerificationForm{"JD-1", "所", "2026-03-10", "2026-03-09", "pass"}, "valid_until", nil},
		{"not a date", scale, VerificationForm{"JD-1", "所", "10/03/2026", "", "pass"}, "verified_on", nil},
		{"no certificate", scale, VerificationForm{"", "所", "2026-03-10", "", "pass"}, "certificate_no", nil},
		{"no result", scale, VerificationForm{"JD-1", "所", "2026-03-10", "", ""}, "result", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, errs := tt.f.Validate(tt.typ, 5, today)
			if tt.field != "" {
				if tt.field == "valid_until" && tt.f.ValidUntil > "2027" {
					if m := errs["valid_until"]; m.Key != "verification.until_beyond_cycle" || m.Args[1] != "2027-03-09" {
						t.Fatalf("over-long date: %+v, want the cycle's last day named", m)
					}
				}
				if !errs.Has(tt.field) || rec != nil {
					t.Fatalf("errors %v, want one on %s", errs, tt.field)
				}
				return
			}
			if errs.Any() {
				t.Fatalf("errors %v", errs)
			}
			if (rec.ValidUntil == nil) != (tt.until == nil) || rec.ValidUntil != nil && !rec.ValidUntil.Equal(*tt.until) {
				t.Fatalf("valid until %v, want %v", rec.ValidUntil, tt.until)
			}
		})
	}
}

func TestNormalizeIdentityCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"   ", "", true},
		{"CZ-2026-000123", "CZ-2026-000123", true},
		{" cz-2026-000123\t", "CZ-2026-000123", true},
		{"ｃｚ－２０２６－０１", "CZ-2026-01", true}, // an input method's full width
		{"\u3000ＡＢ１２\u3000", "AB12", true},
		{strings.Repeat("A", 64), strings.Repeat("A", 64), true},
		{strings.Repeat("A", 65), "", false},
		{"CZ 2026", "", false}, // inner space
		{"CZ\u30002026", "", false},
		{"CZ_2026", "", false},
		{"CZ/2026", "", false},
		{"生产码123", "", false},
		{"<script>", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeIdentityCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeIdentityCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFormIdentityCode(t *testing.T) {
	types := []model.InstrumentType{{ID: 3, Code: "price_scale", CycleMonths: 12}, {ID: 4, Code: "fuel_dispenser", CycleMonths: 6}}
	f := Form{TypeID: "3", SerialNo: "YS-1", IdentityCode: " ｙｓ－２０２６－０００１ "}
	ins, errs := f.Validate(types, 9, false)
	if errs.Any() || len(ins) != 1 || ins[0].IdentityCode != "YS-2026-0001" || f.IdentityCode != "YS-2026-0001" {
		t.Fatalf("full-width code: %v %+v, form %q", errs, ins, f.IdentityCode)
	}
	// Any type may carry one; none is fine.
	f = Form{TypeID: "4", SerialNo: "D-1"}
	if ins, errs := f.Validate(types, 9, false); errs.Any() || ins[0].IdentityCode != "" {
		t.Fatalf("no code: %v %+v", errs, ins)
	}
	f = Form{TypeID: "3", SerialNo: "YS-1", IdentityCode: "YS 2026#1"}
	if _, errs := f.Validate(types, 9, false); errs["identity_code"].Key != "instrument.identity_code_format" || f.IdentityCode != "YS 2026#1" {
		t.Fatalf("bad code: %v, kept %q", errs, f.IdentityCode)
	}
	// Several identical scales cannot share one code; one of them can have it.
	f = Form{TypeID: "3", SerialNo: "YS-1", Quantity: "3", IdentityCode: "YS-2026-0001"}
	if _, errs := f.Validate(types, 9, true); errs["identity_code"].Key != "instrument.identity_code_bulk" {
		t.Fatalf("bulk with a code: %v", errs)
	}
	f.Quantity = "1"
	if ins, errs := f.Validate(types, 9, true); errs.Any() || ins[0].IdentityCode != "YS-2026-0001" {
		t.Fatalf("one with a code: %v %+v", errs, ins)
	}
	if got := FromInstrument(&model.Instrument{TypeID: 3, SerialNo: "YS-1", IdentityCode: "YS-2026-0001"}); got.IdentityCode != "YS-2026-0001" {
		t.Fatalf("FromInstrument lost the code: %+v", got)
	}
}

func TestSerialChangeAllowed(t *testing.T) {
	for _, tc := range []struct {
		old, next string
		records   int
		want      bool
	}{
		{"CZ-01", "CZ-02", 0, true},  // no certificate yet: a typo may be fixed
		{"CZ-01", "CZ-02", 1, false}, // a certificate pins the number
		{"cz-01", "CZ-01", 1, true},  // the same number, spelt in capitals
		{"CZ-01", "ＣＺ－01", 2, true},  // full-width is the same number
		{"CZ-01", "CZ-01 ", 1, true},
	} {
		if got := SerialChangeAllowed(tc.old, tc.next, tc.records); got != tc.want {
			t.Errorf("SerialChangeAllowed(%q, %q, %d) = %v, want %v", tc.old, tc.next, tc.records, got, tc.want)
		}
	}
}
