// Package audit keeps the tamper-evident record of who did what: every
// status change, assignment, export, view of a reporter's contact details or
// of an evidence photo, and administrative edit is appended to a hash chain (audit_log), in the same
// transaction as the change it records. Each entry also carries a MAC under
// a key held outside the database (Log), and Verify proves the chain has not
// been altered, cut or reordered since, nor rewritten by someone who could
// write to the database but does not hold the key. docs/audit.md says which
// threat each measure covers.
//
// It records decisions; it does not make them (permissions and state
// machines belong to the domain packages that call Record), and it holds no
// SQL (internal/storage does).
package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"honestmeasure/internal/model"
)

// Actions: the closed list of things that are audited. Record refuses any
// other value, so a typo cannot start a new, unsearchable kind of entry;
// a new kind of event is a new constant here.
const (
	ActionLogin                = "login"
	ActionLoginFailed          = "login_failed"
	ActionLogout               = "logout"
	ActionPasswordChange       = "password_change"
	ActionAccountCreate        = "account_create"
	ActionAccountChange        = "account_change"
	ActionUnitCreate           = "unit_create"
	ActionUnitChange           = "unit_change"
	ActionUnitStatus           = "unit_status"
	ActionUnitChangeRequest    = "unit_change_request" // a merchant asked to change approved details, or withdrew, or an officer refused
	ActionUSCCOverride         = "uscc_override"       // officer accepted a credit code that fails its check character
	ActionCaseStatus           = "case_status"
	ActionCaseAssign           = "case_assign"
	ActionCaseTransfer         = "case_transfer"
	ActionCaseMerge            = "case_merge"
	ActionCaseNote             = "case_note"
	ActionCaseReply            = "case_reply"
	ActionCaseReward           = "case_reward"
	ActionExport               = "export"
	ActionContactView          = "contact_view" // a reporter's identity was shown to staff
	ActionPhotoView            = "photo_view"   // an evidence photo was sent to staff
	ActionRuleChange           = "rule_change"
	ActionAgencyChange         = "agency_change"
	ActionDistrictChange       = "district_change"
	ActionHolidayChange        = "holiday_change"
	ActionPledgeTextChange     = "pledge_text_change"
	ActionInstrumentTypeChange = "instrument_type_change"
	ActionVerificationImport   = "verification_import" // a body's batch of records was imported
	ActionConflictClose        = "conflict_close"      // an officer resolved or dismissed a conflict
	ActionConflictTip          = "conflict_tip"        // an officer opened an internal tip from a conflict
	ActionBodyTokenCreate      = "body_token_create"   // an API token for a verification body's system
	ActionBodyTokenRevoke      = "body_token_revoke"
	ActionReplyTemplateChange  = "reply_template_change"
	ActionCaseTip              = "case_tip"        // an officer opened a tip from a complaint that revealed a violation
	ActionInstrumentSeal       = "instrument_seal" // a case conclusion sealed (封存) an instrument
	ActionCheckItemChange      = "check_item_change"
	ActionPlanCreate           = "spot_check_plan"
	ActionDrawAnnounce         = "draw_announce" // a draw's pool, inspectors and commitment were published
	ActionDrawMade             = "draw_made"     // revealed and drawn
	ActionDrawVoid             = "draw_void"
	ActionInspectionResult     = "inspection_result"
	ActionInspectionSubstitute = "inspection_substitute"
	ActionInspectionPublish    = "inspection_publish"
	ActionInspectionCase       = "inspection_case" // a failed check opened a case
	ActionRecusal              = "recusal"         // an officer declared a conflict of interest (回避)
	ActionModerate             = "moderate"        // personal data was masked in a text on its way to the public (internal/moderation)
	ActionModerationView       = "moderation_view" // a supervisor read back a masked text's original
	ActionRiskClass            = "risk_class"      // a unit's risk class was (re)computed to a new value (internal/risk)
	ActionCaseHandoff          = "case_handoff"    // a case's registration number in 12315/12345 was recorded or corrected
	ActionHandoffExport        = "handoff_export"  // the hand-off export (with reporters' details) was taken: counts and position, never the data
	ActionOutboxRetry          = "outbox_retry"    // the city admin sent a failed or waiting notification again (internal/outbox.Operator)

	// Redacted shop-front photos (units.Service.RedactPhoto, ViewPhotoOriginal).
	ActionUnitPhotoRedact   = "unit_photo_redact"        // staff covered parts of the photo: reason, rectangle count, hashes
	ActionUnitPhotoOriginal = "unit_photo_original_view" // a supervisor or the city admin was shown the original
)

