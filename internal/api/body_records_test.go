package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

func (c *client) bodyRecords(token, key string, body []byte) result {
	c.t.Helper()
	req := c.newRequest(http.MethodPost, "/body/records", "Authorization", "Bearer "+token, "Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return c.do(req, body, key != "")
}

// A body's system sends a batch: each record's outcome comes back in order
// (the registered scale's certificate matched, a bad one refused with a
// message), the retry with the same key replays the answer and writes
// nothing, the key with other records is a 409, and no key is a 422. Every
// answer is checked against the OpenAPI document.
func TestBodyRecordsBatch(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	_, _, ins := a.ApprovedUnit("接口检定测试店")
	body, err := a.Store.VerificationBodyByCode(t.Context(), a.Ref.VerificationBodies[0].Code)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := newBodyTokens(t, a).create(body.ID)
	batch, _ := json.Marshal(map[string]any{"records": []map[string]string{
		{"kind": "certificate", "certificate_no": "API-1", "submitter_uscc": apptest.GoodUSCC, "submitter_name": "接口检定测试店",
			"instrument_serial": ins[0].SerialNo, "verified_on": "2026-03-05", "valid_until": "2027-03-04"},
		{"kind": "certificate", "certificate_no": "API-2", "submitter_uscc": "nope", "instrument_serial": "X", "verified_on": "2026-03-05"},
	}})
	type answer struct {
		ImportID int64 `json:"import_id"`
		New      int   `json:"new"`
		Refused  int   `json:"refused"`
		Results  []struct {
			Outcome  string `json:"outcome"`
			Matched  bool   `json:"matched"`
			Problems []struct{ Field, Message string }
		} `json:"results"`
	}
	r := c.bodyRecords(raw, "batch-1", batch)
	expectStatus(t, r, http.StatusOK)
	var first answer
	r.decode(t, &first)
	if first.New != 1 || first.Refused != 1 || !first.Results[0].Matched || first.Results[1].Problems[0].Field != "submitter_uscc" ||
		first.Results[1].Problems[0].Message == "" {
		t.Fatalf("first answer %+v", first)
	}
	count := func() int64 {
		var n int64
		a.DB.Model(&model.VerificationRecord{}).Where("source = ?", model.SourceConfirmed).Count(&n)
		return n
	}
	n := count()
	r = c.bodyRecords(raw, "batch-1", batch)
	expectStatus(t, r, http.StatusOK)
	var again answer
	r.decode(t, &again)
	if r.Header.Get("Idempotent-Replayed") != "true" || again.ImportID != first.ImportID || count() != n {
		t.Errorf("retry: %v %+v, records %d → %d", r.Header, again, n, count())
	}
	other, _ := json.Marshal(map[string]any{"records": []map[string]string{{"kind": "cancellation", "certificate_no": "API-1"}}})
	expectStatus(t, c.bodyRecords(raw, "batch-1", other), http.StatusConflict)
	expectStatus(t, c.bodyRecords(raw, "", other), http.StatusUnprocessableEntity)
	expectUnauthorized(t, c.bodyRecords("hmb_not-a-token", "batch-2", other))
}
