package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/model"
	"honestmeasure/internal/sheet"
)

// staffGet fetches a staff page with b's session, checking the request and
// the response's status and headers against the document (the body of an
// export is checked line by line by the caller).
func (c *client) staffGet(b *apptest.Browser, path string) result {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.app.URL+"/staff"+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "hm_session", Value: b.Cookie("hm_session")})
	in := c.requestInput(req, bytes.NewReader(nil), true)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		c.t.Fatal(err)
	}
	r := result{Status: resp.StatusCode, Header: resp.Header, Body: buf.Bytes()}
	opt := *strict
	opt.ExcludeResponseBody = true
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.Status, Header: r.Header, Options: &opt}
	out.SetBodyBytes(r.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		c.t.Fatalf("response %d to GET %s does not match openapi.json: %v", r.Status, req.URL, err)
	}
	return r
}

func handoffSchema(t *testing.T) *openapi3.Schema {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	ref := doc.Components.Schemas["HandoffRecord"]
	if ref == nil || ref.Value == nil {
		t.Fatal("openapi.json has no HandoffRecord schema")
	}
	return ref.Value
}

// checkHandoffLines holds every JSON Lines row to the HandoffRecord schema:
// exactly its properties (none missing, none extra), each of its JSON type.
func checkHandoffLines(t *testing.T, schema *openapi3.Schema, body []byte) []map[string]any {
	t.Helper()
	var props []string
	for name := range schema.Properties {
		props = append(props, name)
	}
	slices.Sort(props)
	var rows []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var row map[string]any
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("line %d is not a JSON object: %v\n%s", len(rows)+1, err, sc.Bytes())
		}
		var keys []string
		for k := range row {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, props) {
			t.Errorf("line %d has properties %v\nschema has %v", len(rows)+1, keys, props)
		}
		if err := schema.VisitJSON(row, openapi3.MultiErrors()); err != nil {
			t.Errorf("line %d does not match HandoffRecord: %v\n%s", len(rows)+1, err, sc.Bytes())
		}
		rows = append(rows, row)
	}
	return rows
}

