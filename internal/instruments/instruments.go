// Package instruments holds the rules for a unit's measuring instruments and
// their verification records: what a valid entry looks like, how bulk entry
// expands into instruments, and the default valid-until date from the
// type's verification cycle. It stores nothing itself.
package instruments

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
)

// MaxBulk is the most instruments one bulk entry creates (a large market).
const MaxBulk = 200

// Form is the instrument form as typed.
type Form struct {
	TypeID   string
	Model    string
	Maker    string
	SerialNo string
	Location string
	Quantity string // bulk: how many identical instruments; serials count up from SerialNo
	// IdentityCode is the national identity code (生产码) printed on an
	// electronic price-computing scale (JJF 2184-2025); optional, and
	// offered for every type.
	IdentityCode string
}

// MaxIdentityCode bounds an identity code (instruments.identity_code).
const MaxIdentityCode = 64

// NormalizeIdentityCode turns an identity code as typed into the stored
// form: surrounding spaces gone, full-width letters, digits and hyphens
// made half-width and letters upper case (as model.SerialKey does: an
// input method's "ａｂ－１２" is "AB-12"). ok is false unless what is left
// is 1 to MaxIdentityCode letters, digits and hyphens; "" is ok (none).
func NormalizeIdentityCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	if strings.ContainsFunc(s, unicode.IsSpace) {
		return "", false // SerialKey drops inner spaces; a code has none
	}
	s = model.SerialKey(s)
	if len(s) > MaxIdentityCode {
		return "", false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return "", false
		}
	}
	return s, true
}

// FromInstrument fills the form for editing.
func FromInstrument(in *model.Instrument) Form {
	return Form{TypeID: strconv.FormatInt(in.TypeID, 10), Model: in.Model, Maker: in.Maker, SerialNo: in.SerialNo,
		Location: in.Location, Quantity: "1", IdentityCode: in.IdentityCode}
}

// Validate checks the form and returns the instruments it describes (one, or
// Quantity of them for bulk entry), with unit and type set.
func (f *Form) Validate(types []model.InstrumentType, unitID int64, bulk bool) ([]model.Instrument, form.Errors) {
	errs := form.Errors{}
	f.Model, f.Maker = form.Clean(f.Model), form.Clean(f.Maker)
	f.SerialNo, f.Location = form.Clean(f.SerialNo), form.Clean(f.Location)
	typeID := form.Choice(errs, "type_id", f.TypeID, types, func(t model.InstrumentType) int64 { return t.ID })
	if f.SerialNo == "" {
		errs.Add("serial_no", "form.required")
	} else if form.TooLong(f.SerialNo, 90) {
		errs.Add("serial_no", "form.too_long", 90)
	}
	for field, v := range map[string]string{"model": f.Model, "location": f.Location} {
		if form.TooLong(v, 100) {
			errs.Add(field, "form.too_long", 100)
		}
	}
	if form.TooLong(f.Maker, 200) {
		errs.Add("maker", "form.too_long", 200)
	}
	// A wrong code is shown again as typed; a right one as it is stored.
	if code, ok := NormalizeIdentityCode(f.IdentityCode); !ok {
		errs.Add("identity_code", "instrument.identity_code_format", MaxIdentityCode)
	} else {
		f.IdentityCode = code
	}
	n := 1
	if bulk {
		if f.Quantity == "" {
			f.Quantity = "1"
		}
		q, err := strconv.Atoi(strings.TrimSpace(f.Quantity))
		if err != nil || q < 1 || q > MaxBulk {
			errs.Add("quantity", "form.range", 1, MaxBulk)
		} else {
			n = q
		}
		// Each scale has its own identity code: identical instruments
		// cannot share one.
		if n > 1 && f.IdentityCode != "" && !errs.Has("identity_code") {
			errs.Add("identity_code", "instrument.identity_code_bulk")
		}
	}
	if errs.Any() {
		return nil, errs
	}
	serials, ok := SerialRange(f.SerialNo, n)
	if !ok {
		errs.Add("serial_no", "instrument.serial_needs_number")
		return nil, errs
	}
	out := make([]model.Instrument, 0, n)
	for _, s := range serials {
		out = append(out, model.Instrument{UnitID: unitID, TypeID: typeID, Model: f.Model, Maker: f.Maker,
			SerialNo: s, IdentityCode: f.IdentityCode, Location: f.Location, Status: model.InstrumentInUse})
	}
	return out, nil
}

// SerialRange returns n serial numbers counting up from first's trailing
// number, keeping its zero padding: "A-009" ×3 →. One
// serial needs no number; several do (ok is false otherwise).
func SerialRange(first string, n int) ([]string, bool) {
	if n == 1 {
		return []string{first}, true
	}
	i := len(first)
	for i > 0 && first[i-1] >= '0' && first[i-1] <= '9' {
		i--
	}
	digits := first[i:]
	if digits == "" || len(digits) > 15 {
		return nil, false
	}
	start, _ := strconv.ParseInt(digits, 10, 64)
	out := make([]string, n)
	for k := 0; k < n; k++ {
		out[k] = fmt.Sprintf("%s%0*d", first[:i], len(digits), start+int64(k))
	}
	return out, true
}

// VerificationForm is a certificate as typed.
type VerificationForm struct {
	CertificateNo string
	BodyName      string
	VerifiedOn    string // YYYY-MM-DD
	ValidUntil    string // optional; defaults from the type's cycle
	Result        string // pass or fail
}

