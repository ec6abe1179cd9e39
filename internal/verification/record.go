package verification

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/uscc"
)

// Record is one record as a body sends it, by the API (JSON) or as a row of
// an uploaded file (see Columns). Every field is text as sent; Check turns
// it into a model.VerificationRecord or says, field by field, what is wrong.
// Dates are YYYY-MM-DD (a file's other date forms are converted before).
type Record struct {
	Kind             string `json:"kind"` // certificate | fail_notice | cancellation
	CertificateNo    string `json:"certificate_no"`
	BodyRecordNo     string `json:"body_record_no,omitempty"`
	Conclusion       string `json:"conclusion,omitempty"`
	AccuracyClass    string `json:"accuracy_class,omitempty"`
	Regulation       string `json:"regulation,omitempty"`
	InstrumentType   string `json:"instrument_type,omitempty"` // a catalogue code; narrows matching
	InstrumentName   string `json:"instrument_name,omitempty"`
	InstrumentModel  string `json:"instrument_model,omitempty"`
	InstrumentSerial string `json:"instrument_serial,omitempty"`
	InstrumentMaker  string `json:"instrument_maker,omitempty"`
	IdentityCode     string `json:"identity_code,omitempty"`
	SubmitterName    string `json:"submitter_name,omitempty"`
	SubmitterUSCC    string `json:"submitter_uscc,omitempty"`
	Verifier         string `json:"verifier,omitempty"`
	Checker          string `json:"checker,omitempty"`
	Approver         string `json:"approver,omitempty"`
	VerifiedOn       string `json:"verified_on,omitempty"`
	ValidUntil       string `json:"valid_until,omitempty"`
	IssuedAt         string `json:"issued_at,omitempty"`  // RFC 3339, or YYYY-MM-DD
	Supersedes       string `json:"supersedes,omitempty"` // certificate number of the body's record this one corrects
}

// kindNames are the words a body's staff may type for a kind in a file.
var kindNames = map[string]model.RecordKind{
	"certificate": model.KindCertificate, "检定证书": model.KindCertificate, "证书": model.KindCertificate, "合格": model.KindCertificate,
	"fail_notice": model.KindFailNotice, "检定结果通知书": model.KindFailNotice, "结果通知书": model.KindFailNotice, "不合格": model.KindFailNotice,
	"cancellation": model.KindCancellation, "注销": model.KindCancellation,
}

// fieldLimits are the column widths of verification_records, in characters.
var fieldLimits = []struct {
	field string
	value func(*Record) *string
	max   int
}{
	{"certificate_no", func(r *Record) *string { return &r.CertificateNo }, 100},
	{"body_record_no", func(r *Record) *string { return &r.BodyRecordNo }, 100},
	{"conclusion", func(r *Record) *string { return &r.Conclusion }, 200},
	{"accuracy_class", func(r *Record) *string { return &r.AccuracyClass }, 20},
	{"regulation", func(r *Record) *string { return &r.Regulation }, 100},
	{"instrument_type", func(r *Record) *string { return &r.InstrumentType }, 40},
	{"instrument_name", func(r *Record) *string { return &r.InstrumentName }, 100},
	{"instrument_model", func(r *Record) *string { return &r.InstrumentModel }, 100},
	{"instrument_serial", func(r *Record) *string { return &r.InstrumentSerial }, 100},
	{"instrument_maker", func(r *Record) *string { return &r.InstrumentMaker }, 200},
	{"identity_code", func(r *Record) *string { return &r.IdentityCode }, 64},
	{"submitter_name", func(r *Record) *string { return &r.SubmitterName }, 200},
	{"submitter_uscc", func(r *Record) *string { return &r.SubmitterUSCC }, 18},
	{"verifier", func(r *Record) *string { return &r.Verifier }, 100},
	{"checker", func(r *Record) *string { return &r.Checker }, 100},
	{"approver", func(r *Record) *string { return &r.Approver }, 100},
	{"verified_on", func(r *Record) *string { return &r.VerifiedOn }, 10},
	{"valid_until", func(r *Record) *string { return &r.ValidUntil }, 10},
	{"issued_at", func(r *Record) *string { return &r.IssuedAt }, 35},
	{"supersedes", func(r *Record) *string { return &r.Supersedes }, 100},
	{"kind", func(r *Record) *string { return &r.Kind }, 20},
}

// earliestDate bounds the dates a record may carry: nothing verified before
// it is still in use, and a typo like 0202 is caught.
var earliestDate = model.Date(1990, 1, 1)

