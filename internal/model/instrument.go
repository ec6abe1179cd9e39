package model

import "time"

// InstrumentType is one entry of the catalogue. CycleMonths 0 means the
// instrument is verified once and replaced at end of life.
type InstrumentType struct {
	ID          int64
	Code        string
	NameZh      string
	NameEn      string
	CycleMonths int
	Mandatory   bool
	Regulation  string
	// RegulationNext replaces Regulation from RegulationNextFrom on (a
	// new verification regulation announced with its effective date).
	RegulationNext     string
	RegulationNextFrom *time.Time
	Active             bool
	SortOrder          int
}

func (InstrumentType) TableName() string { return "instrument_types" }

// RegulationOn is the verification regulation in force for the type on the
// calendar day of t.
func (t InstrumentType) RegulationOn(at time.Time) string {
	if t.RegulationNext != "" && t.RegulationNextFrom != nil && !DateOf(at).Before(DateOf(*t.RegulationNextFrom)) {
		return t.RegulationNext
	}
	return t.Regulation
}

// InstrumentStatus: in use, or retired (kept for the record, never shown as
// in use on the scan page).
type InstrumentStatus string

const (
	InstrumentInUse   InstrumentStatus = "in_use"
	InstrumentRetired InstrumentStatus = "retired"
)

