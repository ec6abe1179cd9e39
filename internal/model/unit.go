package model

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// BusinessType classifies a unit; the scan page and routing rules use it.
type BusinessType string

const (
	BusinessMarketStall  BusinessType = "market_stall"
	BusinessSupermarket  BusinessType = "supermarket"
	BusinessFuelStation  BusinessType = "fuel_station"
	BusinessOpticalShop  BusinessType = "optical_shop"
	BusinessPharmacy     BusinessType = "pharmacy"
	BusinessClinic       BusinessType = "clinic"
	BusinessRestaurant   BusinessType = "restaurant"
	BusinessShoppingMall BusinessType = "shopping_mall"
	BusinessOther        BusinessType = "other"
)

// BusinessTypes lists every business type in display order.
var BusinessTypes = []BusinessType{
	BusinessMarketStall, BusinessSupermarket, BusinessFuelStation, BusinessOpticalShop,
	BusinessPharmacy, BusinessClinic, BusinessRestaurant, BusinessShoppingMall, BusinessOther,
}

// Valid reports whether b is a known business type.
func (b BusinessType) Valid() bool {
	for _, x := range BusinessTypes {
		if b == x {
			return true
		}
	}
	return false
}

// UnitStatus is where a unit stands in the demonstration programme. The
// allowed transitions between them are one table, in internal/units.
type UnitStatus string

const (
	UnitDraft     UnitStatus = "draft"
	UnitSubmitted UnitStatus = "submitted"
	UnitReturned  UnitStatus = "returned"
	UnitApproved  UnitStatus = "approved"
	UnitSuspended UnitStatus = "suspended"
	UnitRevoked   UnitStatus = "revoked"
	UnitExpired   UnitStatus = "expired"
)

// UnitStatuses lists every unit status.
var UnitStatuses = []UnitStatus{UnitDraft, UnitSubmitted, UnitReturned, UnitApproved, UnitSuspended, UnitRevoked, UnitExpired}

// VoidsPledge: a suspension or revocation voids the unit's pledge at once,
// whatever its dates say.
func (s UnitStatus) VoidsPledge() bool { return s == UnitSuspended || s == UnitRevoked }

// Published is true when the unit appears in the public directory.
func (s UnitStatus) Published() bool { return s == UnitApproved }

// HoldsCreditCode is true for the statuses in which a unit keeps its unified
// social credit code to itself. A draft does not: anyone may type any code
// into a draft, so a code is reserved only from submission, when an officer
// will look at it. A revoked unit releases it so the business may re-apply.
// (Staff may also release the code of a unit in any status; see
// storage.ReleaseCreditCode.)
func (s UnitStatus) HoldsCreditCode() bool { return s != UnitRevoked && s != UnitDraft }

