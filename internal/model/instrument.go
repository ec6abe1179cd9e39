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
	Active      bool
	SortOrder   int
}

func (InstrumentType) TableName() string { return "instrument_types" }

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
	Location   string
	Status     InstrumentStatus
	RetiredAt  *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
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

// VerificationRecord is one verification certificate of an instrument.
type VerificationRecord struct {
	ID                 int64
	InstrumentID       int64
	CertificateNo      string
	BodyName           string
	VerificationBodyID *int64
	VerifiedOn         time.Time
	ValidUntil         *time.Time // nil: no expiry (verified once, replaced at end of life)
	Result             VerificationResult
	Source             VerificationSource
	RecordedBy         *int64
	CreatedAt          time.Time
}

func (VerificationRecord) TableName() string { return "verification_records" }

// Declared reports whether only the merchant vouches for the record. Anything
// not confirmed by the verification body counts as declared.
func (r *VerificationRecord) Declared() bool { return r.Source != SourceConfirmed }

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

// NeedsAttention orders states for the merchant dashboard: lower first.
func (s VerificationState) NeedsAttention() int {
	switch s {
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
