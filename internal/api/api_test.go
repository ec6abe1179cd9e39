package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/intake"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/reports"
	"honestmeasure/internal/scan"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/uscc"
)

// ---------------------------------------------------------------------------
// A client that checks every request it sends and every response it gets
// against openapi.json. An undocumented status, content type, header or
// field fails the test.

type client struct {
	t      *testing.T
	app    *apptest.App
	router routers.Router
	hc     *http.Client
}

// result is one response, with its body read.
type result struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r result) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.Body)
	}
}

func newClient(t *testing.T, a *apptest.App) *client {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
	// The document's server is relative to where it is served: this app.
	for _, s := range doc.Servers {
		s.URL = a.URL + s.URL
	}
	for _, item := range doc.Paths.Map() { // paths served elsewhere on the host: the staff export, Open311
		for _, s := range item.Servers {
			s.URL = a.URL + s.URL
		}
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, app: a, router: router, hc: &http.Client{Timeout: 60 * time.Second}}
}

var strict = &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: bearerSent}

// bearerSent is the contract's side of a security requirement: the request
// carries credentials of the documented scheme. Whether they are any good
// is the server's to say (401), not the document's.
func bearerSent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecurityScheme.Type == "apiKey" && in.SecurityScheme.In == "cookie" { // the staff session
		if _, err := in.RequestValidationInput.Request.Cookie(in.SecurityScheme.Name); err != nil {
			return in.NewError(err)
		}
		return nil
	}
	if in.SecurityScheme.Type != "http" || in.SecurityScheme.Scheme != "bearer" {
		return fmt.Errorf("security scheme %q is not tested", in.SecuritySchemeName)
	}
	scheme, token, _ := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return in.NewError(nil)
	}
	return nil
}

// requestInput finds the documented operation of req and validates req
// against it. wantValid false is for requests that are meant to break the
// contract (malformed JSON): the validator must refuse them too.
func (c *client) requestInput(req *http.Request, body io.Reader, wantValid bool) *openapi3filter.RequestValidationInput {
	c.t.Helper()
	vreq := req.Clone(context.Background())
	vreq.Body = io.NopCloser(body)
	route, params, err := c.router.FindRoute(vreq)
	if err != nil {
		c.t.Fatalf("%s %s is not documented in openapi.json: %v", req.Method, req.URL, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: strict}
	err = openapi3filter.ValidateRequest(context.Background(), in)
	switch {
	case wantValid && err != nil:
		c.t.Fatalf("request %s %s does not match openapi.json: %v", req.Method, req.URL, err)
	case !wantValid && err == nil:
		c.t.Fatalf("request %s %s was meant to break the contract, but openapi.json accepts it", req.Method, req.URL)
	}
	return in
}

func (c *client) checkResponse(in *openapi3filter.RequestValidationInput, r result) {
	c.t.Helper()
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.Status, Header: r.Header, Options: strict}
	out.SetBodyBytes(r.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		c.t.Fatalf("response %d to %s %s does not match openapi.json: %v\n%s", r.Status, in.Request.Method, in.Request.URL, err, r.Body)
	}
}

func (c *client) do(req *http.Request, body []byte, wantValid bool) result {
	c.t.Helper()
	in := c.requestInput(req, bytes.NewReader(body), wantValid)
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	r := result{Status: resp.StatusCode, Header: resp.Header, Body: b}
	c.checkResponse(in, r)
	return r
}