// Check validates r as sent by a body on day today (the local calendar
// day), normalising it in place (spaces, the kind's word, the credit code's
// case), and returns the record to store — without instrument, unit or
// batch, which matching adds — or the problems per field.
func Check(r *Record, today time.Time) (*model.VerificationRecord, form.Errors) {
	errs := form.Errors{}
	for _, f := range fieldLimits {
		v := f.value(r)
		*v = form.Clean(strings.ToValidUTF8(*v, ""))
		if form.TooLong(*v, f.max) {
			errs.Add(f.field, "form.too_long", f.max)
		}
	}
	kind, ok := kindNames[strings.ToLower(r.Kind)]
	switch {
	case r.Kind == "":
		errs.Add("kind", "form.required")
	case !ok:
		errs.Add("kind", "verification.kind_unknown")
	default:
		r.Kind = string(kind)
	}
	if r.CertificateNo == "" {
		errs.Add("certificate_no", "form.required")
	}
	r.SubmitterUSCC = uscc.Normalize(r.SubmitterUSCC)
	if kind != model.KindCancellation {
		if r.SubmitterUSCC == "" {
			errs.Add("submitter_uscc", "form.required")
		} else if !errs.Has("submitter_uscc") && uscc.Validate(r.SubmitterUSCC) != nil {
			errs.Add("submitter_uscc", "verification.uscc_invalid")
		}
		if r.InstrumentSerial == "" {
			errs.Add("instrument_serial", "form.required")
		} else if model.SerialKey(r.InstrumentSerial) == "" {
			errs.Add("instrument_serial", "verification.serial_empty")
		}
	}
	rec := &model.VerificationRecord{Kind: kind, CertificateNo: r.CertificateNo, BodyRecordNo: r.BodyRecordNo,
		Conclusion: r.Conclusion, AccuracyClass: r.AccuracyClass, Regulation: r.Regulation, InstrumentName: r.InstrumentName,
		InstrumentModel: r.InstrumentModel, InstrumentSerial: r.InstrumentSerial, InstrumentMaker: r.InstrumentMaker,
		IdentityCode: model.SerialKey(r.IdentityCode), SubmitterName: r.SubmitterName, SubmitterUSCC: r.SubmitterUSCC,
		Verifier: r.Verifier, Checker: r.Checker, Approver: r.Approver, Source: model.SourceConfirmed, Result: model.ResultPass}
	if kind == model.KindFailNotice {
		rec.Result = model.ResultFail
	}
	latest := today.AddDate(0, 0, 1) // a body a time zone away may date tomorrow
	verified, ok := date(errs, "verified_on", r.VerifiedOn, kind != model.KindCancellation)
	if ok && (verified.Before(earliestDate) || verified.After(latest)) {
		errs.Add("verified_on", "verification.date_out_of_range")
	}
	rec.VerifiedOn = verified
	if kind == model.KindCancellation && r.VerifiedOn == "" {
		rec.VerifiedOn = today // the day the cancellation was recorded
	}
	if until, ok := date(errs, "valid_until", r.ValidUntil, false); ok {
		switch {
		case kind != model.KindCertificate:
			errs.Add("valid_until", "verification.until_only_certificate")
		case !errs.Has("verified_on") && until.Before(verified):
			errs.Add("valid_until", "verification.until_before_verified")
		case until.After(verified.AddDate(20, 0, 0)):
			errs.Add("valid_until", "verification.date_out_of_range")
		default:
			rec.ValidUntil = &until
		}
	}
	if r.IssuedAt != "" {
		at, err := time.Parse(time.RFC3339, r.IssuedAt)
		if err != nil {
			d, derr := time.Parse(time.DateOnly, r.IssuedAt)
			at, err = d.Add(-8*time.Hour), derr // a date alone is that day's start in China
		}
		if err != nil {
			errs.Add("issued_at", "verification.time_invalid")
		} else {
			at = at.UTC()
			rec.IssuedAt = &at
		}
	}
	if r.Supersedes != "" {
		if kind == model.KindCancellation {
			errs.Add("supersedes", "verification.cancel_no_supersede")
		} else if r.Supersedes == r.CertificateNo {
			errs.Add("supersedes", "verification.supersedes_itself")
		}
	}
	if errs.Any() {
		return nil, errs
	}
	rec.PayloadHash = r.Hash()
	return rec, nil
}

// date parses a YYYY-MM-DD field; ok is false when it is empty or invalid
// (invalid adds the problem, as does empty when required).
func date(errs form.Errors, field, v string, required bool) (time.Time, bool) {
	if v == "" {
		if required {
			errs.Add(field, "form.required")
		}
		return time.Time{}, false
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		errs.Add(field, "verification.date_invalid")
		return time.Time{}, false
	}
	return d, true
}

// Hash is the SHA-256 of the record as checked (fields normalised): the
// same record sent twice has the same hash, so a re-import is recognised
// and adds nothing, and a different record under a stored certificate
// number is told from a repetition.
func (r *Record) Hash() string {
	b, _ := json.Marshal(r) // a struct of strings: its encoding is fixed
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
