package model

import (
	"encoding/json"
	"time"
)

// CaseStatus is where a case stands. The allowed transitions live in one
// table in internal/cases.
type CaseStatus string

const (
	CaseNew         CaseStatus = "new"          // received, awaiting decision
	CaseAccepted    CaseStatus = "accepted"     // complaint accepted, mediation under way
	CaseNotAccepted CaseStatus = "not_accepted" // complaint refused, with a ground
	CaseMediated    CaseStatus = "mediated"     // mediation ended (agreement or not)
	CaseVerifying   CaseStatus = "verifying"    // tip: lead being checked
	CaseOpened      CaseStatus = "opened"       // tip: case opened (立案)
	CaseNoCase      CaseStatus = "no_case"      // tip: no case opened, with reason
	CaseConcluded   CaseStatus = "concluded"    // investigation concluded with an outcome
	CaseClosed      CaseStatus = "closed"       // file closed
	CaseReturned    CaseStatus = "returned"     // sent back for re-routing
	CaseMerged      CaseStatus = "merged"       // duplicate of another case
)

// CaseStatuses is every status, in the order lists show them: the open
// ones as a case moves through them, then the final ones.
var CaseStatuses = []CaseStatus{CaseNew, CaseVerifying, CaseAccepted, CaseOpened, CaseMediated, CaseConcluded, CaseReturned,
	CaseNotAccepted, CaseNoCase, CaseClosed, CaseMerged}

// OpenCaseStatuses are the statuses a case still has work in (a deadline,
// or a step such as closing or re-routing waiting to be taken).
var OpenCaseStatuses = func() []CaseStatus {
	var out []CaseStatus
	for _, s := range CaseStatuses {
		if s.Open() {
			out = append(out, s)
		}
	}
	return out
}()

// Open is true while the case still has work in it; false once it is
// final.
func (s CaseStatus) Open() bool {
	switch s {
	case CaseNotAccepted, CaseNoCase, CaseClosed, CaseMerged:
		return false
	}
	return true
}

// Priority: lower is more urgent.
type Priority int

const (
	PriorityUrgent Priority = 1 // rapid response (e.g. cheating device at a fuel station)
	PriorityHigh   Priority = 2
	PriorityNormal Priority = 3
	PriorityLow    Priority = 4
)

// Case is a report as handled by one agency.
type Case struct {
	ID              int64
	ReportID        int64
	AgencyID        int64
	AssigneeID      *int64
	Kind            ReportKind
	Category        Category
	DistrictID      int64
	Status          CaseStatus
	Priority        Priority
	RoutingRuleID   *int64
	RoutingReason   string
	ReceivedAt      time.Time
	DecisionDueAt   time.Time
	ConclusionDueAt *time.Time
	DueAt           *time.Time
	Extended        bool
	ExtensionReason string
	DecidedAt       *time.Time
	ConcludedAt     *time.Time
	ClosedAt        *time.Time
	DecisionGround  string
	Outcome         string
	OutcomeDetail   *string
	// PublicNotice is the conclusion's words for the public: the only text of
	// a conclusion a suspended or revoked unit's scan page shows. The reply
	// to the reporter (OutcomeDetail, PublicReply) never reaches it.
	PublicNotice      string
	FineCents         *int64
	InstrumentMeasure string
	UnitMeasure       string
	RewardEligible    bool
	RewardLevel       int
	RewardAmountCents *int64
	DuplicateOfCaseID *int64
	// Burst is how many reports about the unit had arrived in the hour when
	// this one did, when that was more than ordinary (0 otherwise): a hint
	// of a campaign by a rival or by the merchant, for the officer to weigh.
	Burst       int
	PublicReply *string
	LockVersion int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (Case) TableName() string { return "cases" }

// CaseEvent is one entry of a case's timeline.
type CaseEvent struct {
	ID          int64
	CaseID      int64
	Kind        string
	ActorUserID *int64
	AgencyID    *int64
	FromStatus  CaseStatus
	ToStatus    CaseStatus
	Public      bool
	Body        *string
	Data        *string
	CreatedAt   time.Time
}

func (CaseEvent) TableName() string { return "case_events" }

// DetailKey is the locale key of the fixed wording a step carries (a
// not-accepted ground, a mediation result), kept in Data apart from the
// officer's own words in Body so that each reader sees it in their own
// language; "" when there is none.
func (e CaseEvent) DetailKey() string {
	if e.Data == nil {
		return ""
	}
	var d struct {
		Detail string `json:"detail"`
	}
	if json.Unmarshal([]byte(*e.Data), &d) != nil {
		return ""
	}
	return d.Detail
}

// RoutingRule sends matching reports to an agency with a priority.
// Empty Category/BusinessType and nil DistrictID match anything.
type RoutingRule struct {
	ID           int64
	Name         string
	Position     int
	Enabled      bool
	Category     Category
	BusinessType BusinessType
	DistrictID   *int64
	AgencyID     *int64 // nil: the district's default agency
	Priority     Priority
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (RoutingRule) TableName() string { return "routing_rules" }

// AuditEntry is one link of the hash-chained audit log.
type AuditEntry struct {
	ID          int64
	At          time.Time
	ActorUserID *int64
	Actor       string
	Action      string
	ObjectType  string
	ObjectID    string
	AgencyID    *int64
	BeforeJSON  *string `gorm:"column:before_json"`
	AfterJSON   *string `gorm:"column:after_json"`
	IP          string  `gorm:"column:ip"`
	PrevHash    string
	Hash        string
	// MAC is HMAC-SHA256 of Hash under the audit key (internal/audit); empty
	// for entries written before the MAC existed.
	MAC string `gorm:"column:mac"`
}

func (AuditEntry) TableName() string { return "audit_log" }

// OutboxMessage is a notification waiting for (or done with) delivery.
type OutboxMessage struct {
	ID            int64
	Channel       string // email, webhook or sms
	Recipient     string
	Subject       string
	Body          string
	Event         string
	CaseID        *int64
	Status        string // pending, delivered, failed
	Attempts      int
	NextAttemptAt time.Time
	LockedUntil   *time.Time
	LastError     string
	CreatedAt     time.Time
	DeliveredAt   *time.Time
}

func (OutboxMessage) TableName() string { return "outbox" }

// OutboxAttempt records one delivery try.
type OutboxAttempt struct {
	ID         int64
	OutboxID   int64
	At         time.Time
	OK         bool `gorm:"column:ok"`
	Error      string
	DurationMS int `gorm:"column:duration_ms"`
}

func (OutboxAttempt) TableName() string { return "outbox_attempts" }

// CaseRating is the reporter's rating of how their case was handled: one
// per case, given once it has ended.
type CaseRating struct {
	ID        int64
	CaseID    int64
	AgencyID  int64
	Score     int // 1 (very dissatisfied) … 5 (very satisfied)
	Comment   string
	CreatedAt time.Time
}

func (CaseRating) TableName() string { return "case_ratings" }

// ExternalID is a report's id in other systems — the 12315/12345 hand-off
// export and the Open311 facade: "HM-<city code>-<tracking number>". A
// tracking number is never reused, so neither is this id.
func ExternalID(cityCode, trackingNo string) string {
	return "HM-" + cityCode + "-" + trackingNo
}
