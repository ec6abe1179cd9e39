package opendata

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/pii"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/storage"
)

// PublicCaseStatuses are the case statuses Open311 publishes: a tip whose
// investigation was concluded, before and after its file is closed. Every
// other case (open, refused, not opened, returned, merged) and every
// complaint (a private consumer dispute, mediated, never concluded) stays
// out; storage lists only cases with a conclusion date besides.
var PublicCaseStatuses = []model.CaseStatus{model.CaseConcluded, model.CaseClosed}

// Bounds of an Open311 query.
const (
	// MaxRange is the longest span start_date…end_date may cover, and the
	// default window (the last MaxRange) when neither is given: GeoReport
	// v2 says so.
	MaxRange = 90 * 24 * time.Hour
	// PerPage is the most requests one answer lists (the spec's usual
	// 1000); page (1…MaxPage, an extension many Open311 servers share)
	// reads further.
	PerPage = 1000
	MaxPage = 100
	// MaxIDs is the most service_request_id values one query may name;
	// MaxParam the longest any parameter may be.
	MaxIDs   = 100
	MaxParam = 4096
)

// Open311 statuses.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Open311Status maps a case status to GeoReport's two: a case is open while
// it still has a step to take (model.CaseStatus.Open — a concluded case
// waits for its file to be closed), closed once final.
func Open311Status(s model.CaseStatus) string {
	if s.Open() {
		return StatusOpen
	}
	return StatusClosed
}

// Query is a parsed GET requests.json.
type Query struct {
	// TrackingNos: service_request_id was given (it overrides every other
	// parameter, as the spec says).
	TrackingNos []string
	Categories  []model.Category
	From, To    time.Time
	Status      string // StatusOpen, StatusClosed or "" for both
	Page        int
}

// QueryError is a query Open311 refuses with 400; Description says why in
// English (the spec's error format has no language).
type QueryError struct{ Description string }

func (e *QueryError) Error() string { return e.Description }

func badQuery(s string) error { return &QueryError{Description: s} }

// ParseQuery reads service_request_id, service_code, start_date, end_date,
// status and page at now. A service_request_id of another city or system
// matches nothing; an unknown service_code is refused (it names no
// service), as are a malformed date, an end before the start and a span
// over MaxRange.
func ParseQuery(v url.Values, cityCode string, now time.Time) (Query, error) {
	for k, vs := range v {
		for _, s := range vs {
			if len(s) > MaxParam || len(k) > 64 {
				return Query{}, badQuery("parameter too long")
			}
		}
	}
	q := Query{Page: 1}
	if ids := v.Get("service_request_id"); ids != "" {
		parts := strings.Split(ids, ",")
		if len(parts) > MaxIDs {
			return Query{}, badQuery("at most " + strconv.Itoa(MaxIDs) + " service_request_id values")
		}
		for _, p := range parts {
			if no, ok := TrackingNoOf(strings.TrimSpace(p), cityCode); ok {
				q.TrackingNos = append(q.TrackingNos, no)
			}
		}
		if len(q.TrackingNos) == 0 {
			q.TrackingNos = []string{""} // names nothing of ours: matches nothing
		}
		return q, nil
	}
	if codes := v.Get("service_code"); codes != "" {
		for _, c := range strings.Split(codes, ",") {
			cat := model.Category(strings.TrimSpace(c))
			if !cat.Valid() {
				return Query{}, badQuery("unknown service_code")
			}
			q.Categories = append(q.Categories, cat)
		}
	}
	var err error
	if q.From, err = parseDatetime(v.Get("start_date")); err != nil {
		return Query{}, badQuery("start_date is not a W3C datetime")
	}
	if q.To, err = parseDatetime(v.Get("end_date")); err != nil {
		return Query{}, badQuery("end_date is not a W3C datetime")
	}
	switch {
	case q.From.IsZero() && q.To.IsZero():
		q.To = now
		q.From = now.Add(-MaxRange)
	case q.From.IsZero():
		q.From = q.To.Add(-MaxRange)
	case q.To.IsZero():
		q.To = q.From.Add(MaxRange)
	}
	if q.To.Before(q.From) {
		return Query{}, badQuery("end_date is before start_date")
	}
	if q.To.Sub(q.From) > MaxRange {
		return Query{}, badQuery("start_date and end_date may not span more than 90 days")
	}
	// Whole days only, as requested_datetime is published: bisecting the
	// window must not find the second a report arrived either.
	q.From = dayStart(q.From)
	if end := dayStart(q.To); !end.Equal(q.To) {
		q.To = end.AddDate(0, 0, 1)
	}
	switch s := v.Get("status"); s {
	case "", StatusOpen, StatusClosed:
		q.Status = s
	default:
		return Query{}, badQuery("status must be open or closed")
	}
	if p := v.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > MaxPage {
			return Query{}, badQuery("page must be 1 to " + strconv.Itoa(MaxPage))
		}
		q.Page = n
	}
	return q, nil
}

