package cases

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/storage"
)

// The published texts of a case a correction may replace: the reply, the
// conclusion's public notice, or one public timeline entry's words
// ("event:<id>").
const (
	PlaceReply       = "reply"
	PlaceNotice      = "notice"
	placeEventPrefix = "event:"
)

// PlaceOfEvent names timeline entry id as a correction's place.
func PlaceOfEvent(id int64) string { return placeEventPrefix + strconv.FormatInt(id, 10) }

// Correction replaces a text already published: what slipped through
// before the gate, or what should not have been said. Text is the new
// wording (it passes the gate like any public text), Reason why — both are
// in the audit chain, and the public reads "edited by <agency> on <date>".
type Correction struct {
	Place     string
	Text      string
	Reason    string
	Confirmed []string // moderation digests of the new text, if it is held
}

// MayCorrect says whether role may correct published texts: a supervisor
// (of the handling agency, MayHandle), or the city admin.
func MayCorrect(role model.Role) bool {
	return role == model.RoleSupervisor || role == model.RoleCityAdmin
}

// Corrections lists what of cs's published texts may be corrected, by place.
func Corrections(cs *model.Case, events []model.CaseEvent) map[string]string {
	out := map[string]string{}
	if cs.PublicReply != nil && *cs.PublicReply != "" {
		out[PlaceReply] = *cs.PublicReply
	}
	if cs.PublicNotice != "" {
		out[PlaceNotice] = cs.PublicNotice
	}
	for _, e := range events {
		if e.Public && e.Body != nil && *e.Body != "" && e.Kind != string(UpdateReply) {
			out[PlaceOfEvent(e.ID)] = *e.Body
		}
	}
	return out
}

// Correct replaces one of cs's published texts (Corrections), in one
// transaction with the moderation record (the text it replaced, readable by
// supervisors) and its audit entry. A public notice shown as a suspended
// unit's reason is corrected there too. Nobody is notified: a correction
// changes wording, not the case.
func (s *Service) Correct(ctx context.Context, who Actor, cs *model.Case, c Correction) error {
	if !MayHandle(who.User, cs) || !MayCorrect(who.User.Role) {
		return errNotFound
	}
	events, err := s.Store.PublicEvents(ctx, cs.ID)
	if err != nil {
		return err
	}
	current, ok := Corrections(cs, events)[c.Place]
	if !ok {
		return refused(fail.Invalid, "place", "form.choose")
	}
	errs := form.Errors{}
	text, reason := strings.TrimSpace(c.Text), strings.TrimSpace(c.Reason)
	limit := MaxReply
	if c.Place == PlaceNotice {
		limit = MaxPublicNotice
	}
	switch {
	case text == "":
		errs.Add("text", "form.required")
	case form.TooLong(text, limit):
		errs.Add("text", "form.too_long", limit)
	case text == current:
		errs.Add("text", "moderation.unchanged")
	}
	if reason == "" {
		errs.Add("reason", "review.reason_required")
	} else if form.TooLong(reason, moderation.MaxReason) {
		errs.Add("reason", "form.too_long", moderation.MaxReason)
	}
	checked, err := s.gate(ctx, cs, c.Confirmed, errs, moderation.Text{Field: "text", Value: text})
	if err != nil {
		return err
	}
	text = moderation.Published(checked, "text")
	r, err := s.Store.ReportByID(ctx, cs.ReportID)
	if err != nil {
		return err
	}
	record := moderation.Corrected("text", current, text, reason, moderation.KnownOf(r))
	set := map[string]any{}
	var fields []moderation.Subject
	switch c.Place {
	case PlaceReply:
		set["public_reply"] = text
		fields = append(fields, caseField(cs, "public_reply"))
	case PlaceNotice:
		set["public_notice"] = text
		fields = append(fields, caseField(cs, "public_notice"))
	}
	return conflictOr(s.Store.Tx(ctx, func(tx *storage.Store) error {
		// Built afresh on each attempt: Tx may run this function again,
		// and a rolled-back attempt's subjects must not be recorded twice.
		at := slices.Clone(fields)
		// The case's version moves even when only an entry changes, so two
		// corrections at once cannot both apply to the same text.
		if err := tx.UpdateCase(ctx, storage.CaseUpdate{CaseID: cs.ID, LockVersion: cs.LockVersion, Set: set}); err != nil {
			return err
		}
		switch {
		case c.Place == PlaceReply:
			if err := tx.CorrectReplyEvents(ctx, cs.ID, current, text); err != nil {
				return err
			}
		case c.Place == PlaceNotice:
			if r.UnitID != nil {
				shown, err := tx.CorrectPublicReason(ctx, *r.UnitID, current, text)
				if err != nil {
					return err
				}
				if shown {
					at = append(at, moderation.Subject{ObjectType: audit.ObjectUnit, ObjectID: *r.UnitID, Field: "status_reason"})
				}
			}
		default:
			id, err := strconv.ParseInt(strings.TrimPrefix(c.Place, placeEventPrefix), 10, 64)
			if err != nil {
				return err
			}
			if err := tx.CorrectEventBody(ctx, cs.ID, id, current, text); err != nil {
				return err
			}
			at = append(at, moderation.Subject{ObjectType: moderation.ObjectCaseEvent, ObjectID: id, Field: "body"})
		}
		for i := range at {
			at[i].AuditType, at[i].AuditID, at[i].AgencyID = audit.ObjectCase, cs.ID, &cs.AgencyID
		}
		return moderation.Record(ctx, tx, s.Audit, who, record, s.now(), at...)
	}))
}