var actions = map[string]bool{
	ActionLogin: true, ActionLoginFailed: true, ActionLogout: true, ActionPasswordChange: true,
	ActionAccountCreate: true, ActionAccountChange: true,
	ActionUnitCreate: true, ActionUnitChange: true, ActionUnitStatus: true, ActionUnitChangeRequest: true, ActionUSCCOverride: true,
	ActionCaseStatus: true, ActionCaseAssign: true, ActionCaseTransfer: true, ActionCaseMerge: true,
	ActionCaseNote: true, ActionCaseReply: true, ActionCaseReward: true,
	ActionExport: true, ActionContactView: true, ActionPhotoView: true,
	ActionRuleChange: true, ActionAgencyChange: true, ActionDistrictChange: true, ActionHolidayChange: true,
	ActionPledgeTextChange: true, ActionInstrumentTypeChange: true,
	ActionVerificationImport: true, ActionConflictClose: true, ActionConflictTip: true,
	ActionBodyTokenCreate: true, ActionBodyTokenRevoke: true,
	ActionReplyTemplateChange: true, ActionCaseTip: true,
	ActionInstrumentSeal: true, ActionRiskClass: true,
	ActionUnitPhotoRedact: true, ActionUnitPhotoOriginal: true,
	ActionCheckItemChange: true, ActionPlanCreate: true, ActionDrawAnnounce: true, ActionDrawMade: true, ActionDrawVoid: true,
	ActionInspectionResult: true, ActionInspectionSubstitute: true, ActionInspectionPublish: true, ActionInspectionCase: true,
	ActionRecusal: true, ActionModerate: true, ActionModerationView: true,
	ActionCaseHandoff: true, ActionHandoffExport: true,
	ActionOutboxRetry: true,
}

// KnownAction reports whether a is one of the Action constants.
func KnownAction(a string) bool { return actions[a] }

// Actions lists the Action constants, sorted, for a picker.
func Actions() []string { return slices.Sorted(maps.Keys(actions)) }

// Object types name what an entry is about; with ObjectID they find an
// object's history (storage.AuditForObject).
const (
	ObjectUser           = "user"
	ObjectUnit           = "unit"
	ObjectCase           = "case"
	ObjectAgency         = "agency"
	ObjectDistrict       = "district"
	ObjectRoutingRule    = "routing_rule"
	ObjectHoliday        = "holiday"
	ObjectPledgeText     = "pledge_text"
	ObjectInstrumentType = "instrument_type"
	ObjectImport         = "verification_import"
	ObjectConflict       = "verification_conflict"
	ObjectBodyToken      = "body_api_token"
	ObjectReplyTemplate  = "reply_template"
	ObjectInstrument     = "instrument"
	ObjectCheckItem      = "check_item"
	ObjectPlan           = "spot_check_plan"
	ObjectDraw           = "draw"
	ObjectInspection     = "inspection"
	ObjectModeration     = "moderation"
	ObjectOutboxMessage  = "outbox_message"
)

// ObjectTypes lists the Object constants, for a picker.
func ObjectTypes() []string {
	return []string{ObjectUser, ObjectUnit, ObjectCase, ObjectAgency, ObjectDistrict, ObjectRoutingRule,
		ObjectHoliday, ObjectPledgeText, ObjectInstrumentType, ObjectImport, ObjectConflict, ObjectBodyToken,
		ObjectReplyTemplate, ObjectInstrument, ObjectCheckItem, ObjectPlan, ObjectDraw, ObjectInspection, ObjectModeration, ObjectOutboxMessage}
}