func (c *client) newRequest(method, path string, header ...string) *http.Request {
	c.t.Helper()
	req, err := http.NewRequest(method, c.app.URL+"/api/v1"+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

func (c *client) get(path string, header ...string) result {
	c.t.Helper()
	return c.do(c.newRequest(http.MethodGet, path, header...), nil, true)
}

// postJSON sends v as JSON to POST /reports.
func (c *client) postJSON(v any, header ...string) result {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	req := c.newRequest(http.MethodPost, "/reports", append([]string{"Content-Type", "application/json"}, header...)...)
	return c.do(req, b, true)
}

// postBroken sends a body that breaks the contract: openapi.json must
// refuse it as well as the server.
func (c *client) postBroken(contentType, body string) result {
	c.t.Helper()
	req := c.newRequest(http.MethodPost, "/reports", "Content-Type", contentType)
	return c.do(req, []byte(body), false)
}

type photo struct {
	name, contentType string
	data              []byte
}

func (c *client) postMultipart(fields map[string]string, photos ...photo) result {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			c.t.Fatal(err)
		}
	}
	for _, p := range photos {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="photos"; filename=%q`, p.name))
		h.Set("Content-Type", p.contentType)
		w, err := mw.CreatePart(h)
		if err != nil {
			c.t.Fatal(err)
		}
		_, _ = w.Write(p.data)
	}
	if err := mw.Close(); err != nil {
		c.t.Fatal(err)
	}
	req := c.newRequest(http.MethodPost, "/reports", "Content-Type", mw.FormDataContentType())
	return c.do(req, body.Bytes(), true)
}

func expectStatus(t *testing.T, r result, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d\n%s", r.Status, status, r.Body)
	}
}

// ---------------------------------------------------------------------------
// Data, made through the product where practical.

var form = apptest.Form

func districtByCode(t *testing.T, a *apptest.App, code string) model.District {
	t.Helper()
	ds, err := a.Store.Districts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Code == code {
			return d
		}
	}
	t.Fatalf("no district %s", code)
	return model.District{}
}

const (
	merchantLogin = apptest.MerchantLogin
	contactName   = apptest.ContactName
	contactPhone  = apptest.ContactPhone
	goodUSCC      = apptest.GoodUSCC
)

// approvedUnit: a published unit in Tianning (320402) with two scales.
func approvedUnit(t *testing.T, a *apptest.App) (*apptest.Browser, int64, []model.Instrument) {
	return a.ApprovedUnit("红梅菜场 8号摊位")
}

// moreUnits stores n units of a type in a district, in the given status
// (published ones through the approval transition, which issues their code).
func moreUnits(t *testing.T, a *apptest.App, owner int64, district, prefix string, bt model.BusinessType, status model.UnitStatus, n int) {
	t.Helper()
	ctx := context.Background()
	d := districtByCode(t, a, district)
	for i := 1; i <= n; i++ {
		body := fmt.Sprintf("91%s%03dMA1XXX", district, i) // 17 characters, unique per district
		check, ok := uscc.CheckChar(body)
		if !ok {
			t.Fatalf("bad credit code body %s", body)
		}
		u := &model.Unit{OwnerUserID: owner, Name: fmt.Sprintf("%s %02d", prefix, i), USCC: body + string(check),
			BusinessType: bt, Address: fmt.Sprintf("钟楼区延陵西路%d号", i), DistrictID: d.ID, ContactName: contactName,
			ContactPhone: contactPhone, Status: model.UnitSubmitted}
		if status == model.UnitDraft {
			u.Status = model.UnitDraft
		}
		if err := a.Store.CreateUnit(ctx, u); err != nil {
			t.Fatal(err)
		}
		if status == model.UnitApproved {
			if err := a.Store.ChangeUnitStatus(ctx, storage.UnitChange{UnitID: u.ID, From: model.UnitSubmitted, To: model.UnitApproved, At: a.Now()}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func signer() *qr.Signer { return qr.NewSigner([]byte(apptest.Secret)) }

func token(kind model.QRKind, id int64, version int) string {
	return signedBy(signer(), qr.Ref{Kind: kind, ID: id, Version: version})
}

// signedBy is Signer.Token for references the test knows are valid.
func signedBy(s *qr.Signer, r qr.Ref) string {
	tok, err := s.Token(r)
	if err != nil {
		panic(err)
	}
	return tok
}

// ---------------------------------------------------------------------------

func TestOpenAPIDocumentIsServed(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	r := c.get("/openapi.json")
	expectStatus(t, r, http.StatusOK)
	raw, _ := os.ReadFile("openapi.json")
	if !bytes.Equal(r.Body, raw) {
		t.Fatal("served document differs from internal/api/openapi.json")
	}
	if cc := r.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
		t.Errorf("Cache-Control %q", cc)
	}
	// The limits the document states are the ones the server applies.
	if !bytes.Contains(raw, []byte(strconv.Itoa(intake.MaxReportBody)+" bytes")) || !bytes.Contains(raw, fmt.Appendf(nil, `"maxItems": %d`, reports.MaxPhotos)) {
		t.Error("openapi.json states another body or photo limit than intake.MaxReportBody / reports.MaxPhotos")
	}
	for _, stated := range [][]byte{
		fmt.Appendf(nil, `"maximum": %d, "default": 1`, scan.MaxDirectoryPage),
		fmt.Appendf(nil, `at most the first %d characters`, scan.MaxDirectoryQueryRunes),
		fmt.Appendf(nil, `%d per page`, scan.DirectoryPageSize),
		fmt.Appendf(nil, `"per_page": {"type": "integer", "enum": [%d]}`, scan.DirectoryPageSize),
	} {
		if !bytes.Contains(raw, stated) {
			t.Errorf("openapi.json does not state the directory bound %q that scan.ParseDirectoryQuery applies", stated)
		}
	}
}

type unitList struct {
	Units []struct {
		ID           int64  `json:"id"`
		Name         string `json:"name"`
		BusinessType string `json:"business_type"`
		District     struct {
			Code   string `json:"code"`
			NameZh string `json:"name_zh"`
		} `json:"district"`
		Address   string  `json:"address"`
		PublicURL *string `json:"public_url"`
	} `json:"units"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
	Total   int64 `json:"total"`
}

func TestUnitDirectory(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	_, unitID, _ := approvedUnit(t, a)
	owner := a.CreateUser("13800000020", "merchant-pass", model.RoleMerchant, "")
	moreUnits(t, a, owner.ID, "320404", "钟楼超市", model.BusinessSupermarket, model.UnitApproved, 24)
	moreUnits(t, a, owner.ID, "320411", "草稿单位", model.BusinessSupermarket, model.UnitDraft, 1)

	list := func(query string) unitList {
		t.Helper()
		r := c.get("/units" + query)
		expectStatus(t, r, http.StatusOK)
		if cc := r.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
			t.Errorf("/units Cache-Control %q", cc)
		}
		var l unitList
		r.decode(t, &l)
		return l
	}

	all := list("")
	if all.Total != 25 || len(all.Units) != 20 || all.Page != 1 || all.PerPage != 20 {
		t.Fatalf("first page: total %d, %d units, page %d, per_page %d", all.Total, len(all.Units), all.Page, all.PerPage)
	}
	page2 := list("?page=2")
	if page2.Total != 25 || len(page2.Units) != 5 || page2.Page != 2 {
		t.Fatalf("second page: total %d, %d units, page %d", page2.Total, len(page2.Units), page2.Page)
	}
	seen := map[int64]bool{}
	for _, u := range append(all.Units, page2.Units...) {
		if seen[u.ID] {
			t.Fatalf("unit %d on both pages", u.ID)
		}
		seen[u.ID] = true
		if strings.Contains(u.Name, "草稿") {
			t.Fatalf("draft unit listed: %s", u.Name)
		}
		want := qr.URL(a.URL, token(model.QRUnit, u.ID, 1))
		if u.PublicURL == nil || *u.PublicURL != want {
			t.Fatalf("unit %d public_url %v, want the poster's %s", u.ID, u.PublicURL, want)
		}
	}
	if !seen[unitID] {
		t.Fatal("the approved unit is not listed")
	}

	q := list("?q=" + url.QueryEscape("8号摊位"))
	if q.Total != 1 || len(q.Units) != 1 || q.Units[0].ID != unitID || q.Units[0].BusinessType != "market_stall" {
		t.Fatalf("q filter: %+v", q)
	}

	tianning := list("?district=320402")
	if tianning.Total != 1 || tianning.Units[0].ID != unitID || tianning.Units[0].District.Code != "320402" ||
		tianning.Units[0].District.NameZh != "天宁区" || tianning.Units[0].Address != "天宁区红梅南路1号红梅农贸市场" {
		t.Fatalf("district filter: %+v", tianning)
	}
	if l := list("?district=320404&type=supermarket&page=2"); l.Total != 24 || len(l.Units) != 4 {
		t.Fatalf("district and type: total %d, %d units", l.Total, len(l.Units))
	}
	if l := list("?district=320404&type=market_stall"); l.Total != 0 {
		t.Fatalf("no market stalls in Zhonglou, got %d", l.Total)
	}
	// A code naming no district is an empty list, not everything.
	for _, code := range []string{"999999", strconv.FormatInt(districtByCode(t, a, "320402").ID, 10)} {
		if l := list("?district=" + code); l.Total != 0 || len(l.Units) != 0 {
			t.Fatalf("unknown district %s: %d units", code, l.Total)
		}
	}
	if r := c.get("/units?district=nowhere"); !bytes.Contains(r.Body, []byte(`"units":[]`)) {
		t.Fatalf("empty list is not an empty array: %s", r.Body)
	}
}