// DefaultValidUntil is the last valid day of a certificate issued on
// verifiedOn for a type verified every cycleMonths months; nil when the
// type is verified once (cycle 0).
// It is also the latest date a merchant may declare (model.CycleEnd).
func DefaultValidUntil(verifiedOn time.Time, cycleMonths int) *time.Time {
	return model.CycleEnd(verifiedOn, cycleMonths)
}

func beyondCycle(until, verified time.Time, cycleMonths int) bool {
	end := DefaultValidUntil(verified, cycleMonths)
	return end != nil && until.After(*end)
}

// Validate checks the certificate as of today (the local calendar date) and
// returns the record to store.
func (f *VerificationForm) Validate(typ model.InstrumentType, instrumentID int64, today time.Time) (*model.VerificationRecord, form.Errors) {
	errs := form.Errors{}
	f.CertificateNo, f.BodyName = form.Clean(f.CertificateNo), form.Clean(f.BodyName)
	f.VerifiedOn, f.ValidUntil = strings.TrimSpace(f.VerifiedOn), strings.TrimSpace(f.ValidUntil)
	if f.CertificateNo == "" {
		errs.Add("certificate_no", "form.required")
	} else if form.TooLong(f.CertificateNo, 100) {
		errs.Add("certificate_no", "form.too_long", 100)
	}
	if f.BodyName == "" {
		errs.Add("body_name", "form.required")
	} else if form.TooLong(f.BodyName, 200) {
		errs.Add("body_name", "form.too_long", 200)
	}
	result := model.VerificationResult(f.Result)
	if result != model.ResultPass && result != model.ResultFail {
		errs.Add("result", "form.choose")
	}
	verified, err := time.Parse(time.DateOnly, f.VerifiedOn)
	switch {
	case f.VerifiedOn == "":
		errs.Add("verified_on", "form.required")
	case err != nil:
		errs.Add("verified_on", "form.date")
	case verified.After(model.DateOf(today)):
		errs.Add("verified_on", "verification.date_in_future")
	case verified.Year() < 1990:
		errs.Add("verified_on", "form.date")
	}
	var until *time.Time
	if f.ValidUntil != "" {
		u, err := time.Parse(time.DateOnly, f.ValidUntil)
		switch {
		case err != nil:
			errs.Add("valid_until", "form.date")
		case !errs.Has("verified_on") && u.Before(verified):
			errs.Add("valid_until", "verification.until_before_date")
		case !errs.Has("verified_on") && beyondCycle(u, verified, typ.CycleMonths):
			// A certificate is valid for one cycle at most (JJG): a later
			// date is a claim no verification body makes.
			errs.Add("valid_until", "verification.until_beyond_cycle", typ.CycleMonths,
				DefaultValidUntil(verified, typ.CycleMonths).Format(time.DateOnly))
		default:
			until = &u
		}
	} else if !errs.Has("verified_on") && result == model.ResultPass {
		until = DefaultValidUntil(verified, typ.CycleMonths)
	}
	if errs.Any() {
		return nil, errs
	}
	if result == model.ResultFail {
		until = nil // a failed instrument is not valid until any date
	}
	return &model.VerificationRecord{InstrumentID: &instrumentID, CertificateNo: f.CertificateNo, BodyName: f.BodyName,
		VerifiedOn: verified, ValidUntil: until, Result: result, Source: model.SourceDeclared}, nil
}

// SerialChangeAllowed says whether an instrument's serial number may change
// from old to next. Not once a verification record names the instrument:
// the certificate was issued for the scale that carries that number, and a
// changed number would silently move it onto another scale. Spelling that
// SerialKey treats as the same (case, full-width digits, spaces) may change.
func SerialChangeAllowed(old, next string, records int) bool {
	return !SerialLocked(records) || model.SerialKey(old) == model.SerialKey(next)
}

// SerialLocked says whether an instrument with this many verification
// records has its serial number fixed (see SerialChangeAllowed).
func SerialLocked(records int) bool { return records > 0 }

// Blank says whether nothing of the certificate was typed; the result alone
// is a choice the form presets, not a certificate.
func (f VerificationForm) Blank() bool {
	return strings.TrimSpace(f.CertificateNo+f.BodyName+f.VerifiedOn+f.ValidUntil) == ""
}

// ValidateNew checks the new-instrument form with its optional certificate
// section and returns every problem of both together: the instruments to
// add and, unless the section is blank, the certificate of the one
// instrument (its InstrumentID is set once the instrument is stored). A
// certificate names one instrument, so it cannot come with a quantity.
func ValidateNew(f *Form, vf *VerificationForm, types []model.InstrumentType, unitID int64, today time.Time) ([]model.Instrument, *model.VerificationRecord, form.Errors) {
	list, errs := f.Validate(types, unitID, true)
	if vf.Blank() {
		return list, nil, errs
	}
	if errs == nil {
		errs = form.Errors{}
	}
	var typ model.InstrumentType // unknown type: no cycle to hold valid-until to yet
	for _, t := range types {
		if strconv.FormatInt(t.ID, 10) == strings.TrimSpace(f.TypeID) {
			typ = t
		}
	}
	rec, verrs := vf.Validate(typ, 0, today)
	for field, m := range verrs {
		errs.Add(field, m.Key, m.Args...)
	}
	if q, err := strconv.Atoi(strings.TrimSpace(f.Quantity)); err == nil && q > 1 {
		errs.Add("quantity", "certs.one_with_certificate")
	}
	if errs.Any() {
		return nil, nil, errs
	}
	return list, rec, nil
}
