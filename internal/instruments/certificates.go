package instruments

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"time"
	"unicode"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/sheet"
)

// Several certificates at once: a merchant pastes rows copied from a
// spreadsheet (or uploads the sheet), one certificate a row, in the
// columns CertificateColumns names. Each row is checked as the single
// certificate form checks one (VerificationForm.Validate) against the
// instrument its serial number names; only the good rows are stored.

// Bounds of one paste or upload: a market's instruments, not an archive.
const (
	MaxCertificateBytes = 256 << 10
	MaxCertificateRows  = 500
)

// CertificateColumns are the fields of a pasted row, in order; their
// names are the certificate form's fields, so a row's problems are worded
// as the form words them.
var CertificateColumns = []string{"serial_no", "certificate_no", "body_name", "verified_on", "valid_until", "result"}

// Refusals of a paste as a whole (field "rows").
var (
	ErrCertificatesTooLarge = fail.Field(fail.Invalid, "rows", "certs.too_large", MaxCertificateBytes>>10)
	ErrCertificatesTooMany  = fail.Field(fail.Invalid, "rows", "certs.too_many", MaxCertificateRows)
	ErrCertificatesNone     = fail.Field(fail.Invalid, "rows", "certs.none")
)

// CertificateRow is one pasted row as typed: its line in the text and the
// certificate it declares for the instrument with SerialNo.
type CertificateRow struct {
	Line        int
	SerialNo    string
	Certificate VerificationForm
}

// Paste is pasted text read into rows. HeaderLine is the line taken as the
// column headings (0: none).
type Paste struct {
	Rows       []CertificateRow
	HeaderLine int
}

// ParseCertificates reads text pasted from a spreadsheet: tab-separated
// (what Excel and WPS copy) or comma-separated, quoted as CSV, blank lines
// skipped. A first row whose serial number and verification date hold no
// digit is the column headings. Dates may be written as sheet.ParseDate
// reads them (2026/3/5, 2026年3月5日…) and become YYYY-MM-DD; the result
// may be written as a word (合格, 不合格, pass, fail). Text over
// MaxCertificateBytes is refused before it is read, and more than
// MaxCertificateRows rows as soon as the next one is met.
func ParseCertificates(text string) (Paste, error) {
	if len(text) > MaxCertificateBytes {
		return Paste{}, ErrCertificatesTooLarge
	}
	text = strings.TrimPrefix(text, "\uFEFF")
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sniffSeparator(text)
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	var p Paste
	first := true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// LazyQuotes reads any text; only the reader itself fails here.
			return Paste{}, err
		}
		if blankRecord(rec) {
			continue
		}
		line, _ := r.FieldPos(0)
		row := rowOf(line, rec)
		if first {
			first = false
			if !hasDigit(row.SerialNo) && !hasDigit(row.Certificate.VerifiedOn) {
				p.HeaderLine = line
				continue
			}
		}
		if len(p.Rows) == MaxCertificateRows {
			return Paste{}, ErrCertificatesTooMany
		}
		p.Rows = append(p.Rows, row)
	}
	if len(p.Rows) == 0 {
		return Paste{}, ErrCertificatesNone
	}
	return p, nil
}

// sniffSeparator is a tab when the first line that has a value holds one
// (a copied spreadsheet), else a comma.
func sniffSeparator(text string) rune {
	for line := range strings.Lines(text) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.Contains(line, "\t") {
			return '\t'
		}
		return ','
	}
	return ','
}

