// Package moderation is the one gate every staff-written text passes on its
// way to the public: a public reply, a timeline entry's public words, a
// conclusion's public notice, a transfer or extension reason, a spot check's
// summary. Check finds personal data in each text (internal/pii, with what
// the case knows of its reporter); a text with hits is held — the person
// sees a preview with every hit highlighted and either edits the text or
// confirms that the highlighted parts be masked. A confirmation is bound to
// the exact text it was given for, so an edited text is checked afresh, and
// nothing with an open hit is ever published.
//
// A masked text is recorded (Record) in the same transaction as the change
// that publishes it: a moderations row keeps the original, readable only by
// a supervisor of the agency or the city admin (Service.Original), and the
// audit chain says that it was masked, why and which kinds — never the
// original. Public pages say "edited by <agency> on <date>" (Marks).
package moderation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/pii"
	"honestmeasure/internal/storage"
)

// ConfirmField is the form field that carries confirmations: one Digest
// per held text the person agreed to publish masked.
const ConfirmField = "confirm_mask"

// ReasonMasked is the reason of a mask confirmed at publishing time (a
// locale key under "moderation.reason.").
const ReasonMasked = "masked_on_publish"

// MaxConfirmations bounds the confirmations one request may carry; a form
// has a handful of public texts.
const MaxConfirmations = 8

// Text is one text about to be published, named by its form field.
type Text struct {
	Field string
	Value string
}

// Preview is what a held text shows: its pieces, each hit highlighted, the
// kinds found, the text as it would be published, and the digest a
// confirmation must carry.
type Preview struct {
	Field    string
	Segments []pii.Segment
	Kinds    []pii.Kind
	Masked   string
	Digest   string
}

// Checked is a text that passed the gate: Published is what the public
// reads (Original with the confirmed hits masked, or Original itself).
type Checked struct {
	Field     string
	Original  string
	Published string
	Kinds     []pii.Kind
	// Reason is why Published differs from Original: ReasonMasked for a
	// mask confirmed at publishing, a person's words for a correction.
	Reason string
}

// Masked says whether the published text differs from what was typed.
func (c Checked) Masked() bool { return c.Published != c.Original }

// HeldError refuses a publication while a text has unconfirmed hits. It is
// an Invalid refusal (errors.As finds the *fail.Error, with a message on
// each held field) that also carries the previews to show.
type HeldError struct {
	Err      *fail.Error
	Previews []Preview
}

func (h *HeldError) Error() string { return h.Err.Error() }
func (h *HeldError) Unwrap() error { return h.Err }

// Held returns the previews err carries, if it is a HeldError.
func Held(err error) []Preview {
	var h *HeldError
	if errors.As(err, &h) {
		return h.Previews
	}
	return nil
}

// Digest names text as typed into field: the value a confirmation of its
// masking carries. A confirmation is not a secret (staff confirm their own
// text); binding it to the text means an edited text is checked afresh.
func Digest(field, text string) string {
	sum := sha256.Sum256([]byte(field + "\x00" + text))
	return hex.EncodeToString(sum[:12])
}

// Corrected is a correction of published text original to published, for
// reason (a person's words), as Record stores it; kinds are what the
// detector finds in the original.
func Corrected(field, original, published, reason string, known pii.Known) Checked {
	return Checked{Field: field, Original: original, Published: published, Reason: reason, Kinds: kindsOf(pii.Find(original, known))}
}

// MaxReason bounds a correction's reason (characters; the column holds 200).
const MaxReason = 200

// KnownOf is what report r tells the detector about its reporter.
func KnownOf(r *model.Report) pii.Known {
	if r == nil {
		return pii.Known{}
	}
	return pii.Known{Names: nonEmpty(r.ReporterName), Phones: nonEmpty(r.ReporterPhone), Emails: nonEmpty(r.ReporterEmail)}
}

func nonEmpty(s string) []string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return []string{s}
}