type scanResult struct {
	Genuine    bool    `json:"genuine"`
	Status     string  `json:"status"`
	Kind       *string `json:"kind"`
	CurrentURL *string `json:"current_url"`
	Unit       *struct {
		ID           int64   `json:"id"`
		Name         string  `json:"name"`
		Badge        string  `json:"badge"`
		StatusReason *string `json:"status_reason"`
		Pledge       *struct {
			Version    string   `json:"version"`
			PromisesZh []string `json:"promises_zh"`
			PromisesEn []string `json:"promises_en"`
		} `json:"pledge"`
		Instruments []instrumentResult `json:"instruments"`
		SpotCheck   *struct {
			CheckedOn string `json:"checked_on"`
			Result    string `json:"result"`
		} `json:"spot_check"`
		PublicURL *string `json:"public_url"`
		ReportURL string  `json:"report_url"`
	} `json:"unit"`
	Instrument *instrumentResult `json:"instrument"`
}

type instrumentResult struct {
	ID               int64   `json:"id"`
	State            string  `json:"state"`
	SerialNo         string  `json:"serial_no"`
	CertificateNo    *string `json:"certificate_no"`
	VerificationBody *string `json:"verification_body"`
	VerifiedOn       *string `json:"verified_on"`
	ValidUntil       *string `json:"valid_until"`
	Type             struct {
		Code string `json:"code"`
	} `json:"type"`
}

