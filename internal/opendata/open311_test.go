package opendata_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/opendata"
)

func TestParseQuery(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 42, 17, 0, model.Zone)
	midnight := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, model.Zone).UTC() }
	for _, tc := range []struct {
		query    string
		bad      string // part of the 400's description; "" = accepted
		from, to time.Time
	}{
		// No dates: the last 90 days, widened to whole days.
		{query: "", from: midnight(2026, 9, 4), to: midnight(2026, 12, 4)},
		{query: "start_date=2026-11-01", from: midnight(2026, 11, 1), to: midnight(2027, 1, 30)},
		{query: "end_date=2026-11-01T12:00:00%2B08:00", from: midnight(2026, 8, 3), to: midnight(2026, 11, 2)},
		{query: "start_date=2026-09-04T00:00:00%2B08:00&end_date=2026-12-03T00:00:00%2B08:00", from: midnight(2026, 9, 4), to: midnight(2026, 12, 3)},
		{query: "start_date=2026-09-03T23:59:59%2B08:00&end_date=2026-12-03T00:00:00%2B08:00", bad: "90 days"},
		{query: "start_date=2026-01-01&end_date=2026-12-01", bad: "90 days"},
		{query: "start_date=2026-12-02&end_date=2026-12-01", bad: "before"},
		{query: "start_date=03/12/2026", bad: "start_date"},
		{query: "end_date=2026-02-30", bad: "end_date"},
		{query: "status=pending", bad: "status"},
		{query: "service_code=short_weight,potholes", bad: "service_code"},
		{query: "page=101", bad: "page"},
		{query: "page=x", bad: "page"},
		{query: "service_request_id=" + strings.Repeat("a,", opendata.MaxIDs), bad: "service_request_id"},
		{query: "service_code=" + strings.Repeat("x", opendata.MaxParam+1), bad: "too long"},
	} {
		v, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		q, err := opendata.ParseQuery(v, "320400", now)
		var qe *opendata.QueryError
		switch {
		case tc.bad != "" && (!errors.As(err, &qe) || !strings.Contains(qe.Description, tc.bad)):
			t.Errorf("%s: %v, want a 400 about %s", tc.query, err, tc.bad)
		case tc.bad == "" && err != nil:
			t.Errorf("%s: %v", tc.query, err)
		case tc.bad == "" && (!q.From.Equal(tc.from) || !q.To.Equal(tc.to)):
			t.Errorf("%s: window %s – %s, want %s – %s", tc.query, q.From, q.To, tc.from, tc.to)
		}
	}
}

func TestServiceRequestIDs(t *testing.T) {
	v := url.Values{"service_request_id": {"HM-320400-ABCD-EFGH-JKMN, HM-110000-ABCD-EFGH-JKMN,HM-320400-,x"},
		"start_date": {"not a date"}} // overridden, as the spec says
	q, err := opendata.ParseQuery(v, "320400", time.Now())
	if err != nil || len(q.TrackingNos) != 1 || q.TrackingNos[0] != "ABCD-EFGH-JKMN" {
		t.Fatalf("%+v %v", q, err)
	}
	q, err = opendata.ParseQuery(url.Values{"service_request_id": {"HM-110000-ABCD-EFGH-JKMN"}}, "320400", time.Now())
	if err != nil || len(q.TrackingNos) != 1 || q.TrackingNos[0] != "" {
		t.Fatalf("another city's id must match nothing: %+v %v", q, err)
	}
	if no, ok := opendata.TrackingNoOf(model.ExternalID("320400", "ABCD-EFGH-JKMN"), "320400"); !ok || no != "ABCD-EFGH-JKMN" {
		t.Fatalf("ExternalID does not read back: %q %v", no, ok)
	}
}

func TestOpen311Status(t *testing.T) {
	for s, want := range map[model.CaseStatus]string{model.CaseConcluded: "open", model.CaseClosed: "closed"} {
		if got := opendata.Open311Status(s); got != want {
			t.Errorf("%s → %s, want %s", s, got, want)
		}
	}
	for _, s := range opendata.PublicCaseStatuses {
		if s != model.CaseConcluded && s != model.CaseClosed {
			t.Errorf("%s published: only concluded investigations may be", s)
		}
	}
}