// Column widths of audit_log. Values must fit exactly: MySQL in strict mode
// refuses longer ones, and a database that silently cut them would store a
// value the hash no longer matches.
const (
	maxActor      = 200
	maxObjectType = 30
	maxObjectID   = 40
	maxIP         = 45
)

// Event is what a caller knows about something that happened.
//
// Before and After are the state before and after the change (nil when there
// is none: a creation has no Before). They are stored as JSON, and the stored
// text is what the hash covers, so it must be the same every time the same
// value is encoded: pass maps (encoding/json sorts their keys) or small
// structs (their fields are written in declaration order), never values
// whose encoding depends on anything else.
type Event struct {
	ActorID    *int64 // the signed-in user; nil for citizens and the system
	Actor      string // who, readably: a login, "citizen", "system"
	Action     string // one of the Action constants
	ObjectType string // one of the Object constants
	ObjectID   string
	AgencyID   *int64 // the agency the change belongs to, for per-agency views
	Before     any
	After      any
	IP         string
	At         time.Time // zero means now
}

// Entry builds the row for e, without its chain fields. The values are
// normalised to what both databases store and return unchanged, because the
// hash is recomputed from the stored row: the time in UTC cut to the
// millisecond (MySQL's DATETIME(3) keeps no more; SQLite would keep more)
// and text as valid UTF-8.
func (e Event) Entry() (*model.AuditEntry, error) {
	if !KnownAction(e.Action) {
		return nil, fmt.Errorf("audit: unknown action %q", e.Action)
	}
	objectType, objectID, ip := validText(e.ObjectType), validText(e.ObjectID), validText(e.IP)
	for _, f := range []struct {
		name, value string
		max         int
	}{{"object type", objectType, maxObjectType}, {"object id", objectID, maxObjectID}, {"IP", ip, maxIP}} {
		if n := utf8.RuneCountInString(f.value); n > f.max {
			return nil, fmt.Errorf("audit %s: %s is %d characters long, at most %d fit", e.Action, f.name, n, f.max)
		}
	}
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	entry := &model.AuditEntry{
		At:          at.UTC().Truncate(time.Millisecond),
		ActorUserID: copyID(e.ActorID),
		// The actor is a display name a person chose: cut it rather than lose the entry.
		Actor:      truncateRunes(validText(e.Actor), maxActor),
		Action:     e.Action,
		ObjectType: objectType,
		ObjectID:   objectID,
		AgencyID:   copyID(e.AgencyID),
		IP:         ip,
	}
	var err error
	if entry.BeforeJSON, err = canonicalJSON(e.Before); err != nil {
		return nil, fmt.Errorf("audit %s: before: %w", e.Action, err)
	}
	if entry.AfterJSON, err = canonicalJSON(e.After); err != nil {
		return nil, fmt.Errorf("audit %s: after: %w", e.Action, err)
	}
	return entry, nil
}

// canonicalJSON encodes v, or returns nil for no value. HTML escaping is off
// so the stored text stays readable; encoding/json always writes valid UTF-8.
func canonicalJSON(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	s := strings.TrimSuffix(buf.String(), "\n")
	if s == "null" { // a typed nil pointer or map
		return nil, nil
	}
	return &s, nil
}

func copyID(id *int64) *int64 {
	if id == nil {
		return nil
	}
	v := *id
	return &v
}

// validText replaces invalid UTF-8, which MySQL would refuse or alter.
func validText(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Actor is the signed-in person doing something, and from which address,
// as every service hands it to the audit log. A nil User is a citizen or
// the system.
type Actor struct {
	User *model.User
	IP   string
}

// By returns e as done by a.
func (e Event) By(a Actor) Event {
	e.IP = a.IP
	if a.User != nil {
		e.ActorID, e.Actor = &a.User.ID, a.User.Login
	}
	return e
}
