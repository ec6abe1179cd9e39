package cases

import (
	"context"
	"strconv"
	"strings"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// The hand-off export gives 12315 and 12345 (or the officer who types into
// them) the fields those systems ask for, reporters' details included — the
// one place those leave the platform in bulk. So only supervisors and the
// city admin take it, a supervisor only of the own agency's cases, and
// every export is audited (counts and position, never the data).
const (
	HandoffExportDefault = 1000
	HandoffExportMax     = 5000
	// DefaultHandoffSettle is how long ago a change must be for the export
	// to carry it (Service.HandoffSettle): a transaction that stamped a case
	// earlier may commit after one that stamped it later, and a pull in
	// between would pass the first for good. Changes inside the window come
	// with the next pull.
	DefaultHandoffSettle = 10 * time.Second
)

// MayExportHandoffs says whether role may take the hand-off export.
func MayExportHandoffs(role model.Role) bool {
	return role == model.RoleSupervisor || role == model.RoleCityAdmin
}

// HandoffRecord is one case in the hand-off export: the HandoffRecord
// schema of the OpenAPI document (internal/api/openapi.json), the same in
// JSON Lines and XLSX. Field names are a contract with other systems: add,
// never rename. A value the case does not have is null.
type HandoffRecord struct {
	ExternalID            string  `json:"external_id"`
	Kind                  string  `json:"kind"`
	Category              string  `json:"category"`
	ReporterName          *string `json:"reporter_name"`
	ReporterPhone         *string `json:"reporter_phone"`
	ReporterAddress       *string `json:"reporter_address"`
	RespondentName        string  `json:"respondent_name"`
	RespondentUSCC        *string `json:"respondent_uscc"`
	RespondentAddress     *string `json:"respondent_address"`
	IncidentAt            *string `json:"incident_at"`
	Request               *string `json:"request"`
	Facts                 string  `json:"facts"`
	AmountCents           *int64  `json:"amount_cents"`
	ReceivingAgency       string  `json:"receiving_agency"`
	Status                string  `json:"status"`
	DecisionGround        *string `json:"decision_ground"`
	Outcome               *string `json:"outcome"`
	ConcludedAt           *string `json:"concluded_at"`
	InstrumentSerial      *string `json:"instrument_serial"`
	InstrumentCertificate *string `json:"instrument_certificate"`
}

// HandoffColumns are HandoffRecord's field names in order: the XLSX header.
var HandoffColumns = []string{"external_id", "kind", "category", "reporter_name", "reporter_phone", "reporter_address",
	"respondent_name", "respondent_uscc", "respondent_address", "incident_at", "request", "facts", "amount_cents",
	"receiving_agency", "status", "decision_ground", "outcome", "concluded_at", "instrument_serial", "instrument_certificate"}

// Values is r as one spreadsheet row in HandoffColumns order; null is "".
func (r HandoffRecord) Values() []string {
	s := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	amount := ""
	if r.AmountCents != nil {
		amount = strconv.FormatInt(*r.AmountCents, 10)
	}
	return []string{r.ExternalID, r.Kind, r.Category, s(r.ReporterName), s(r.ReporterPhone), s(r.ReporterAddress),
		r.RespondentName, s(r.RespondentUSCC), s(r.RespondentAddress), s(r.IncidentAt), s(r.Request), r.Facts, amount,
		r.ReceivingAgency, r.Status, s(r.DecisionGround), s(r.Outcome), s(r.ConcludedAt), s(r.InstrumentSerial),
		s(r.InstrumentCertificate)}
}

// HandoffCursor is a position in the export's (change time, case id)
// order: the next pull takes the rows strictly after it, so a pull that
// ends between two cases changed in the same instant neither repeats nor
// skips one. Written "<RFC 3339 time>~<case id>".
type HandoffCursor struct {
	At     time.Time
	CaseID int64
}

func (c HandoffCursor) String() string {
	return c.At.UTC().Format(time.RFC3339Nano) + "~" + strconv.FormatInt(c.CaseID, 10)
}

// ParseHandoffCursor reads a cursor written by String.
func ParseHandoffCursor(s string) (HandoffCursor, bool) {
	at, id, ok := strings.Cut(s, "~")
	if !ok || len(s) > 80 {
		return HandoffCursor{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err != nil || err2 != nil || n < 0 {
		return HandoffCursor{}, false
	}
	return HandoffCursor{At: t.UTC(), CaseID: n}, true
}

// HandoffQuery is an export request as it arrived. Since (RFC 3339) takes
// the cases changed at or after it; Cursor (from a previous pull's Next)
// those after it; at most one of them. Target "12315" or "12345" keeps the
// cases handed off to it. Limit is 1…HandoffExportMax ("" for the default).
type HandoffQuery struct {
	Since, Cursor, Target, Limit string
	Format                       string // for the audit entry
}

// HandoffExport is one pull: the records in order, where the next pull
// starts, and whether rows are known to remain.
type HandoffExport struct {
	Records []HandoffRecord
	Next    HandoffCursor
	More    bool
}

// "Changed" is the case's updated_at: every step, note, reply, transfer and
// hand-off stamps it, and those are what the outside systems' copies follow.
func (s *Service) parseHandoffQuery(q HandoffQuery) (storage.HandoffFilter, HandoffCursor, error) {
	errs := form.Errors{}
	f := storage.HandoffFilter{Limit: HandoffExportDefault}
	var pos HandoffCursor
	switch {
	case q.Since != "" && q.Cursor != "":
		errs.Add("cursor", "handoff.since_or_cursor")
	case q.Since != "":
		t, err := time.Parse(time.RFC3339Nano, q.Since)
		if len(q.Since) > 40 || err != nil {
			errs.Add("since", "handoff.since_invalid")
		}
		pos = HandoffCursor{At: t.UTC()}
		f.Since = pos.At
	case q.Cursor != "":
		c, ok := ParseHandoffCursor(q.Cursor)
		if !ok {
			errs.Add("cursor", "handoff.cursor_invalid")
		}
		pos = c
		f.Since, f.AfterID = c.At, c.CaseID
	}
	if q.Target != "" {
		if t := model.HandoffTarget(q.Target); t.Valid() {
			f.Target = t
		} else {
			errs.Add("target", "handoff.target_invalid")
		}
	}
	if q.Limit != "" {
		n, err := strconv.Atoi(q.Limit)
		if len(q.Limit) > 6 || err != nil || n < 1 || n > HandoffExportMax {
			errs.Add("limit", "handoff.limit_invalid", HandoffExportMax)
		}
		f.Limit = n
	}
	if errs.Any() {
		return f, pos, fail.Fields(errs)
	}
	return f, pos, nil
}

// ExportHandoffs is one pull of the hand-off export for who: the cases of
// who's jurisdiction changed since the query's position, oldest change
// first, at most the limit, and the position the next pull starts from.
// Each pull is audited with its counts and position.
func (s *Service) ExportHandoffs(ctx context.Context, who Actor, q HandoffQuery) (*HandoffExport, error) {
	agency, ok := who.User.Jurisdiction()
	if !ok || !MayExportHandoffs(who.User.Role) {
		return nil, errNotFound
	}
	f, pos, err := s.parseHandoffQuery(q)
	if err != nil {
		return nil, err
	}
	f.AgencyID = agency
	f.Settle = s.HandoffSettle
	// One more than asked says whether rows remain.
	want := f.Limit
	f.Limit++
	rows, err := s.Store.HandoffRows(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &HandoffExport{Next: pos}
	if len(rows) > want {
		rows, out.More = rows[:want], true
	}
	agencies, err := s.Store.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(agencies))
	for _, a := range agencies {
		names[a.ID] = a.NameZh
	}
	out.Records = make([]HandoffRecord, len(rows))
	for i, r := range rows {
		out.Records[i] = s.handoffRecord(r, names[r.AgencyID])
	}
	if n := len(rows); n > 0 {
		out.Next = HandoffCursor{At: rows[n-1].UpdatedAt.UTC(), CaseID: rows[n-1].CaseID}
	}
	after := map[string]any{"rows": len(rows), "more": out.More, "next": out.Next.String(), "format": q.Format}
	for k, v := range map[string]string{"since": q.Since, "cursor": q.Cursor, "target": q.Target} {
		if v != "" {
			after[k] = v
		}
	}
	err = s.Audit.Record(ctx, s.Store, audit.Event{Action: audit.ActionHandoffExport, ObjectType: audit.ObjectCase,
		AgencyID: agency, After: after, At: s.now()}.By(who))
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) handoffRecord(r storage.HandoffRow, agency string) HandoffRecord {
	opt := func(v string) *string {
		if v = strings.TrimSpace(v); v == "" {
			return nil
		}
		return &v
	}
	at := func(t *time.Time) *string {
		if t == nil {
			return nil
		}
		v := t.In(model.Zone).Format(time.RFC3339)
		return &v
	}
	rec := HandoffRecord{
		ExternalID: model.ExternalID(s.CityCode, r.TrackingNo), Kind: string(r.Kind), Category: string(r.Category),
		RespondentName: r.BusinessName, RespondentAddress: opt(r.BusinessAddress),
		IncidentAt: at(r.IncidentAt), Request: opt(r.Request), Facts: r.Description, AmountCents: r.AmountCents,
		ReceivingAgency: agency, Status: string(r.Status), DecisionGround: opt(r.DecisionGround), Outcome: opt(r.Outcome),
		ConcludedAt: at(r.ConcludedAt), InstrumentSerial: opt(r.InstrumentSerial),
	}
	if !r.Anonymous {
		rec.ReporterName, rec.ReporterPhone, rec.ReporterAddress = opt(r.ReporterName), opt(r.ReporterPhone), opt(r.ReporterAddress)
	}
	// A report about a registered unit names the respondent as registered
	// (its name, credit code and address); one typed in by hand as typed.
	if r.UnitName != nil {
		rec.RespondentName = *r.UnitName
		if r.UnitUSCC != nil {
			rec.RespondentUSCC = opt(*r.UnitUSCC)
		}
		if r.UnitAddress != nil && strings.TrimSpace(*r.UnitAddress) != "" {
			rec.RespondentAddress = opt(*r.UnitAddress)
		}
	}
	if r.Certificate != nil && r.Certificate.Kind == model.KindCertificate {
		rec.InstrumentCertificate = opt(r.Certificate.CertificateNo)
	}
	return rec
}