// Instrument is a measuring instrument used in a unit.
type Instrument struct {
	ID         int64
	UnitID     int64
	TypeID     int64
	Model      string
	Maker      string
	SerialNo   string
	SerialLive *string
	// SerialKey is SerialNo as a verification body's record is matched
	// against it (SerialKey in this package); kept by storage.
	SerialKey string
	// IdentityCode is the national identity code (生产码) of an electronic
	// price-computing scale, as the merchant typed it; optional.
	IdentityCode string
	Location     string
	Status       InstrumentStatus
	RetiredAt    *time.Time
	// SealedAt is when a case conclusion sealed (封存) the instrument, the
	// case SealedCaseID; nil when not sealed. See StateOfInstrument.
	SealedAt     *time.Time
	SealedCaseID *int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (Instrument) TableName() string { return "instruments" }

// VerificationResult is the outcome written on a certificate.
type VerificationResult string

const (
	ResultPass VerificationResult = "pass"
	ResultFail VerificationResult = "fail"
)

// VerificationSource says who vouches for a record.
type VerificationSource string

const (
	SourceDeclared  VerificationSource = "declared"  // typed in by the merchant
	SourceConfirmed VerificationSource = "confirmed" // from the verification body
)

// VerificationRecord is one verification record of an instrument: a
// certificate the merchant declared, or a record a verification body sent
// (a certificate, a fail notice or a cancellation). A body's record is never
// changed: a correction is a new record that supersedes it, a cancellation
// one that revokes it (RevokedAt, RevokedByID). The Instrument… fields are
// the instrument as the body wrote it; InstrumentID is the registered
// instrument it matched, nil when none did (a lead: see Conflict).
type VerificationRecord struct {
	ID                 int64
	InstrumentID       *int64
	UnitID             *int64
	Kind               RecordKind
	CertificateNo      string
	BodyName           string
	VerificationBodyID *int64
	BodyKey            *int64 // = VerificationBodyID on a body's record, nil on a declaration: the uniqueness key
	BodyRecordNo       string
	VerifiedOn         time.Time
	ValidUntil         *time.Time // nil: no expiry (verified once, replaced at end of life)
	Result             VerificationResult
	Conclusion         string
	AccuracyClass      string
	Regulation         string
	InstrumentName     string
	InstrumentModel    string
	InstrumentSerial   string
	SerialKey          string
	InstrumentMaker    string
	IdentityCode       string
	SubmitterName      string
	SubmitterUSCC      string `gorm:"column:submitter_uscc"`
	Verifier           string
	Checker            string
	Approver           string
	IssuedAt           *time.Time
	SupersedesID       *int64
	RevokedAt          *time.Time
	RevokedByID        *int64
	ImportBatchID      *int64
	PayloadHash        string
	Source             VerificationSource
	RecordedBy         *int64
	CreatedAt          time.Time
}

func (VerificationRecord) TableName() string { return "verification_records" }

// Declared reports whether only the merchant vouches for the record. Anything
// not confirmed by the verification body counts as declared.
func (r *VerificationRecord) Declared() bool { return r.Source != SourceConfirmed }

// Revoked reports whether a later record of the body superseded or
// cancelled this one: it no longer says anything about the instrument.
func (r *VerificationRecord) Revoked() bool { return r.RevokedAt != nil }

// RecordKind is what a verification body's record is. Declarations are
// certificates.
type RecordKind string

const (
	KindCertificate  RecordKind = "certificate"  // 检定证书: passed
	KindFailNotice   RecordKind = "fail_notice"  // 检定结果通知书: failed
	KindCancellation RecordKind = "cancellation" // 注销: revokes a certificate
)

// RecordKinds lists the kinds in the order forms and templates show them.
var RecordKinds = []RecordKind{KindCertificate, KindFailNotice, KindCancellation}

// Valid reports whether k is a known kind.
func (k RecordKind) Valid() bool {
	for _, x := range RecordKinds {
		if k == x {
			return true
		}
	}
	return false
}

// CycleEnd is the last valid day of a certificate issued on verifiedOn for
// an instrument type verified every cycleMonths months; nil when the type is
// verified once (cycle 0) and the verification does not expire.
func CycleEnd(verifiedOn time.Time, cycleMonths int) *time.Time {
	if cycleMonths <= 0 {
		return nil
	}
	d := DateOf(verifiedOn).AddDate(0, cycleMonths, -1)
	return &d
}

// EffectiveValidUntil is the valid-until date the platform shows and judges
// by for rec on an instrument of type typ. A merchant's declaration never
// reaches past one verification cycle from its verification date, whatever
// it says (rows stored before that rule, or an instrument whose type was
// changed to one with a shorter cycle); a record confirmed by the
// verification body is taken as the body wrote it. A type verified once
// caps nothing: any date a merchant gives only narrows "no expiry".
func (r *VerificationRecord) EffectiveValidUntil(typ InstrumentType) *time.Time {
	if !r.Declared() {
		return r.ValidUntil
	}
	end := CycleEnd(r.VerifiedOn, typ.CycleMonths)
	if end == nil || (r.ValidUntil != nil && !r.ValidUntil.After(*end)) {
		return r.ValidUntil
	}
	return end
}

// VerificationState is what a citizen is told about an instrument.
type VerificationState string

const (
	StateValid        VerificationState = "valid"
	StateExpiring     VerificationState = "expiring"
	StateExpired      VerificationState = "expired"
	StateFailed       VerificationState = "failed"
	StateNeverChecked VerificationState = "never_verified"
	StateSealed       VerificationState = "sealed" // sealed by the bureau after a case
)

// ExpiringWithinDays is how close to its valid-until date a certificate
// counts as expiring.
const ExpiringWithinDays = 30

// StateOf derives the verification state from the latest record (nil when
// the instrument was never verified) of an instrument of type typ on the
// local calendar day of now, by the record's EffectiveValidUntil. A
// certificate is valid through the whole of its valid-until day.
func StateOf(latest *VerificationRecord, typ InstrumentType, now time.Time) VerificationState {
	if latest == nil {
		return StateNeverChecked
	}
	if latest.Result == ResultFail {
		return StateFailed
	}
	validUntil := latest.EffectiveValidUntil(typ)
	if validUntil == nil {
		return StateValid
	}
	today := DateOf(now)
	until := DateOf(*validUntil)
	switch {
	case today.After(until):
		return StateExpired
	case !today.AddDate(0, 0, ExpiringWithinDays).Before(until):
		return StateExpiring
	default:
		return StateValid
	}
}

// StateOfInstrument is in's state: StateOf its governing record (Current),
// except that a sealed instrument is StateSealed until a verification body
// records a pass on a day after the seal (a merchant's own declaration does
// not lift a seal the bureau put on).
func StateOfInstrument(in Instrument, latest *VerificationRecord, typ InstrumentType, now time.Time) VerificationState {
	if in.SealedAt != nil && (latest == nil || latest.Declared() || latest.Result != ResultPass ||
		!DateOf(latest.VerifiedOn).After(DateOf(*in.SealedAt))) {
		return StateSealed
	}
	return StateOf(latest, typ, now)
}

// NeedsAttention orders states for the merchant dashboard: lower first.
func (s VerificationState) NeedsAttention() int {
	switch s {
	case StateSealed:
		return -1
	case StateExpired:
		return 0
	case StateFailed:
		return 1
	case StateNeverChecked:
		return 2
	case StateExpiring:
		return 3
	default:
		return 4
	}
}

// Current picks, from an instrument's records, the one its state is judged
// by; nil when none counts. Revoked records and cancellations say nothing
// about the instrument. Among the rest the latest verification wins, and on
// the same day the body's record beats the merchant's. One rule overrides
// dates: after the body failed an instrument, only a later record of a body
// puts it back in service — the merchant's own declaration of a newer pass
// does not (an owner's claim is not enough to clear a failed device).
func Current(recs []VerificationRecord) *VerificationRecord {
	var latest, latestBody *VerificationRecord
	for i := range recs {
		r := &recs[i]
		if r.Revoked() || r.Kind == KindCancellation {
			continue
		}
		if newer(r, latest) {
			latest = r
		}
		if !r.Declared() && newer(r, latestBody) {
			latestBody = r
		}
	}
	if latest != nil && latest.Declared() && latestBody != nil && latestBody.Result == ResultFail {
		return latestBody
	}
	return latest
}

// newer orders records for Current: verification day, then the body's
// before the merchant's, then the later entry.
func newer(r, than *VerificationRecord) bool {
	switch {
	case than == nil:
		return true
	case !r.VerifiedOn.Equal(than.VerifiedOn):
		return r.VerifiedOn.After(than.VerifiedOn)
	case r.Declared() != than.Declared():
		return !r.Declared()
	default:
		return r.ID > than.ID
	}
}

// SerialKey is a serial number as records are matched by it: spaces gone,
// full-width letters and digits made half-width (an input method's "ＡＢ１２"
// is "AB12"), upper case. A body's system and a merchant's phone write the
// same serial differently in exactly these ways.
func SerialKey(serial string) string {
	out := make([]rune, 0, len(serial))
	for _, r := range serial {
		switch {
		case r == '\u3000' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0':
			continue
		case r >= '\uff01' && r <= '\uff5e':
			r -= 0xfee0
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		out = append(out, r)
	}
	return string(out)
}
