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
// the instrument was never verified) on the local calendar day of now. A
// certificate is valid through the whole of its valid-until day.
func StateOf(latest *VerificationRecord, now time.Time) VerificationState {
	if latest == nil {
		return StateNeverChecked
	}
	if latest.Result == ResultFail {
		return StateFailed
	}
	if latest.ValidUntil == nil {
		return StateValid
	}
	today := DateOf(now)
	until := DateOf(*latest.ValidUntil)
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
