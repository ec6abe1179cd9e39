package model

import "time"

// CheckItem is one thing the city's spot checks may check: its legal basis,
// whom it concerns, what is checked (one point per line of Content) and how.
type CheckItem struct {
	ID        int64
	Code      string
	NameZh    string
	NameEn    string
	Basis     string
	Subject   string
	Content   string
	Method    string
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (CheckItem) TableName() string { return "check_items" }

// SpotCheckPlan is an agency's plan for one item in one year: the share of
// its units to check (BasePermille) and, per risk class, a multiplier of it
// in per-mille (1000: the base ratio).
type SpotCheckPlan struct {
	ID             int64
	AgencyID       int64
	ItemID         int64
	Year           int
	BasePermille   int
	ClassAPermille int `gorm:"column:class_a_permille"`
	ClassBPermille int `gorm:"column:class_b_permille"`
	ClassCPermille int `gorm:"column:class_c_permille"`
	ClassDPermille int `gorm:"column:class_d_permille"`
	DueWorkingDays int
	CreatedBy      int64
	CreatedAt      time.Time
}

func (SpotCheckPlan) TableName() string { return "spot_check_plans" }

// Multiplier is the plan's per-mille multiplier for risk class c.
func (p SpotCheckPlan) Multiplier(c string) int {
	switch c {
	case "A":
		return p.ClassAPermille
	case "B":
		return p.ClassBPermille
	case "C":
		return p.ClassCPermille
	case "D":
		return p.ClassDPermille
	}
	return 0
}

// Draw statuses.
const (
	DrawAnnounced = "announced" // pool frozen and published, secret committed to
	DrawDrawn     = "drawn"     // revealed and drawn; its file is published
	DrawVoid      = "void"      // voided with a reason; kept, linked to its replacement
)

// Draw is one lottery of a plan, from its announcement to its published
// file.
type Draw struct {
	ID               int64
	PlanID           int64
	AgencyID         int64
	Code             string
	Status           string
	Announcement     string // the announcement's JSON as published
	PoolHash         string
	Commitment       string
	Secret           string // kept until the reveal; never shown before
	RandomnessSource string
	PreviousHash     string
	RandomValue      string
	File             *string // the published draw file (internal/draw), once drawn
	FileHash         string
	AnnouncedBy      int64
	AnnouncedAt      time.Time
	DrawnAt          *time.Time
	VoidedAt         *time.Time
	VoidReason       string
	ReplacesID       *int64
}

func (Draw) TableName() string { return "draws" }

// DrawTarget is one drawn (or reserve) position of a draw. Rows are written
// once, when the draw is made, and never changed.
type DrawTarget struct {
	ID         int64
	DrawID     int64
	Position   int
	Reserve    bool
	Label      string
	UnitID     int64
	Stratum    string
	Class      string
	Inspectors string // the inspectors' labels, comma-separated, as drawn
	CreatedAt  time.Time
}

func (DrawTarget) TableName() string { return "draw_targets" }

// Inspection statuses.
const (
	InspectionAssigned  = "assigned"
	InspectionDone      = "done"
	InspectionCancelled = "cancelled" // the unit closed; a substitute took its place
)

// Inspection results.
const (
	InspectionPass = "pass"
	InspectionFail = "fail"
)

// Inspection is the task a drawn target became: its inspectors check the
// unit against the plan's item by DueAt and record the result.
type Inspection struct {
	ID              int64
	DrawID          int64
	DrawTargetID    int64
	UnitID          int64
	AgencyID        int64
	ItemID          int64
	Status          string
	SubstituteForID *int64
	CancelReason    string
	DueAt           time.Time
	CheckedOn       *time.Time
	Result          string
	Summary         string // public, once published
	Note            string // internal
	CaseID          *int64
	SpotCheckID     *int64 // the published result
	RecordedBy      *int64
	RecordedAt      *time.Time
	LockVersion     int
	CreatedAt       time.Time
}

func (Inspection) TableName() string { return "inspections" }

// InspectionInspector is one inspector of an inspection.
type InspectionInspector struct {
	ID           int64
	InspectionID int64
	UserID       int64
}

func (InspectionInspector) TableName() string { return "inspection_inspectors" }

// Finding outcomes, per point of the item.
const (
	FindingPass          = "pass"
	FindingFail          = "fail"
	FindingNotApplicable = "na"
)

// InspectionFinding is the outcome of one point of the item.
type InspectionFinding struct {
	ID           int64
	InspectionID int64
	Point        int
	Outcome      string
	InstrumentID *int64
	Measured     string
	Note         string
}

func (InspectionFinding) TableName() string { return "inspection_findings" }

// InspectionPhoto is one photo of an inspection, cleaned like reports'.
type InspectionPhoto struct {
	ID           int64
	InspectionID int64
	Seq          int
	ContentType  string
	Width        int
	Height       int
	SizeBytes    int
	SHA256       string `gorm:"column:sha256"`
	Data         []byte
	CreatedAt    time.Time
}

func (InspectionPhoto) TableName() string { return "inspection_photos" }

// InspectorConflict is a declared conflict of interest: the officer steps
// aside (回避) from checking the unit.
type InspectorConflict struct {
	ID         int64
	UserID     int64
	UnitID     int64
	Reason     string
	DeclaredAt time.Time
}

func (InspectorConflict) TableName() string { return "inspector_conflicts" }