func TestHandoffExportContract(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	schema := handoffSchema(t)
	// The schema's properties are the export's columns, in order.
	var required []string
	required = append(required, schema.Required...)
	if !slices.Equal(required, cases.HandoffColumns) {
		t.Fatalf("HandoffRecord requires %v\ncases.HandoffColumns %v", required, cases.HandoffColumns)
	}

	// A complaint with every detail about a registered instrument with a
	// certificate, and an anonymous tip typed in by hand: both Tianning's.
	_, unitID, ins := approvedUnit(t, a)
	if _, err := a.Store.CurrentQRToken(context.Background(), model.QRInstrument, ins[1].ID, nil); err != nil {
		t.Fatal(err)
	}
	verified := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := a.DB.Create(&model.VerificationRecord{InstrumentID: &ins[1].ID, UnitID: &unitID, Kind: model.KindCertificate,
		CertificateNo: "JD2026-0042", BodyName: "常州市计量测试技术研究院", VerifiedOn: verified, Result: model.ResultPass,
		Source: model.SourceDeclared, CreatedAt: verified}).Error; err != nil {
		t.Fatal(err)
	}
	r := c.postJSON(map[string]any{"kind": "complaint", "category": "short_weight", "token": token(model.QRInstrument, ins[1].ID, 1),
		"description": "买了两斤排骨，回家复称只有一斤七两。", "request": "退还差价", "incident_at": localNow(a), "amount": 18.5,
		"reporter_name": "孙先生", "reporter_phone": "13600005678", "reporter_address": "天宁区青洋北路1号"})
	expectStatus(t, r, http.StatusCreated)
	var complaint receipt
	r.decode(t, &complaint)
	r = c.postJSON(map[string]any{"kind": "tip", "category": "cheating_device", "district": "320402",
		"business_name": "红梅加油站", "business_address": "天宁区红梅路9号", "description": "加油机有作弊装置。", "incident_at": localNow(a), "anonymous": true,
		"reporter_name": "王五", "reporter_phone": "13900000001"})
	expectStatus(t, r, http.StatusCreated)
	var tip receipt
	r.decode(t, &tip)
	// Out of the settling window.
	a.DB.Model(&model.Case{}).Where("1 = 1").UpdateColumn("updated_at", time.Now().UTC().Add(-time.Minute))

	a.CreateUser("tnsup@example.org", "staff-password", model.RoleSupervisor, "cz-tianning")
	sup := a.Browser()
	sup.Login("tnsup@example.org", "staff-password")
	r = c.staffGet(sup, "/handoffs/export?format=jsonl&limit=10")
	expectStatus(t, r, http.StatusOK)
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.HasSuffix(cd, `.jsonl"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows := checkHandoffLines(t, schema, r.Body)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2:\n%s", len(rows), r.Body)
	}
	byID := map[string]map[string]any{}
	for _, row := range rows {
		byID[row["external_id"].(string)] = row
	}
	got := byID["HM-320400-"+complaint.TrackingNumber]
	want := map[string]any{"kind": "complaint", "reporter_name": "孙先生", "reporter_phone": "13600005678",
		"reporter_address": "天宁区青洋北路1号", "respondent_name": "红梅菜场 8号摊位", "respondent_uscc": apptest.GoodUSCC,
		"request": "退还差价", "amount_cents": float64(1850), "status": "new", "instrument_serial": ins[1].SerialNo,
		"instrument_certificate": "JD2026-0042", "outcome": nil, "concluded_at": nil}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("complaint's %s = %#v, want %#v", k, got[k], v)
		}
	}
	anon := byID["HM-320400-"+tip.TrackingNumber]
	for _, k := range []string{"reporter_name", "reporter_phone", "reporter_address", "respondent_uscc", "instrument_serial", "instrument_certificate", "request"} {
		if anon[k] != nil {
			t.Errorf("anonymous tip's %s = %#v, want null", k, anon[k])
		}
	}
	if anon["respondent_name"] != "红梅加油站" {
		t.Errorf("tip's respondent %#v", anon["respondent_name"])
	}

	// Page by page through the cursor: the same rows, once each.
	r = c.staffGet(sup, "/handoffs/export?limit=1")
	first := checkHandoffLines(t, schema, r.Body)
	if r.Header.Get("X-Has-More") != "true" || len(first) != 1 {
		t.Fatalf("first page: %d rows, more %q", len(first), r.Header.Get("X-Has-More"))
	}
	r = c.staffGet(sup, "/handoffs/export?limit=1&cursor="+url.QueryEscape(r.Header.Get("X-Next-Cursor")))
	second := checkHandoffLines(t, schema, r.Body)
	if len(second) != 1 || second[0]["external_id"] == first[0]["external_id"] {
		t.Fatalf("second page %v after %v", second, first)
	}
	r = c.staffGet(sup, "/handoffs/export?limit=1&cursor="+url.QueryEscape(r.Header.Get("X-Next-Cursor")))
	if rest := checkHandoffLines(t, schema, r.Body); len(rest) != 0 || r.Header.Get("X-Has-More") != "false" {
		t.Fatalf("third page %v, more %q", rest, r.Header.Get("X-Has-More"))
	}

	// The workbook: the schema's columns, the same values as text.
	r = c.staffGet(sup, "/handoffs/export?format=xlsx")
	expectStatus(t, r, http.StatusOK)
	book, err := sheet.Open(bytes.NewReader(r.Body), int64(len(r.Body)), sheet.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(book.Header().Values(), cases.HandoffColumns) {
		t.Errorf("workbook header %v", book.Header().Values())
	}
	n := 0
	for {
		row, err := book.Next()
		if err != nil {
			break
		}
		n++
		if id := row.Value(0); byID[id] == nil {
			t.Errorf("workbook row for %q", id)
		}
	}
	if n != 2 {
		t.Errorf("workbook has %d rows", n)
	}

	// Bad parameters: 422 with the reason, documented.
	for _, q := range []string{"since=yesterday", "limit=0", "target=110", "format=csv", "cursor=x~1"} {
		req, _ := http.NewRequest(http.MethodGet, a.URL+"/staff/handoffs/export?"+q, nil)
		req.AddCookie(&http.Cookie{Name: "hm_session", Value: sup.Cookie("hm_session")})
		resp, err := c.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d, Cache-Control %q, want 422 no-store", q, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
}
