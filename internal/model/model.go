// Package model holds the domain types of honestmeasure: what a unit, an
// instrument, a report or a case is, and the vocabularies that describe them.
// It depends on nothing but the standard library; struct tags only tell GORM
// (in internal/storage) which column a field maps to.
package model

import "time"

// Role is what a user may do. Staff roles are scoped to an agency.
type Role string

const (
	RoleMerchant         Role = "merchant"
	RoleOfficer          Role = "officer"
	RoleSupervisor       Role = "supervisor"
	RoleCityAdmin        Role = "city_admin"
	RoleVerificationBody Role = "verification_body"
)

// Roles lists every role, in the order forms show them.
var Roles = []Role{RoleMerchant, RoleOfficer, RoleSupervisor, RoleCityAdmin, RoleVerificationBody}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// NeedsAgency is true for roles that act on behalf of an agency.
func (r Role) NeedsAgency() bool { return r == RoleOfficer || r == RoleSupervisor }

// StaffRoles handle cases and review units, each within a jurisdiction
// (User.Jurisdiction).
var StaffRoles = []Role{RoleOfficer, RoleSupervisor, RoleCityAdmin}

// Staff reports whether r is one of StaffRoles.
func (r Role) Staff() bool {
	for _, x := range StaffRoles {
		if r == x {
			return true
		}
	}
	return false
}

// AgencyKind tells district bureaus from the city-wide bodies.
type AgencyKind string

const (
	AgencyDistrictBureau AgencyKind = "district_bureau"
	AgencyCityBureau     AgencyKind = "city_bureau"
	AgencyCityDetachment AgencyKind = "city_detachment"
)

// Agency is an enforcement body: a district market-regulation bureau, the
// city bureau or the city enforcement detachment.
type Agency struct {
	ID         int64
	Code       string
	Kind       AgencyKind
	NameZh     string
	NameEn     string
	Phone      string
	Email      string
	WebhookURL string
	Active     bool
	CreatedAt  time.Time
}

func (Agency) TableName() string { return "agencies" }

// District is a county-level division. DefaultAgencyID is the bureau with
// jurisdiction, used when no routing rule says otherwise.
type District struct {
	ID              int64
	Code            string
	NameZh          string
	NameEn          string
	DefaultAgencyID *int64
	UnitTarget      int
	SortOrder       int
}

func (District) TableName() string { return "districts" }

// AgencyDistrict records that an agency has jurisdiction in a district.
type AgencyDistrict struct {
	AgencyID   int64 `gorm:"primaryKey;autoIncrement:false"`
	DistrictID int64 `gorm:"primaryKey;autoIncrement:false"`
}

func (AgencyDistrict) TableName() string { return "agency_districts" }

// VerificationBody is a legal metrology verification institution.
type VerificationBody struct {
	ID        int64
	Code      string
	NameZh    string
	NameEn    string
	CreatedAt time.Time
}

func (VerificationBody) TableName() string { return "verification_bodies" }

// User is anyone who signs in: merchants, staff, verification bodies.
type User struct {
	ID                 int64
	Login              string
	Email              string
	Phone              string
	DisplayName        string
	PasswordHash       string
	Role               Role
	AgencyID           *int64
	VerificationBodyID *int64
	Locale             string
	Disabled           bool
	// RemindersOff: the merchant asked for no reminders of expiring
	// verifications (they are on unless turned off).
	RemindersOff      bool
	PasswordChangedAt *time.Time
	LastLoginAt       *time.Time
	// When a one-time code sent there proved the phone or e-mail belongs
	// to the account holder; nil for accounts made by an administrator.
	PhoneVerifiedAt *time.Time
	EmailVerifiedAt *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Jurisdiction is the agency whose districts bound what staff member u sees
// and acts on: nil for the city admin, who has every district. ok is false
// for anyone who is not staff, and for staff without an agency (who would
// otherwise have the whole city).
func (u *User) Jurisdiction() (agencyID *int64, ok bool) {
	switch {
	case u == nil || !u.Role.Staff():
		return nil, false
	case u.Role == RoleCityAdmin:
		return nil, true
	case u.AgencyID == nil:
		return nil, false
	}
	return u.AgencyID, true
}

func (User) TableName() string { return "users" }

// Session is a signed-in browser. ID is the SHA-256 of the cookie value.
type Session struct {
	ID         string `gorm:"primaryKey"`
	UserID     int64
	CSRFToken  string `gorm:"column:csrf_token"`
	IP         string `gorm:"column:ip"`
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

func (Session) TableName() string { return "sessions" }

// Holiday is one calendar day that differs from the Monday–Friday rule.
type Holiday struct {
	ID     int64
	Day    time.Time
	Kind   HolidayKind
	NameZh string
	NameEn string
}

func (Holiday) TableName() string { return "holidays" }

// HolidayKind: a weekday off, or a weekend day that becomes a working day.
type HolidayKind string

const (
	DayOff     HolidayKind = "off"
	WorkingDay HolidayKind = "work"
)
