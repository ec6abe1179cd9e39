package model

import "time"

// Moderation is one text masked on its way to the public: Original is what
// staff typed, Published what the public reads. See internal/moderation.
type Moderation struct {
	ID          int64
	ObjectType  string // an audit object type: "case", "case_event", "unit", "spot_check"
	ObjectID    int64
	Field       string // "body", "public_notice", "status_reason", "summary"…
	AgencyID    *int64 // the agency that published it
	ActorUserID *int64
	Reason      string
	Kinds       string // comma-separated pii kinds that were masked
	Original    string
	Published   string
	CreatedAt   time.Time
}