// dayStart is the midnight (model.Zone) that starts t's calendar day.
func dayStart(t time.Time) time.Time {
	y, m, d := t.In(model.Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, model.Zone).UTC()
}

// parseDatetime reads a W3C datetime: a full RFC 3339 instant, or a
// calendar day (midnight in model.Zone). "" is the zero time.
func parseDatetime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, model.Zone)
	return t.UTC(), err
}

// TrackingNoOf reads a service_request_id (model.ExternalID) back into a
// tracking number; ok is false for an id of another city or system.
func TrackingNoOf(id, cityCode string) (string, bool) {
	no, ok := strings.CutPrefix(id, model.ExternalID(cityCode, ""))
	if !ok || no == "" || len(no) > 64 {
		return "", false
	}
	return no, true
}

// Request is one published case, before the edge spells it in GeoReport's
// fields.
type Request struct {
	ID       string // model.ExternalID
	Status   string // StatusOpen or StatusClosed
	Case     model.CaseStatus
	Outcome  string
	Category model.Category
	// Description is the conclusion's public notice through pii.Redact; ""
	// when there is none.
	Description string
	AgencyID    int64
	DistrictID  int64
	// Requested is the day the report was received (its midnight in
	// model.Zone), never the instant: a merchant reading that a tip about
	// the shop arrived at 10:42 would know which customer sent it.
	Requested time.Time
	// Address is the reported unit's address while it is listed in the
	// public directory; "" otherwise (the edge then names the district).
	Address string
	// Updated is the last public step: the closing, else the conclusion.
	// Staff's internal edits (an assignment, a note) never show in it.
	Updated time.Time
}

// Requests lists the published cases q selects, newest first, at most
// PerPage.
func Requests(ctx context.Context, st *storage.Store, cityCode string, q Query) ([]Request, error) {
	f := storage.PublicCaseFilter{Statuses: PublicCaseStatuses, ListedUnitStatuses: scan.DirectoryStatuses,
		TrackingNos: q.TrackingNos, Categories: q.Categories, From: q.From, To: q.To,
		Limit: PerPage, Offset: (max(q.Page, 1) - 1) * PerPage}
	if q.Status != "" {
		var only []model.CaseStatus
		for _, s := range PublicCaseStatuses {
			if Open311Status(s) == q.Status {
				only = append(only, s)
			}
		}
		f.Statuses = only
	}
	rows, err := st.PublicCases(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]Request, 0, len(rows))
	for _, r := range rows {
		req := Request{ID: model.ExternalID(cityCode, r.TrackingNo), Status: Open311Status(r.Status), Case: r.Status,
			Outcome: r.Outcome, Category: r.Category, Description: pii.Redact(r.PublicNotice), AgencyID: r.AgencyID,
			DistrictID: r.DistrictID, Address: r.UnitAddress, Requested: dayStart(r.ReceivedAt)}
		switch {
		case r.ClosedAt != nil:
			req.Updated = *r.ClosedAt
		case r.ConcludedAt != nil:
			req.Updated = *r.ConcludedAt
		default:
			req.Updated = req.Requested
		}
		out = append(out, req)
	}
	return out, nil
}
