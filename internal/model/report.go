package model

import "time"

// ReportKind separates complaints (the consumer wants redress) from tips
// (a violation is reported; anonymous allowed) — SAMR Order No. 121.
type ReportKind string

const (
	KindComplaint ReportKind = "complaint"
	KindTip       ReportKind = "tip"
)

// Category is what the report is about.
type Category string

const (
	CategoryShortWeight     Category = "short_weight"
	CategoryCheatingDevice  Category = "cheating_device"
	CategoryUnverified      Category = "unverified_instrument"
	CategoryTampered        Category = "tampered_instrument"
	CategoryShortNetContent Category = "short_net_content"
	CategoryFalseData       Category = "false_certificate"
	CategoryCounterfeitQR   Category = "counterfeit_qr"
	CategoryOther           Category = "other"
)

// Categories lists every category in display order.
var Categories = []Category{
	CategoryShortWeight, CategoryCheatingDevice, CategoryUnverified, CategoryTampered,
	CategoryShortNetContent, CategoryFalseData, CategoryCounterfeitQR, CategoryOther,
}

// Valid reports whether c is a known category.
func (c Category) Valid() bool {
	for _, x := range Categories {
		if c == x {
			return true
		}
	}
	return false
}

// Report is what a citizen submitted. Reporter fields are confidential:
// visible only to staff of the agency handling the case.
type Report struct {
	ID              int64
	TrackingNo      string
	AccessCodeHash  string
	Kind            ReportKind
	Category        Category
	UnitID          *int64
	InstrumentID    *int64
	QRTokenID       *int64 `gorm:"column:qr_token_id"`
	DistrictID      int64
	BusinessName    string
	BusinessAddress string
	Description     string
	Request         string
	IncidentAt      *time.Time
	AmountCents     *int64
	ReporterName    string
	ReporterPhone   string
	ReporterAddress string
	ReporterEmail   string
	Anonymous       bool
	IdempotencyKey  *string
	RequestHash     string // what was submitted under IdempotencyKey (reports.RequestHash)
	SubmitterHash   string
	Locale          string
	CreatedAt       time.Time
}

func (Report) TableName() string { return "reports" }

// ReportPhoto is one evidence photo, re-encoded without metadata.
type ReportPhoto struct {
	ID          int64
	ReportID    int64
	Seq         int
	ContentType string
	Width       int
	Height      int
	SizeBytes   int
	SHA256      string `gorm:"column:sha256"`
	Data        []byte
	CreatedAt   time.Time
}

func (ReportPhoto) TableName() string { return "report_photos" }

// HeldPhoto is a cleaned photo kept for a report form that came back with
// a problem, under the form's idempotency key, until the report is filed or
// the hold expires (HeldPhotoTTL).
type HeldPhoto struct {
	ID          int64
	FormKey     string
	Seq         int
	ContentType string
	Width       int
	Height      int
	SizeBytes   int
	SHA256      string `gorm:"column:sha256"`
	Data        []byte
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

func (HeldPhoto) TableName() string { return "held_photos" }

// HeldPhotoTTL is how long held photos wait for the form to come back: long
// enough to find a receipt or fix a phone number, short enough that a
// stranger's abandoned uploads do not pile up.
const HeldPhotoTTL = time.Hour