func blankRecord(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func hasDigit(s string) bool { return strings.IndexFunc(s, unicode.IsDigit) >= 0 }

func rowOf(line int, rec []string) CertificateRow {
	cell := func(i int) string {
		if i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	return CertificateRow{Line: line, SerialNo: form.Clean(cell(0)), Certificate: VerificationForm{
		CertificateNo: cell(1), BodyName: cell(2), VerifiedOn: pastedDate(cell(3)), ValidUntil: pastedDate(cell(4)),
		Result: pastedResult(cell(5))}}
}

// pastedDate is a date as the form takes it (YYYY-MM-DD) when sheet reads
// it as one; otherwise as typed, for Validate to refuse.
func pastedDate(s string) string {
	if d, err := sheet.ParseDate(s, false); err == nil {
		return d.Format(time.DateOnly)
	}
	return s
}

// resultWords are the ways a spreadsheet writes a verification result.
var resultWords = map[string]model.VerificationResult{
	"合格": model.ResultPass, "PASS": model.ResultPass, "PASSED": model.ResultPass, "QUALIFIED": model.ResultPass,
	"不合格": model.ResultFail, "FAIL": model.ResultFail, "FAILED": model.ResultFail, "UNQUALIFIED": model.ResultFail,
}

func pastedResult(s string) string {
	if r, ok := resultWords[model.SerialKey(s)]; ok {
		return string(r)
	}
	return s
}

// CheckedCertificate is a pasted row with its verdict: the instrument it
// names and the record to store, or its problems by field
// (CertificateColumns).
type CheckedCertificate struct {
	CertificateRow
	Instrument *model.Instrument
	Type       *model.InstrumentType // the instrument's
	Record     *model.VerificationRecord
	Errors     form.Errors
}

// OK says whether the row is stored.
func (c CheckedCertificate) OK() bool { return !c.Errors.Any() }

// Candidate is an instrument a pasted row may name: one in use of the unit,
// with its type and the certificate numbers already on record for it.
type Candidate struct {
	Instrument model.Instrument
	Type       model.InstrumentType
	// Recorded holds the model.SerialKey of each certificate number its
	// standing records carry: the same certificate twice is a paste made
	// again, not a new verification.
	Recorded map[string]bool
}

// CheckCertificates judges each row as of today: its serial number must
// name exactly one candidate, its certificate pass VerificationForm.Validate
// for that instrument's type, and it must be neither on record already
// nor a repeat of an earlier row. A row that leaves the body empty takes
// defaultBody (the page's "body for rows without one").
func CheckCertificates(rows []CertificateRow, candidates []Candidate, defaultBody string, today time.Time) []CheckedCertificate {
	bySerial := map[string][]int{}
	for i, c := range candidates {
		k := model.SerialKey(c.Instrument.SerialNo)
		bySerial[k] = append(bySerial[k], i)
	}
	defaultBody = form.Clean(defaultBody)
	seen := map[certKey]int{} // → the line that had it first
	out := make([]CheckedCertificate, len(rows))
	for i, row := range rows {
		cc := CheckedCertificate{CertificateRow: row, Errors: form.Errors{}}
		if cc.Certificate.BodyName == "" {
			cc.Certificate.BodyName = defaultBody
		}
		var cand *Candidate
		switch match := bySerial[model.SerialKey(row.SerialNo)]; {
		case row.SerialNo == "":
			cc.Errors.Add("serial_no", "form.required")
		case len(match) == 0:
			cc.Errors.Add("serial_no", "certs.unknown_serial", row.SerialNo)
		case len(match) > 1:
			cc.Errors.Add("serial_no", "certs.serial_ambiguous", row.SerialNo)
		default:
			cand = &candidates[match[0]]
			in, typ := cand.Instrument, cand.Type
			cc.Instrument, cc.Type = &in, &typ
		}
		if r := model.VerificationResult(cc.Certificate.Result); r != model.ResultPass && r != model.ResultFail {
			cc.Errors.Add("result", "certs.result_word")
		}
		var typ model.InstrumentType
		var id int64
		if cand != nil {
			typ, id = cand.Type, cand.Instrument.ID
		}
		rec, errs := cc.Certificate.Validate(typ, id, today)
		for f, m := range errs {
			cc.Errors.Add(f, m.Key, m.Args...)
		}
		if cand != nil && !cc.Errors.Has("certificate_no") {
			key := model.SerialKey(cc.Certificate.CertificateNo)
			pair := certKey{cand.Instrument.ID, key}
			if cand.Recorded[key] {
				cc.Errors.Add("certificate_no", "certs.already_recorded", cc.Certificate.CertificateNo)
			} else if line, ok := seen[pair]; ok {
				cc.Errors.Add("certificate_no", "certs.repeats_line", line)
			} else {
				seen[pair] = row.Line
			}
		}
		if cc.OK() {
			cc.Record = rec
		}
		out[i] = cc
	}
	return out
}

type certKey struct {
	instrument int64
	number     string // model.SerialKey of the certificate number
}

// GoodCertificates counts the rows CheckCertificates found good.
func GoodCertificates(rows []CheckedCertificate) int {
	n := 0
	for _, r := range rows {
		if r.OK() {
			n++
		}
	}
	return n
}

// CertificatesFromSheet turns an uploaded spreadsheet into the text a
// merchant would have pasted (tab-separated, its first row included), so
// the preview and the save read an upload exactly as a paste. Dates that
// the file stores as Excel serials are written as YYYY-MM-DD. It stops at
// the bounds ParseCertificates enforces.
func CertificatesFromSheet(rd *sheet.Reader) (string, error) {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Comma = '\t'
	write := func(cells []string) error {
		for i, col := range CertificateColumns {
			if i < len(cells) && (col == "verified_on" || col == "valid_until") {
				if d, err := sheet.ParseDate(cells[i], rd.Date1904()); err == nil {
					cells[i] = d.Format(time.DateOnly)
				}
			}
		}
		if err := w.Write(cells); err != nil {
			return err
		}
		w.Flush()
		if b.Len() > MaxCertificateBytes {
			return ErrCertificatesTooLarge
		}
		return w.Error()
	}
	if err := write(rd.Header().Values()); err != nil {
		return "", err
	}
	for n := 0; ; n++ {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
		if n == MaxCertificateRows {
			return "", ErrCertificatesTooMany
		}
		if err := write(row.Values()); err != nil {
			return "", err
		}
	}
}
