package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// The audit log viewer (/admin/audit): the city admin's way to see who did
// what. It only reads; the log is written by the services and handlers
// that make each change, and proved intact by audit.Verify.

const (
	adminAuditPageSize = 50
	// adminAuditCut is how much of a before or after value a list row
	// shows; the entry's page shows all of it.
	adminAuditCut = 120
	// Field bounds: what audit_log's columns hold (internal/audit).
	adminAuditMaxObjectID = 40
	adminAuditMaxActor    = 200
)

// adminAuditObjectPages are the pages where an entry's object can be seen,
// by object type; the ID fills the %s. Types without a page for the admin
// (accounts, holidays, tokens, imports, instruments) are not linked.
var adminAuditObjectPages = map[string]string{
	audit.ObjectUnit:           "/staff/units/%s",
	audit.ObjectCase:           "/staff/cases/%s",
	audit.ObjectConflict:       "/staff/conflicts/%s",
	audit.ObjectRoutingRule:    "/admin/rules/%s/edit",
	audit.ObjectAgency:         "/admin/agencies/%s/edit",
	audit.ObjectDistrict:       "/admin/districts/%s/edit",
	audit.ObjectInstrumentType: "/admin/instrument-types/%s/edit",
	audit.ObjectPledgeText:     "/admin/pledge-texts/%s",
	audit.ObjectReplyTemplate:  "/admin/reply-templates/%s/edit",
}

// adminAuditObjectURL links an entry's object, or is "" when it has no
// page (or no single object: an export's entry names none).
func adminAuditObjectURL(e *model.AuditEntry) string {
	page, ok := adminAuditObjectPages[e.ObjectType]
	if !ok {
		return ""
	}
	if id, err := strconv.ParseInt(e.ObjectID, 10, 64); err != nil || id <= 0 {
		return ""
	}
	return fmt.Sprintf(page, e.ObjectID)
}

// adminAuditHistoryURL lists every entry about e's object.
func adminAuditHistoryURL(e *model.AuditEntry) string {
	if e.ObjectType == "" || e.ObjectID == "" {
		return ""
	}
	return "/admin/audit?" + url.Values{"object_type": {e.ObjectType}, "object_id": {e.ObjectID}}.Encode()
}

// adminAuditActorURL lists every entry by e's actor: the account when there
// is one, else the actor as recorded.
func adminAuditActorURL(e *model.AuditEntry) string {
	if e.ActorUserID != nil {
		return "/admin/audit?actor=" + strconv.FormatInt(*e.ActorUserID, 10)
	}
	if e.Actor == "" {
		return ""
	}
	return "/admin/audit?" + url.Values{"actor": {e.Actor}}.Encode()
}

// firstRunes is s cut to its first n characters.
func firstRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// cutRunes shortens s to n characters, marking the cut.
func cutRunes(s string, n int) string {
	if cut := firstRunes(s, n); cut != s {
		return cut + "…"
	}
	return s
}

// adminAuditForm is the viewer's filter as typed, bounded and with what
// cannot match anything dropped; it is what the form and the page links
// show.
type adminAuditForm struct {
	ObjectType, ObjectID, Action, Actor, From, To string
}

func (f adminAuditForm) values() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"object_type": f.ObjectType, "object_id": f.ObjectID, "action": f.Action,
		"actor": f.Actor, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// parseAdminAuditForm reads the filter from the query. A date that does not
// parse, or a range that ends before it starts, is dropped and named in
// problem (a locale key).
func parseAdminAuditForm(q url.Values) (f adminAuditForm, from, until time.Time, problem string) {
	f.ObjectType = q.Get("object_type")
	if !slices.Contains(audit.ObjectTypes(), f.ObjectType) {
		f.ObjectType = ""
	}
	f.Action = q.Get("action")
	if !audit.KnownAction(f.Action) {
		f.Action = ""
	}
	f.ObjectID = firstRunes(strings.TrimSpace(q.Get("object_id")), adminAuditMaxObjectID)
	f.Actor = firstRunes(strings.TrimSpace(q.Get("actor")), adminAuditMaxActor)
	day := func(s string) (time.Time, bool) {
		if s == "" {
			return time.Time{}, true
		}
		if len(s) > len(time.DateOnly) {
			return time.Time{}, false
		}
		t, err := time.ParseInLocation(time.DateOnly, s, model.Zone)
		return t, err == nil
	}
	f.From, f.To = q.Get("from"), q.Get("to")
	from, okFrom := day(f.From)
	to, okTo := day(f.To)
	if !okFrom || !okTo || (!from.IsZero() && !to.IsZero() && from.After(to)) {
		return adminAuditForm{ObjectType: f.ObjectType, ObjectID: f.ObjectID, Action: f.Action, Actor: f.Actor},
			time.Time{}, time.Time{}, "auditlog.bad_dates"
	}
	if !to.IsZero() {
		until = to.AddDate(0, 0, 1) // the whole of the last day
	}
	return f, from, until, ""
}

// adminAuditActor puts what the admin typed as the actor into f: the login
// of an account is that account (its ID is indexed), a number alone a user
// ID, anything else the actor as recorded ("citizen", "system", a login no
// account has, as a failed sign-in records it).
func (h *Handler) adminAuditActor(ctx context.Context, typed string, f *storage.AuditFilter) error {
	if typed == "" {
		return nil
	}
	if login, _, err := accounts.NormalizeLogin(typed); err == nil {
		u, err := h.Store.UserByLogin(ctx, login)
		switch {
		case err == nil:
			f.ActorID = u.ID
		case errors.Is(err, storage.ErrNotFound):
			f.Actor = login
		default:
			return err
		}
		return nil
	}
	if id, err := strconv.ParseInt(typed, 10, 64); err == nil && id > 0 {
		f.ActorID = id
		return nil
	}
	f.Actor = typed
	return nil
}