// Check passes texts through the gate. A text without hits is published as
// typed; a text with hits whose Digest is among confirmed is published
// masked; any other text with hits holds them all: Check then returns a
// *HeldError with a preview of each held text and publishes nothing.
// Texts are checked as given (callers trim them first).
func Check(known pii.Known, confirmed []string, texts ...Text) ([]Checked, error) {
	if len(confirmed) > MaxConfirmations {
		confirmed = confirmed[:MaxConfirmations]
	}
	ok := map[string]bool{}
	for _, d := range confirmed {
		ok[d] = true
	}
	out := make([]Checked, 0, len(texts))
	var held []Preview
	errs := form.Errors{}
	for _, t := range texts {
		hits := pii.Find(t.Value, known)
		c := Checked{Field: t.Field, Original: t.Value, Published: t.Value}
		if len(hits) > 0 {
			c.Kinds = kindsOf(hits)
			c.Published, c.Reason = pii.Mask(t.Value, hits), ReasonMasked
			if digest := Digest(t.Field, t.Value); !ok[digest] {
				held = append(held, Preview{Field: t.Field, Segments: pii.Segments(t.Value, hits), Kinds: c.Kinds, Masked: c.Published, Digest: digest})
				errs.Add(t.Field, "moderation.held")
			}
		}
		out = append(out, c)
	}
	if len(held) > 0 {
		return nil, &HeldError{Err: fail.Fields(errs), Previews: held}
	}
	return out, nil
}

// Gate is Check for a form: empty texts are left out, and errs (the form's
// other field messages) refuse the change with the held texts or alone, so
// the person sees every problem at once.
func Gate(known pii.Known, confirmed []string, errs form.Errors, texts ...Text) ([]Checked, error) {
	var nonEmpty []Text
	for _, t := range texts {
		if t.Value != "" {
			nonEmpty = append(nonEmpty, t)
		}
	}
	checked, err := Check(known, confirmed, nonEmpty...)
	var held *HeldError
	if errors.As(err, &held) {
		for field, m := range errs {
			held.Err.Fields[field] = m
		}
		return nil, held
	}
	if err != nil {
		return nil, err
	}
	if errs.Any() {
		return nil, fail.Fields(errs)
	}
	return checked, nil
}

// kindsOf lists the kinds among hits, in pii.Kinds order.
func kindsOf(hits []pii.Hit) []pii.Kind {
	seen := map[pii.Kind]bool{}
	for _, h := range hits {
		seen[h.Kind] = true
	}
	var out []pii.Kind
	for _, k := range pii.Kinds {
		if seen[k] {
			out = append(out, k)
		}
	}
	return out
}

// Published returns the published text of field among checked ("" if
// absent).
func Published(checked []Checked, field string) string {
	for _, c := range checked {
		if c.Field == field {
			return c.Published
		}
	}
	return ""
}

// Find returns the entry of field among checked.
func Find(checked []Checked, field string) (Checked, bool) {
	for _, c := range checked {
		if c.Field == field {
			return c, true
		}
	}
	return Checked{}, false
}

// Subject is where a published text lives: the object and field a public
// page reads it from, and the object whose audit history records the
// masking (a timeline entry's masking is in its case's history).
type Subject struct {
	ObjectType string // "case", "case_event", "unit", "spot_check"
	ObjectID   int64
	Field      string
	AuditType  string // an audit object type
	AuditID    int64
	AgencyID   *int64 // the publishing agency: its supervisors may read the original
	// Prefix is what the place shows before the text (a transfer's entry
	// reads "<agency>：<reason>"), so the row holds the text as published.
	Prefix string
}

// Object types of masked texts that are not audit object types.
const (
	ObjectCaseEvent = "case_event"
	ObjectSpotCheck = "spot_check"
)