func TestScan(t *testing.T) {
	ctx := context.Background()
	a := apptest.New(t)
	c := newClient(t, a)
	m, unitID, ins := approvedUnit(t, a)
	today := model.DateOf(a.Now())
	until := today.AddDate(1, 0, -1)
	if err := a.Store.AddVerification(ctx, &model.VerificationRecord{InstrumentID: &ins[0].ID, CertificateNo: "JD2026-0001",
		BodyName: "常州市计量测试技术研究所", VerifiedOn: today, ValidUntil: &until, Result: model.ResultPass, Source: model.SourceDeclared}); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.CreateSpotCheck(ctx, &model.SpotCheck{UnitID: unitID, CheckedOn: today, Result: "pass", Summary: "抽查合格", Published: true}); err != nil {
		t.Fatal(err)
	}
	scanOf := func(tok string) (scanResult, result) {
		t.Helper()
		r := c.get("/scan/" + tok)
		expectStatus(t, r, http.StatusOK)
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("scan Cache-Control %q", cc)
		}
		var s scanResult
		r.decode(t, &s)
		return s, r
	}
	unitTok := token(model.QRUnit, unitID, 1)
	unitURL := qr.URL(a.URL, unitTok)

	// A unit's poster code: the unit, its pledge, instruments and spot check.
	s, r := scanOf(unitTok)
	if !s.Genuine || s.Status != "genuine" || s.Kind == nil || *s.Kind != "unit" || s.Instrument != nil || s.CurrentURL != nil || s.Unit == nil {
		t.Fatalf("unit code: %s", r.Body)
	}
	u := s.Unit
	if u.ID != unitID || u.Name != "红梅菜场 8号摊位" || u.Badge != "valid" || u.StatusReason != nil ||
		u.PublicURL == nil || *u.PublicURL != unitURL || u.ReportURL != a.URL+"/report?t="+unitTok {
		t.Fatalf("unit: %s", r.Body)
	}
	if u.Pledge == nil || u.Pledge.Version != "CZ-2026.1" || len(u.Pledge.PromisesZh) == 0 || len(u.Pledge.PromisesZh) != len(u.Pledge.PromisesEn) {
		t.Fatalf("pledge: %s", r.Body)
	}
	if u.SpotCheck == nil || u.SpotCheck.Result != "pass" || u.SpotCheck.CheckedOn != today.Format(time.DateOnly) {
		t.Fatalf("spot check: %s", r.Body)
	}
	if len(u.Instruments) != 2 {
		t.Fatalf("instruments: %s", r.Body)
	}
	verified, never := u.Instruments[0], u.Instruments[1]
	if verified.ID != ins[0].ID || verified.State != "valid" || verified.Type.Code != "price_scale" || verified.CertificateNo == nil ||
		*verified.CertificateNo != "JD2026-0001" || *verified.VerificationBody != "常州市计量测试技术研究所" ||
		*verified.VerifiedOn != today.Format(time.DateOnly) || *verified.ValidUntil != until.Format(time.DateOnly) {
		t.Fatalf("verified instrument: %+v", verified)
	}
	if never.State != "never_verified" || never.CertificateNo != nil || never.VerifiedOn != nil || never.ValidUntil != nil {
		t.Fatalf("unverified instrument: %+v", never)
	}
	// The public never learns who owns or runs the unit.
	for _, secret := range []string{contactName, contactPhone, goodUSCC, merchantLogin, "owner", "contact", "uscc"} {
		if bytes.Contains(r.Body, []byte(secret)) {
			t.Fatalf("scan response contains %q:\n%s", secret, r.Body)
		}
	}

	// An instrument's label: the instrument first, its unit with it.
	if _, err := a.Store.CurrentQRToken(ctx, model.QRInstrument, ins[0].ID, nil); err != nil {
		t.Fatal(err)
	}
	instTok := token(model.QRInstrument, ins[0].ID, 1)
	s, r = scanOf(instTok)
	if !s.Genuine || s.Status != "genuine" || s.Kind == nil || *s.Kind != "instrument" || s.Instrument == nil ||
		s.Instrument.ID != ins[0].ID || s.Instrument.State != "valid" || s.Instrument.SerialNo != ins[0].SerialNo ||
		s.Unit == nil || s.Unit.ID != unitID || s.CurrentURL != nil || s.Unit.ReportURL != a.URL+"/report?t="+instTok {
		t.Fatalf("instrument code: %s", r.Body)
	}

	// Codes the platform does not stand behind: all fields present, all null.
	tampered := []byte(unitTok)
	last := len(tampered) - 1
	if tampered[last] == 'A' {
		tampered[last] = 'B'
	} else {
		tampered[last] = 'A'
	}
	for name, tok := range map[string]string{
		"tampered MAC":          string(tampered),
		"unknown unit":          token(model.QRUnit, 987654, 1),
		"never-issued version":  token(model.QRUnit, unitID, 7),
		"other key":             signedBy(qr.NewSigner([]byte("another deployment's secret!!!!")), qr.Ref{Kind: model.QRUnit, ID: unitID, Version: 1}),
		"not a token":           "HELLO-WORLD",
		"instrument of no unit": token(model.QRInstrument, 424242, 1),
	} {
		s, r := scanOf(tok)
		if s.Genuine || s.Status != "not_issued" || s.Kind != nil || s.Unit != nil || s.Instrument != nil || s.CurrentURL != nil {
			t.Fatalf("%s: %s", name, r.Body)
		}
		for _, field := range []string{`"kind":null`, `"unit":null`, `"instrument":null`, `"current_url":null`} {
			if !bytes.Contains(r.Body, []byte(field)) {
				t.Fatalf("%s: %s missing in %s", name, field, r.Body)
			}
		}
	}

	// Reprinting the poster replaces the old code; it points to the new one.
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	m.Get(unit + "/qr/reprint") // the confirmation page
	m.Post(unit+"/qr/reprint", apptest.Form("confirm", "yes"))
	m.Expect(http.StatusOK)
	newURL := qr.URL(a.URL, token(model.QRUnit, unitID, 2))
	s, r = scanOf(unitTok)
	if s.Genuine || s.Status != "replaced" || s.Kind == nil || *s.Kind != "unit" || s.CurrentURL == nil || *s.CurrentURL != newURL ||
		s.Unit == nil || s.Unit.ID != unitID || *s.Unit.PublicURL != newURL {
		t.Fatalf("replaced code: %s", r.Body)
	}
	if s, r := scanOf(token(model.QRUnit, unitID, 2)); !s.Genuine || s.Status != "genuine" {
		t.Fatalf("new code: %s", r.Body)
	}
	// The label of an instrument since retired vouches for nothing.
	if _, err := a.Store.CurrentQRToken(ctx, model.QRInstrument, ins[1].ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.RetireInstrument(ctx, ins[1].ID, a.Now()); err != nil {
		t.Fatal(err)
	}
	s, r = scanOf(token(model.QRInstrument, ins[1].ID, 1))
	if s.Genuine || s.Status != "replaced" || s.Instrument != nil || s.CurrentURL == nil || *s.CurrentURL != newURL || len(s.Unit.Instruments) != 1 {
		t.Fatalf("retired instrument: %s", r.Body)
	}

	// A suspension shows at once, with the bureau's reason.
	if err := a.Store.ChangeUnitStatus(ctx, storage.UnitChange{UnitID: unitID, From: model.UnitApproved, To: model.UnitSuspended,
		Reason: "抽查发现计价秤超差", At: a.Now()}); err != nil {
		t.Fatal(err)
	}
	s, r = scanOf(token(model.QRUnit, unitID, 2))
	if !s.Genuine || s.Unit.Badge != "suspended" || s.Unit.StatusReason == nil || *s.Unit.StatusReason != "抽查发现计价秤超差" {
		t.Fatalf("suspended unit: %s", r.Body)
	}
	// Once revoked, an old code no longer points anywhere.
	if err := a.Store.ChangeUnitStatus(ctx, storage.UnitChange{UnitID: unitID, From: model.UnitSuspended, To: model.UnitRevoked,
		Reason: "拒不整改", At: a.Now()}); err != nil {
		t.Fatal(err)
	}
	s, r = scanOf(unitTok)
	if s.Status != "replaced" || s.CurrentURL != nil || s.Unit.Badge != "revoked" || *s.Unit.StatusReason != "拒不整改" {
		t.Fatalf("replaced code of a revoked unit: %s", r.Body)
	}
}

