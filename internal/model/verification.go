package model

import "time"

// BodyAPIToken lets a verification body's own system send records through
// the API. Only the SHA-256 of the token is stored; Hint is its first
// characters, so an administrator can tell tokens apart.
type BodyAPIToken struct {
	ID                 int64
	VerificationBodyID int64
	Name               string
	TokenHash          string
	Hint               string
	CreatedBy          *int64
	CreatedAt          time.Time
	LastUsedAt         *time.Time
	RevokedAt          *time.Time
}

func (BodyAPIToken) TableName() string { return "body_api_tokens" }

// ImportChannel says how a batch of a body's records arrived.
type ImportChannel string

const (
	ImportAPI    ImportChannel = "api"    // the body's system, JSON
	ImportUpload ImportChannel = "upload" // the body's staff, a CSV or XLSX file
)

// ImportStatus is where a batch is: an uploaded file is previewed (every
// row checked, nothing written) until the body's staff confirm it; then it
// is queued and imported in chunks by whichever instance claims it.
type ImportStatus string

const (
	ImportChecking  ImportStatus = "checking" // an upload's rows are being checked; nothing to show yet
	ImportPreviewed ImportStatus = "previewed"
	ImportQueued    ImportStatus = "queued"
	ImportRunning   ImportStatus = "running"
	ImportDone      ImportStatus = "done"
	ImportFailed    ImportStatus = "failed"
	ImportDiscarded ImportStatus = "discarded"
)

// VerificationImport is one batch of a body's records.
type VerificationImport struct {
	ID                 int64
	VerificationBodyID int64
	Channel            ImportChannel
	FileName           string
	IdempotencyKey     *string
	RequestHash        string
	Status             ImportStatus
	TotalRows          int
	DoneRows           int
	NewRows            int
	UnchangedRows      int
	RefusedRows        int
	Error              string
	Response           *string // the API's answer, replayed for a repeated Idempotency-Key
	CreatedBy          *int64
	CreatedAt          time.Time
	StartedAt          *time.Time
	FinishedAt         *time.Time
	LockedUntil        *time.Time
}

func (VerificationImport) TableName() string { return "verification_imports" }

// RowOutcome is what happened (or, in a preview, would happen) to one row.
type RowOutcome string

const (
	RowNew       RowOutcome = "new"       // a record the platform did not have
	RowUnchanged RowOutcome = "unchanged" // the same record again: nothing to do
	RowRefused   RowOutcome = "refused"   // invalid or contradicting a stored record; see the row's problems
	RowPending   RowOutcome = "pending"   // previewed as new, not yet imported
)

// ImportRow is one row of an uploaded file: the record it holds (JSON) and
// what the check or the import made of it.
type ImportRow struct {
	ID       int64
	ImportID int64
	RowNo    int
	Payload  string
	Outcome  RowOutcome
	Problems *string // JSON list of {column, key, args}
	RecordID *int64
}

func (ImportRow) TableName() string { return "verification_import_rows" }

// ConflictKind is one way a body's records and a merchant's disagree.
type ConflictKind string

const (
	ConflictCertificateNo ConflictKind = "certificate_mismatch" // same verification, other certificate number
	ConflictDates         ConflictKind = "date_mismatch"        // same certificate, other dates
	ConflictFailDeclared  ConflictKind = "fail_declared_pass"   // the body failed what the merchant declared passed
	ConflictUnconfirmed   ConflictKind = "unconfirmed"          // a declaration no body record confirmed in time
	ConflictUnregistered  ConflictKind = "unregistered"         // a body record of an instrument nobody listed
	ConflictIdentity      ConflictKind = "identity_mismatch"    // the scale's identity code differs
)

// ConflictKinds lists the kinds in the order the queue's filter shows them.
var ConflictKinds = []ConflictKind{ConflictFailDeclared, ConflictCertificateNo, ConflictDates, ConflictIdentity,
	ConflictUnregistered, ConflictUnconfirmed}

// ConflictStatus: open until an officer resolves or dismisses it.
type ConflictStatus string

const (
	ConflictOpen      ConflictStatus = "open"
	ConflictResolved  ConflictStatus = "resolved"
	ConflictDismissed ConflictStatus = "dismissed"
)

// Conflict is one disagreement in the queue of the agency supervising the
// unit. DedupeKey makes finding the same disagreement twice a no-op.
type Conflict struct {
	ID                 int64
	Kind               ConflictKind
	Status             ConflictStatus
	DedupeKey          string
	AgencyID           *int64
	DistrictID         *int64
	UnitID             *int64
	InstrumentID       *int64
	BodyRecordID       *int64
	DeclaredRecordID   *int64
	VerificationBodyID *int64
	Detail             *string // JSON: what each side says
	CreatedAt          time.Time
	ResolvedAt         *time.Time
	ResolvedBy         *int64
	Resolution         string
	CaseID             *int64 // the internal tip opened from it, if any
}

func (Conflict) TableName() string { return "verification_conflicts" }

// ReminderDigest is the one expiry reminder a unit gets on a day, however
// many instruments it lists.
type ReminderDigest struct {
	ID        int64
	UnitID    int64
	Day       time.Time
	CreatedAt time.Time
}

func (ReminderDigest) TableName() string { return "reminder_digests" }

// ExpiryReminder records that an instrument's certificate valid until
// ValidUntil was reminded of at Stage; there is never a second.
type ExpiryReminder struct {
	ID             int64
	InstrumentID   int64
	ValidUntil     time.Time
	Stage          string
	UnitID         int64
	DigestID       int64
	CreatedAt      time.Time
	AcknowledgedAt *time.Time
}

func (ExpiryReminder) TableName() string { return "expiry_reminders" }