// Unit is a business applying for or holding demonstration status.
type Unit struct {
	ID                  int64
	OwnerUserID         int64
	Name                string
	USCC                string  `gorm:"column:uscc"`
	USCCLive            *string `gorm:"column:uscc_live"`
	USCCCheckOverridden bool    `gorm:"column:uscc_check_overridden"`
	USCCOverrideBy      *int64  `gorm:"column:uscc_override_by"`
	USCCOverrideReason  string  `gorm:"column:uscc_override_reason"`
	BusinessType        BusinessType
	Address             string
	DistrictID          int64
	ContactName         string
	ContactPhone        string
	OpeningHours        string
	Status              UnitStatus
	StatusReason        string
	SubmittedAt         *time.Time
	ApprovedAt          *time.Time
	ReviewedBy          *int64
	// PublicRev changes with everything the unit's scan page shows; see
	// storage/public.go.
	PublicRev int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (Unit) TableName() string { return "units" }

// UnitPhoto is the optional shop-front photo.
type UnitPhoto struct {
	UnitID      int64 `gorm:"primaryKey;autoIncrement:false"`
	ContentType string
	Width       int
	Height      int
	Data        []byte
	// OriginalID names the UnitPhotoOriginal this photo was redacted from;
	// nil for a photo as the merchant sent it.
	OriginalID *int64
	UpdatedAt  time.Time
}

func (UnitPhoto) TableName() string { return "unit_photos" }

// UnitPhotoOriginal is a shop-front photo as the merchant sent it, kept
// when staff redacted it (units.Service.RedactPhoto): only supervisors of
// the unit's agency and the city admin may see it again.
type UnitPhotoOriginal struct {
	ID           int64
	UnitID       int64
	SHA256       string `gorm:"column:sha256"`
	ContentType  string
	Width        int
	Height       int
	Data         []byte
	RedactedByID *int64
	Reason       string // the first redaction's; each one's is in the audit log
	CreatedAt    time.Time
}

func (UnitPhotoOriginal) TableName() string { return "unit_photo_originals" }

// UnitEvent is one status change of a unit.
type UnitEvent struct {
	ID          int64
	UnitID      int64
	FromStatus  UnitStatus
	ToStatus    UnitStatus
	ActorUserID *int64
	Reason      string
	CreatedAt   time.Time
}

func (UnitEvent) TableName() string { return "unit_events" }

// PledgeText is one published version of the pledge wording.
type PledgeText struct {
	ID          int64
	Version     string
	TitleZh     string
	TitleEn     string
	BodyZh      string
	BodyEn      string
	KeyPointsZh string // one promise per line, for the poster
	KeyPointsEn string
	SHA256      string `gorm:"column:sha256"`
	ValidMonths int
	PublishedAt time.Time
	CreatedAt   time.Time
}

func (PledgeText) TableName() string { return "pledge_texts" }

// Pledge is a unit's signature on one pledge text version.
type Pledge struct {
	ID           int64
	UnitID       int64
	PledgeTextID int64
	SignerName   string
	SignerTitle  string
	SignerUserID *int64
	SignerIP     string `gorm:"column:signer_ip"`
	TextSHA256   string `gorm:"column:text_sha256"`
	SignedAt     time.Time
	ValidUntil   time.Time
	SupersededAt *time.Time
}

func (Pledge) TableName() string { return "pledges" }

// Valid reports whether the pledge stands at time now.
func (p Pledge) Valid(now time.Time) bool {
	return p.SupersededAt == nil && now.Before(p.ValidUntil)
}

// SpotCheck is the published result of an inspection.
type SpotCheck struct {
	ID           int64
	UnitID       int64
	InstrumentID *int64
	AgencyID     *int64
	CheckedOn    time.Time
	Result       string // pass, fail, issues_found
	Summary      string
	Published    bool
	CreatedAt    time.Time
}

func (SpotCheck) TableName() string { return "spot_checks" }

// QRKind says what a QR code points to.
type QRKind string

const (
	QRUnit       QRKind = "unit"
	QRInstrument QRKind = "instrument"
)

// MaxQRVersion is the last version of a code that is ever issued (98
// reprints): far more than a shop replaces stickers in its life, and it
// keeps every token within the two version characters the QR size budget
// was drawn up for (internal/qr). Past it a reprint is refused; the current
// code can still be printed as often as needed.
const MaxQRVersion = 99

// QRToken is one issued version of a printed code.
type QRToken struct {
	ID        int64
	Kind      QRKind
	TargetID  int64
	Version   int
	RevokedAt *time.Time
	CreatedBy *int64
	CreatedAt time.Time
}

func (QRToken) TableName() string { return "qr_tokens" }

// PledgeDigest is the SHA-256 (hex) of the exact pledge wording a merchant is
// shown and signs: both languages, titles included, in a fixed layout.
func PledgeDigest(titleZh, bodyZh, titleEn, bodyEn string) string {
	sum := sha256.Sum256([]byte(titleZh + "\n" + bodyZh + "\n\n" + titleEn + "\n" + bodyEn))
	return hex.EncodeToString(sum[:])
}

// ChangeState is where a unit change request stands.
type ChangeState string

const (
	ChangeOpen      ChangeState = "open"
	ChangeApproved  ChangeState = "approved"
	ChangeRejected  ChangeState = "rejected"
	ChangeWithdrawn ChangeState = "withdrawn"
)

// UnitChangeRequest is a merchant's request to change what an officer
// approved of a unit: its name, credit code, business type, district and
// address. From* is the unit as it was when asked; the others are what the
// merchant asks for. OpenUnitID is UnitID while the request is open and nil
// afterwards (one open request per unit, by a unique index).
type UnitChangeRequest struct {
	ID               int64
	UnitID           int64
	OpenUnitID       *int64
	State            ChangeState
	RequestedBy      int64
	FromName         string
	FromUSCC         string `gorm:"column:from_uscc"`
	FromBusinessType BusinessType
	FromDistrictID   int64
	FromAddress      string
	Name             string
	USCC             string `gorm:"column:uscc"`
	BusinessType     BusinessType
	DistrictID       int64
	Address          string
	Reason           string
	DecidedBy        *int64
	DecidedAt        *time.Time
	DecisionReason   string
	CreatedAt        time.Time
}

func (UnitChangeRequest) TableName() string { return "unit_change_requests" }

// PledgeReminder records that the owner was told, at one stage, that a
// pledge runs out.
type PledgeReminder struct {
	ID        int64
	PledgeID  int64
	UnitID    int64
	Stage     string
	CreatedAt time.Time
}

func (PledgeReminder) TableName() string { return "pledge_reminders" }
