package cases

import (
	"context"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/pii"
	"honestmeasure/internal/storage"
)

// gate passes the public texts of a change to cs through the moderation
// gate (moderation.Gate), knowing cs's reporter; errs are the change's
// other field messages.
func (s *Service) gate(ctx context.Context, cs *model.Case, confirmed []string, errs form.Errors, texts ...moderation.Text) ([]moderation.Checked, error) {
	known := pii.Known{}
	for _, t := range texts {
		if t.Value != "" {
			r, err := s.Store.ReportByID(ctx, cs.ReportID)
			if err != nil {
				return nil, err
			}
			known = moderation.KnownOf(r)
			break
		}
	}
	return moderation.Gate(known, confirmed, errs, texts...)
}

// recordMasked records, in tx, the masking of field's text (if any) at
// each of places, in cs's audit history.
func (s *Service) recordMasked(ctx context.Context, tx *storage.Store, who Actor, cs *model.Case, checked []moderation.Checked, field string, places ...moderation.Subject) error {
	c, ok := moderation.Find(checked, field)
	if !ok {
		return nil
	}
	for i := range places {
		places[i].AuditType, places[i].AuditID, places[i].AgencyID = audit.ObjectCase, cs.ID, &cs.AgencyID
	}
	return moderation.Record(ctx, tx, s.Audit, who, c, s.now(), places...)
}

// eventBody is the place of a timeline entry's public words.
func eventBody(e *model.CaseEvent) moderation.Subject {
	return moderation.Subject{ObjectType: moderation.ObjectCaseEvent, ObjectID: e.ID, Field: "body"}
}

// caseField is the place of one of a case's public texts.
func caseField(cs *model.Case, field string) moderation.Subject {
	return moderation.Subject{ObjectType: audit.ObjectCase, ObjectID: cs.ID, Field: field}
}