// Record stores, in tx, the masking of c (if it was masked) on each of
// subjects (one text may be published in several places: a timeline entry
// and the case's public notice): a moderations row per subject with the
// original, and one audit entry, on the first subject's audit object, with
// the reason and the kinds but not the original.
func Record(ctx context.Context, tx *storage.Store, log *audit.Log, who audit.Actor, c Checked, at time.Time, subjects ...Subject) error {
	if !c.Masked() || len(subjects) == 0 {
		return nil
	}
	kinds := make([]string, len(c.Kinds))
	for i, k := range c.Kinds {
		kinds[i] = string(k)
	}
	reason := c.Reason
	if reason == "" {
		reason = ReasonMasked
	}
	var ids []int64
	var places []string
	for _, subj := range subjects {
		original, published := c.Original, c.Published
		if subj.Prefix != "" {
			original, published = subj.Prefix+original, subj.Prefix+published
		}
		m := &model.Moderation{ObjectType: subj.ObjectType, ObjectID: subj.ObjectID, Field: subj.Field, AgencyID: subj.AgencyID,
			Reason: reason, Kinds: strings.Join(kinds, ","), Original: original, Published: published, CreatedAt: at}
		if who.User != nil {
			m.ActorUserID = &who.User.ID
		}
		if err := tx.AddModeration(ctx, m); err != nil {
			return err
		}
		ids = append(ids, m.ID)
		places = append(places, subj.ObjectType+":"+strconv.FormatInt(subj.ObjectID, 10)+"."+subj.Field)
	}
	first := subjects[0]
	return log.Record(ctx, tx, audit.Event{Action: audit.ActionModerate, ObjectType: first.AuditType, ObjectID: strconv.FormatInt(first.AuditID, 10),
		AgencyID: first.AgencyID, At: at,
		After: map[string]any{"moderation_ids": ids, "places": places, "form_field": c.Field,
			"reason": reason, "kinds": kinds, "published": c.Published}}.By(who))
}

// Mark is what a public page says under a text staff edited.
type Mark struct {
	AgencyZh, AgencyEn string
	At                 time.Time
}

// Marks returns, for each object of objectType whose field's current text
// is in current (id → text), the mark of its latest masking if that is the
// text as published; objects whose text changed since (or was never
// masked) have none.
func Marks(ctx context.Context, st *storage.Store, objectType, field string, current map[int64]string) (map[int64]Mark, error) {
	if len(current) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, len(current))
	for id := range current {
		ids = append(ids, id)
	}
	rows, err := st.ModerationsOf(ctx, objectType, field, ids)
	if err != nil {
		return nil, err
	}
	latest := map[int64]model.Moderation{}
	for _, m := range rows { // oldest first: the last one wins
		latest[m.ObjectID] = m
	}
	agencies := map[int64]*model.Agency{}
	out := map[int64]Mark{}
	for id, m := range latest {
		if m.Published != current[id] {
			continue
		}
		mark := Mark{At: m.CreatedAt}
		if m.AgencyID != nil {
			a, ok := agencies[*m.AgencyID]
			if !ok {
				if a, err = st.AgencyByID(ctx, *m.AgencyID); err != nil && !errors.Is(err, storage.ErrNotFound) {
					return nil, err
				}
				agencies[*m.AgencyID] = a
			}
			if a != nil {
				mark.AgencyZh, mark.AgencyEn = a.NameZh, a.NameEn
			}
		}
		out[id] = mark
	}
	return out, nil
}

// MayReadOriginal says whether u may read back the original of m: a
// supervisor of the agency that published it, or the city admin. Officers
// may not — they wrote it, and the masked parts are someone's personal data.
func MayReadOriginal(u *model.User, m *model.Moderation) bool {
	if u == nil {
		return false
	}
	switch u.Role {
	case model.RoleCityAdmin:
		return true
	case model.RoleSupervisor:
		return u.AgencyID != nil && m.AgencyID != nil && *u.AgencyID == *m.AgencyID
	}
	return false
}

// Service reads originals back, audited.
type Service struct {
	Store *storage.Store
	Audit *audit.Log
	Now   func() time.Time
}

var errNotFound = fail.New(fail.NotFound, "moderation not found")

// Original returns masked text id with its original, if who may read it
// (else NotFound, as if it did not exist); each reading is audited.
func (s *Service) Original(ctx context.Context, who audit.Actor, id int64) (*model.Moderation, error) {
	m, err := s.Store.ModerationByID(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	if !MayReadOriginal(who.User, m) {
		return nil, errNotFound
	}
	now := time.Now().UTC()
	if s.Now != nil {
		now = s.Now().UTC()
	}
	err = s.Audit.Record(ctx, s.Store, audit.Event{Action: audit.ActionModerationView, ObjectType: audit.ObjectModeration,
		ObjectID: strconv.FormatInt(m.ID, 10), AgencyID: m.AgencyID, At: now,
		After: map[string]any{"object_type": m.ObjectType, "object_id": m.ObjectID, "field": m.Field}}.By(who))
	if err != nil {
		return nil, err
	}
	return m, nil
}