type receipt struct {
	TrackingNumber string `json:"tracking_number"`
	AccessCode     string `json:"access_code"`
	Kind           string `json:"kind"`
	Category       string `json:"category"`
	Status         string `json:"status"`
	Agency         *struct {
		Code string `json:"code"`
	} `json:"agency"`
	DecisionDueAt string `json:"decision_due_at"`
	Replayed      bool   `json:"replayed"`
}

type validation struct {
	Error  string            `json:"error"`
	Errors map[string]string `json:"errors"`
}

func reportRow(t *testing.T, a *apptest.App, trackingNo string) model.Report {
	t.Helper()
	var r model.Report
	if err := a.DB.Where("tracking_no = ?", trackingNo).Take(&r).Error; err != nil {
		t.Fatalf("report %s not stored: %v", trackingNo, err)
	}
	return r
}

func countRows(t *testing.T, a *apptest.App, table string, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := a.DB.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func localNow(a *apptest.App) string {
	return a.Now().In(model.Zone).Add(-2 * time.Hour).Format("2006-01-02T15:04")
}

var trackingPattern = regexp.MustCompile(`^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$`)

func TestAnonymousTipAndTracking(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	r := c.postJSON(map[string]any{
		"kind": "tip", "category": "short_weight", "district": "320404",
		"business_name": "南大街水果店", "business_address": "钟楼区南大街88号",
		"description": "买了两斤苹果，回家复称只有一斤六两。", "incident_at": a.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
		"amount": 18.5, "anonymous": true, "reporter_name": "王五", "reporter_phone": "13900000001",
	})
	expectStatus(t, r, http.StatusCreated)
	var rec receipt
	r.decode(t, &rec)
	if !trackingPattern.MatchString(rec.TrackingNumber) || len(rec.AccessCode) != 8 || rec.Replayed || rec.Status != "new" ||
		rec.Kind != "tip" || rec.Category != "short_weight" || rec.Agency == nil || rec.Agency.Code != "cz-zhonglou" {
		t.Fatalf("receipt: %s", r.Body)
	}
	if loc := r.Header.Get("Location"); loc != "/api/v1/reports/"+rec.TrackingNumber {
		t.Errorf("Location %q", loc)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("receipt Cache-Control %q", cc)
	}
	stored := reportRow(t, a, rec.TrackingNumber)
	if !stored.Anonymous || stored.ReporterName != "" || stored.ReporterPhone != "" || stored.AmountCents == nil || *stored.AmountCents != 1850 ||
		stored.DistrictID != districtByCode(t, a, "320404").ID || stored.UnitID != nil {
		t.Fatalf("stored report: %+v", stored)
	}

	// The reporter follows it with the access code in a header.
	track := func(number string, header ...string) result {
		t.Helper()
		return c.get("/reports/"+number, header...)
	}
	r = track(rec.TrackingNumber, "X-Access-Code", rec.AccessCode)
	expectStatus(t, r, http.StatusOK)
	var tr struct {
		TrackingNumber string `json:"tracking_number"`
		Status         string `json:"status"`
		Kind           string `json:"kind"`
		ReceivedAt     string `json:"received_at"`
		Agency         struct {
			Code string `json:"code"`
		} `json:"agency"`
		Events []struct {
			Kind string `json:"kind"`
		} `json:"events"`
		PublicReply *string `json:"public_reply"`
	}
	r.decode(t, &tr)
	if tr.TrackingNumber != rec.TrackingNumber || tr.Status != "new" || tr.Kind != "tip" || tr.Agency.Code != "cz-zhonglou" ||
		len(tr.Events) != 1 || tr.Events[0].Kind != "received" || tr.PublicReply != nil {
		t.Fatalf("tracked: %s", r.Body)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("tracking Cache-Control %q", cc)
	}
	// As people type it: lower case, no dashes.
	expectStatus(t, track(strings.ToLower(strings.ReplaceAll(rec.TrackingNumber, "-", "")), "X-Access-Code", rec.AccessCode), http.StatusOK)

	// Wrong code, no code, unknown number: one and the same 404.
	wrong := "00000000"
	if wrong == rec.AccessCode {
		wrong = "11111111"
	}
	var bodies []string
	for name, r := range map[string]result{
		"wrong code":     track(rec.TrackingNumber, "X-Access-Code", wrong),
		"no header":      track(rec.TrackingNumber),
		"unknown number": track("ABCD-EFGH-JKMN", "X-Access-Code", rec.AccessCode),
	} {
		if r.Status != http.StatusNotFound {
			t.Fatalf("%s: %d %s", name, r.Status, r.Body)
		}
		bodies = append(bodies, string(r.Body))
	}
	for _, b := range bodies {
		if b != `{"error":"not found"}` {
			t.Fatalf("404 bodies differ or say more: %q", bodies)
		}
	}
}

func TestReportValidationSpeaksTheRequestLanguage(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	complaint := map[string]any{
		"kind": "complaint", "category": "short_weight", "district": "320402",
		"business_name": "红梅菜场 8号摊位", "business_address": "天宁区红梅南路1号",
		"description": "称了两斤排骨，复称只有一斤七两。", "incident_at": localNow(a), "request": "退还差价 18.50 元",
	}
	for _, tc := range []struct {
		lang   string
		header []string
	}{
		{locale.Chinese, nil},
		{locale.English, []string{"Accept-Language", "en-US,en;q=0.9"}},
	} {
		r := c.postJSON(complaint, tc.header...)
		expectStatus(t, r, http.StatusUnprocessableEntity)
		var v validation
		r.decode(t, &v)
		want := locale.New(tc.lang).T("report.complaint_needs")
		if v.Error != "invalid input" || len(v.Errors) != 3 {
			t.Fatalf("%s: %s", tc.lang, r.Body)
		}
		for _, f := range []string{"reporter_name", "reporter_phone", "reporter_address"} {
			if v.Errors[f] != want {
				t.Fatalf("%s: %s = %q, want %q", tc.lang, f, v.Errors[f], want)
			}
		}
	}
	if locale.New(locale.Chinese).T("report.complaint_needs") == locale.New(locale.English).T("report.complaint_needs") {
		t.Fatal("the two languages say the same")
	}

	// A district code that names nothing is a problem with "district".
	tip := map[string]any{"kind": "tip", "category": "other", "district": "999999", "business_name": "某店",
		"business_address": "某路1号", "description": "计价秤疑似作弊。", "incident_at": localNow(a)}
	r := c.postJSON(tip, "Accept-Language", "en")
	expectStatus(t, r, http.StatusUnprocessableEntity)
	var v validation
	r.decode(t, &v)
	if len(v.Errors) != 1 || v.Errors["district"] != locale.New(locale.English).T("report.choose_district") {
		t.Fatalf("unknown district: %s", r.Body)
	}
	if n := countRows(t, a, "reports", ""); n != 0 {
		t.Fatalf("%d reports stored from invalid input", n)
	}
}

func TestReportIdempotency(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	key := "api-test-key-0123456789"
	tip := map[string]any{"kind": "tip", "category": "cheating_device", "district": "CZ-EDZ", "business_name": "经开区加油站",
		"business_address": "经开区遥观镇1号", "description": "加油机疑似装有作弊装置。", "incident_at": localNow(a),
		"reporter_name": "赵六", "reporter_phone": "13900000002", "anonymous": "false",
		"idempotency_key": "body-key-is-overridden-by-header"}
	first := c.postJSON(tip, "Idempotency-Key", key)
	expectStatus(t, first, http.StatusCreated)
	second := c.postJSON(tip, "Idempotency-Key", key)
	expectStatus(t, second, http.StatusOK)
	var r1, r2 receipt
	first.decode(t, &r1)
	second.decode(t, &r2)
	if r1.TrackingNumber != r2.TrackingNumber || r1.AccessCode != r2.AccessCode || r1.Replayed || !r2.Replayed {
		t.Fatalf("first %s\nsecond %s", first.Body, second.Body)
	}
	if n := countRows(t, a, "reports", ""); n != 1 {
		t.Fatalf("%d reports, want exactly one", n)
	}
	stored := reportRow(t, a, r1.TrackingNumber)
	if stored.IdempotencyKey == nil || *stored.IdempotencyKey != key || stored.ReporterName != "赵六" || stored.Anonymous {
		t.Fatalf("stored: key %v, reporter %q, anonymous %v", stored.IdempotencyKey, stored.ReporterName, stored.Anonymous)
	}
	if r1.Agency == nil || r1.Agency.Code != "cz-edz" {
		t.Fatalf("routed to %+v", r1.Agency)
	}
	// The body's key works when there is no header.
	tip["idempotency_key"] = "body-key-0123456789abcdef"
	third := c.postJSON(tip)
	expectStatus(t, third, http.StatusCreated)
	expectStatus(t, c.postJSON(tip), http.StatusOK)
	if n := countRows(t, a, "reports", ""); n != 2 {
		t.Fatalf("%d reports, want two", n)
	}
	// A known key with another body gets a 422 and nothing of the first
	// report: the key alone is not a password to its receipt.
	tip["description"] = "换了内容，想拿到别人的查询码。"
	reused := c.postJSON(tip, "Idempotency-Key", key)
	expectStatus(t, reused, http.StatusUnprocessableEntity)
	if bytes.Contains(reused.Body, []byte(r1.TrackingNumber)) || bytes.Contains(reused.Body, []byte(r1.AccessCode)) ||
		!bytes.Contains(reused.Body, []byte("idempotency_key")) {
		t.Fatalf("reused key: %s", reused.Body)
	}
	if n := countRows(t, a, "reports", ""); n != 2 {
		t.Fatalf("%d reports after a reused key, want two", n)
	}
}

func TestReportAboutScannedCodeTrustsOnlyTheCode(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	_, unitID, ins := approvedUnit(t, a)
	if _, err := a.Store.CurrentQRToken(context.Background(), model.QRInstrument, ins[1].ID, nil); err != nil {
		t.Fatal(err)
	}
	// The client claims another district and business: the code decides.
	r := c.postJSON(map[string]any{"kind": "tip", "category": "tampered_instrument", "token": token(model.QRInstrument, ins[1].ID, 1),
		"district": "320481", "business_name": "别家店", "business_address": "溧阳", "description": "秤的铅封被破坏。",
		"incident_at": localNow(a), "anonymous": true})
	expectStatus(t, r, http.StatusCreated)
	var rec receipt
	r.decode(t, &rec)
	stored := reportRow(t, a, rec.TrackingNumber)
	if stored.UnitID == nil || *stored.UnitID != unitID || stored.InstrumentID == nil || *stored.InstrumentID != ins[1].ID ||
		stored.QRTokenID == nil || stored.BusinessName != "红梅菜场 8号摊位" || stored.DistrictID != districtByCode(t, a, "320402").ID {
		t.Fatalf("stored: %+v", stored)
	}
	if rec.Agency == nil || rec.Agency.Code != "cz-tianning" {
		t.Fatalf("routed to %+v", rec.Agency)
	}
	// A forged code identifies nothing: the report must name the business.
	r = c.postJSON(map[string]any{"kind": "tip", "category": "counterfeit_qr", "token": "U1-1-AAAAAAAAAAAA",
		"description": "摊位上贴的二维码是假的。", "incident_at": localNow(a), "anonymous": true})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	var v validation
	r.decode(t, &v)
	if _, ok := v.Errors["district"]; !ok {
		t.Fatalf("forged token accepted as a target: %s", r.Body)
	}
}

func jpegPhoto(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestMultipartReportWithPhoto(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	r := c.postMultipart(map[string]string{"kind": "complaint", "category": "short_weight", "district": "320412",
		"business_name": "武进水产店", "business_address": "武进区湖塘镇1号", "description": "买的鱼缺斤短两，少了三两。",
		"request": "退还差价", "incident_at": localNow(a), "amount": "12.60", "reporter_name": "孙七",
		"reporter_phone": "13900000003", "reporter_address": "武进区湖塘镇2号", "anonymous": "false"},
		photo{name: "scale.jpg", contentType: "image/jpeg", data: jpegPhoto(t)})
	expectStatus(t, r, http.StatusCreated)
	var rec receipt
	r.decode(t, &rec)
	stored := reportRow(t, a, rec.TrackingNumber)
	if stored.Kind != model.KindComplaint || stored.ReporterName != "孙七" || *stored.AmountCents != 1260 {
		t.Fatalf("stored: %+v", stored)
	}
	if n := countRows(t, a, "report_photos", "report_id = ? AND content_type = ?", stored.ID, "image/jpeg"); n != 1 {
		t.Fatalf("%d photos stored, want 1", n)
	}
	// Not an image: 422 on photos, nothing stored.
	r = c.postMultipart(map[string]string{"kind": "tip", "category": "other", "district": "320412", "business_name": "某店",
		"business_address": "某路1号", "description": "计价秤疑似作弊。", "incident_at": localNow(a), "anonymous": "true"},
		photo{name: "notes.jpg", contentType: "image/jpeg", data: []byte("this is not a photo at all")})
	expectStatus(t, r, http.StatusUnprocessableEntity)
	var v validation
	r.decode(t, &v)
	if _, ok := v.Errors["photos"]; !ok || countRows(t, a, "reports", "") != 1 {
		t.Fatalf("bad photo: %s", r.Body)
	}
}

func TestMalformedBodies(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	for _, body := range []string{`{"kind": "tip", `, `{"kind": "tip"} {"kind": "complaint"}`, `["tip"]`, `{"kind": 5}`, `{"anonymous": "maybe"}`} {
		r := c.postBroken("application/json", body)
		if r.Status != http.StatusBadRequest || !bytes.Contains(r.Body, []byte("malformed JSON")) && !bytes.Contains(r.Body, []byte("anonymous")) {
			t.Fatalf("%s: %d %s", body, r.Status, r.Body)
		}
	}
	expectStatus(t, c.postBroken("text/plain", "kind=tip"), http.StatusUnsupportedMediaType)
	if n := countRows(t, a, "reports", ""); n != 0 {
		t.Fatalf("%d reports stored", n)
	}
}

// pausingReader yields its source up to pauseAt bytes, then blocks until
// released: a client still sending when the server must already answer.
type pausingReader struct {
	src     io.Reader
	pauseAt int64
	n       atomic.Int64
	release chan struct{}
}

func (p *pausingReader) Read(b []byte) (int, error) {
	left := p.pauseAt - p.n.Load()
	if left <= 0 {
		<-p.release
		return 0, io.ErrClosedPipe
	}
	if int64(len(b)) > left {
		b = b[:left]
	}
	k, err := p.src.Read(b)
	p.n.Add(int64(k))
	return k, err
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}

// TestOversizeBodyIsRefusedWhileStillArriving sends a multipart report
// larger than intake.MaxReportBody, slowly: the client stops sending a little
// past the limit and waits. The server must answer 413 without waiting for
// the rest — whether the length was declared or the body is chunked.
func TestOversizeBodyIsRefusedWhileStillArriving(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	for k, v := range map[string]string{"kind": "tip", "category": "short_weight", "district": "320402", "business_name": "某店",
		"business_address": "某路1号", "description": "计价秤疑似作弊。", "incident_at": localNow(a), "anonymous": "true"} {
		_ = mw.WriteField(k, v)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="photos"; filename="huge.jpg"`)
	h.Set("Content-Type", "image/jpeg")
	if _, err := mw.CreatePart(h); err != nil {
		t.Fatal(err)
	}
	prefix := bytes.Clone(head.Bytes())
	head.Reset()
	_ = mw.Close()
	suffix := head.Bytes()
	const photoSize = intake.MaxReportBody + 2<<20
	total := int64(len(prefix)) + photoSize + int64(len(suffix))
	body := func() io.Reader {
		return io.MultiReader(bytes.NewReader(prefix), io.LimitReader(zeros{}, photoSize), bytes.NewReader(suffix))
	}

	for _, tc := range []struct {
		name     string
		declared bool
		pauseAt  int64
	}{
		{"declared length", true, 64 << 10},
		{"chunked", false, intake.MaxReportBody + 1<<20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := c.newRequest(http.MethodPost, "/reports", "Content-Type", mw.FormDataContentType())
			in := c.requestInput(req, body(), true)

			conn, err := net.Dial("tcp", strings.TrimPrefix(a.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
			src := &pausingReader{src: body(), pauseAt: tc.pauseAt, release: make(chan struct{})}
			req.Body = io.NopCloser(src)
			req.ContentLength = -1 // chunked
			if tc.declared {
				req.ContentLength = total
			}
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = req.Write(conn) // fails once the server hangs up: expected
			}()
			var once sync.Once
			release := func() { once.Do(func() { close(src.release) }) }
			defer func() { release(); conn.Close(); wg.Wait() }()

			start := time.Now()
			resp, err := http.ReadResponse(bufio.NewReader(conn), req)
			if err != nil {
				t.Fatalf("no answer while the body was still arriving (%d of %d bytes sent): %v", src.n.Load(), total, err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			r := result{Status: resp.StatusCode, Header: resp.Header, Body: b}
			c.checkResponse(in, r)
			expectStatus(t, r, http.StatusRequestEntityTooLarge)
			var tl struct {
				MaxBytes int64 `json:"max_bytes"`
			}
			r.decode(t, &tl)
			if tl.MaxBytes != intake.MaxReportBody {
				t.Fatalf("max_bytes %d", tl.MaxBytes)
			}
			t.Logf("413 after %s, %d of %d bytes sent", time.Since(start).Round(time.Millisecond), src.n.Load(), total)
		})
	}
	if n := countRows(t, a, "reports", ""); n != 0 {
		t.Fatalf("%d reports stored", n)
	}
}

func TestTrackingIsRateLimited(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	// Thirty lookups of different numbers from one address (the per-number
	// limit is intake's own test).
	for i := 1; i <= 30; i++ {
		expectStatus(t, c.get("/reports/"+reports.NewTrackingNumber(), "X-Access-Code", "12345678"), http.StatusNotFound)
	}
	r := c.get("/reports/"+reports.NewTrackingNumber(), "X-Access-Code", "12345678")
	expectStatus(t, r, http.StatusTooManyRequests)
	var rl struct {
		RetryAfterSeconds int `json:"retry_after_seconds"`
	}
	r.decode(t, &rl)
	if ra, _ := strconv.Atoi(r.Header.Get("Retry-After")); ra != rl.RetryAfterSeconds || ra < 1 || ra > 600 {
		t.Fatalf("Retry-After %q, body %s", r.Header.Get("Retry-After"), r.Body)
	}
	// The window passes.
	a.Advance(11 * time.Minute)
	expectStatus(t, c.get("/reports/ABCD-EFGH-JKMN", "X-Access-Code", "12345678"), http.StatusNotFound)
}

func TestDatabaseDownNeverClaimsSuccess(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	sqlDB, err := a.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	_ = sqlDB.Close()
	tip := map[string]any{"kind": "tip", "category": "other", "business_name": "某店", "business_address": "某路1号",
		"description": "计价秤疑似作弊。", "incident_at": localNow(a), "anonymous": true}
	for _, district := range []string{"", "320402"} {
		tip["district"] = district
		r := c.postJSON(tip)
		expectStatus(t, r, http.StatusServiceUnavailable)
		if string(r.Body) != `{"error":"not saved, try again"}` || r.Header.Get("Retry-After") == "" {
			t.Fatalf("503: %s %v", r.Body, r.Header)
		}
	}
	for _, path := range []string{"/units", "/scan/" + token(model.QRUnit, 1, 1)} {
		r := c.get(path)
		expectStatus(t, r, http.StatusServiceUnavailable)
		if bytes.Contains(r.Body, []byte("sql")) {
			t.Fatalf("%s leaks the error: %s", path, r.Body)
		}
	}
}
