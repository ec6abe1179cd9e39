package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/model"
	"honestmeasure/internal/moderation"
	"honestmeasure/internal/opendata"
	"honestmeasure/internal/units"
)

// GeoReport v2's field lists: an answer carries exactly these keys, no
// more (a client written to the spec) and no fewer (null when empty).
var (
	open311ServiceFields = []string{"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
	open311RequestFields = []string{"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
		"agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address",
		"address_id", "zipcode", "lat", "long", "media_url"}
)

// open311Get sends GET /open311/v2<path>, checked against openapi.json.
func (c *client) open311Get(path string, header ...string) result {
	c.t.Helper()
	return c.do(c.open311Request(path, header...), nil, true)
}

// open311Broken sends a query that breaks openapi.json's own bounds: the
// document must refuse it as well as the server.
func (c *client) open311Broken(path string) result {
	c.t.Helper()
	return c.do(c.open311Request(path), nil, false)
}

func (c *client) open311Request(path string, header ...string) *http.Request {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.app.URL+"/open311/v2"+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// objects decodes a JSON array of objects and checks each has exactly
// fields.
func objects(t *testing.T, r result, fields []string) []map[string]json.RawMessage {
	t.Helper()
	var list []map[string]json.RawMessage
	r.decode(t, &list)
	want := slices.Clone(fields)
	sort.Strings(want)
	for i, o := range list {
		var keys []string
		for k := range o {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if !slices.Equal(keys, want) {
			t.Fatalf("object %d has keys %v, the spec's are %v", i, keys, want)
		}
	}
	return list
}

func str(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	if string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("%s is not a string", raw)
	}
	return s
}

// openCases drives cases through the case service as the agency's staff.
type openCases struct {
	t   *testing.T
	a   *apptest.App
	svc *cases.Service
	who map[string]cases.Actor
}

func newOpenCases(t *testing.T, a *apptest.App) *openCases {
	log, err := audit.New([]byte(apptest.AuditKey))
	if err != nil {
		t.Fatal(err)
	}
	svc := &cases.Service{Store: a.Store, Audit: log, BaseURL: a.URL, Now: a.Now,
		Units: &units.Service{Store: a.Store, Audit: log, BaseURL: a.URL, Now: a.Now}}
	return &openCases{t: t, a: a, svc: svc, who: map[string]cases.Actor{}}
}

func (o *openCases) caseOf(trackingNo string) *model.Case {
	o.t.Helper()
	r := reportRow(o.t, o.a, trackingNo)
	var cs model.Case
	if err := o.a.DB.Where("report_id = ?", r.ID).Take(&cs).Error; err != nil {
		o.t.Fatal(err)
	}
	return &cs
}

func (o *openCases) actor(cs *model.Case) cases.Actor {
	o.t.Helper()
	var ag model.Agency
	o.a.DB.Take(&ag, cs.AgencyID)
	if who, ok := o.who[ag.Code]; ok {
		return who
	}
	u := o.a.CreateUser(ag.Code+"-officer@example.org", "staff-password", model.RoleOfficer, ag.Code)
	o.who[ag.Code] = cases.Actor{User: u, IP: "127.0.0.1"}
	return o.who[ag.Code]
}

// act applies actions in order to the case of trackingNo.
func (o *openCases) act(trackingNo string, steps ...func(cs *model.Case, who cases.Actor) (*model.Case, error)) {
	o.t.Helper()
	cs := o.caseOf(trackingNo)
	for _, step := range steps {
		next, err := step(cs, o.actor(cs))
		if err != nil {
			o.t.Fatalf("case %s in %s: %v", trackingNo, cs.Status, err)
		}
		cs = next
	}
}

// do applies action; texts the moderation gate holds are confirmed
// masked, as an officer would.
func (o *openCases) do(action cases.Action, d cases.Decision) func(*model.Case, cases.Actor) (*model.Case, error) {
	return func(cs *model.Case, who cases.Actor) (*model.Case, error) {
		next, err := o.svc.Act(context.Background(), who, cs, action, d)
		if held := moderation.Held(err); held != nil {
			d.Confirmed = digests(held)
			return o.svc.Act(context.Background(), who, cs, action, d)
		}
		return next, err
	}
}

func digests(held []moderation.Preview) []string {
	var out []string
	for _, p := range held {
		out = append(out, p.Digest)
	}
	return out
}

func (o *openCases) reply(text string) func(*model.Case, cases.Actor) (*model.Case, error) {
	return func(cs *model.Case, who cases.Actor) (*model.Case, error) {
		err := o.svc.Reply(context.Background(), who, cs, text, nil)
		if held := moderation.Held(err); held != nil {
			err = o.svc.Reply(context.Background(), who, cs, text, digests(held))
		}
		if err != nil {
			return nil, err
		}
		return o.caseOf(reportRowByID(o.t, o.a, cs.ReportID).TrackingNo), nil
	}
}

func reportRowByID(t *testing.T, a *apptest.App, id int64) model.Report {
	t.Helper()
	var r model.Report
	if err := a.DB.Take(&r, id).Error; err != nil {
		t.Fatal(err)
	}
	return r
}

// What a reporter and an officer wrote that must never leave through
// Open311 or the open-data files.
const (
	secretName      = "欧阳秘密"
	secretPhone     = "13912345678"
	secretEmail     = "leak-check@example.org"
	secretAddress   = "青果巷77号隐私小区"
	secretFacts     = "独特事实XYZZY"
	secretBusiness  = "隐私商户QWERTY"
	secretBizAddr   = "隐私路ASDFG号"
	secretReplyTel  = "13811112222"
	secretNoticeTel = "13700001111"
	secretDetail    = "仅告知举报人PLUGH"
)

type openWorld struct {
	concluded, closed, open, complaint string // tracking numbers
	unitAddress                        string
}

// seedOpenWorld files four reports through the API and handles them: a tip
// about the published unit concluded (its public notice carrying a phone
// number, its reply to the reporter another), a tip about an unregistered
// shop concluded and closed, a tip still open, and a complaint mediated
// and closed (a private dispute, never concluded).
func seedOpenWorld(t *testing.T, a *apptest.App, c *client) openWorld {
	t.Helper()
	_, _, ins := approvedUnit(t, a)
	if _, err := a.Store.CurrentQRToken(context.Background(), model.QRInstrument, ins[0].ID, nil); err != nil {
		t.Fatal(err) // issues the label's code
	}
	file := func(m map[string]any) string {
		t.Helper()
		base := map[string]any{"incident_at": localNow(a), "reporter_name": secretName, "reporter_phone": secretPhone,
			"reporter_email": secretEmail, "reporter_address": secretAddress}
		for k, v := range m {
			base[k] = v
		}
		r := c.postJSON(base)
		expectStatus(t, r, http.StatusCreated)
		var rec receipt
		r.decode(t, &rec)
		return rec.TrackingNumber
	}
	w := openWorld{unitAddress: "天宁区红梅南路1号红梅农贸市场"}
	w.concluded = file(map[string]any{"kind": "tip", "category": "tampered_instrument", "token": token(model.QRInstrument, ins[0].ID, 1),
		"description": "秤的铅封被破坏。" + secretFacts + " 我的电话 " + secretPhone})
	w.closed = file(map[string]any{"kind": "tip", "category": "short_weight", "district": "320404",
		"business_name": secretBusiness, "business_address": secretBizAddr, "description": "少秤二两。" + secretFacts})
	w.open = file(map[string]any{"kind": "tip", "category": "short_weight", "district": "320404",
		"business_name": secretBusiness, "business_address": secretBizAddr, "description": "还在查。" + secretFacts})
	w.complaint = file(map[string]any{"kind": "complaint", "category": "short_weight", "district": "320404",
		"business_name": secretBusiness, "business_address": secretBizAddr, "description": "要求退款。" + secretFacts, "request": "退款"})

	o := newOpenCases(t, a)
	conclude := cases.Decision{Outcome: cases.OutcomeUnsubstantiated, Reason: secretDetail,
		PublicNotice: "经查，该摊位器具正常。举报人电话 " + secretNoticeTel}
	o.act(w.concluded, o.do(cases.ActVerify, cases.Decision{}), o.do(cases.ActOpenCase, cases.Decision{}),
		o.do(cases.ActConclude, conclude), o.reply("请致电 "+secretReplyTel+" 领取答复，"+secretName))
	// As published before the moderation gate existed: the facade redacts
	// on its own.
	if err := a.DB.Model(&model.Case{}).Where("id = ?", o.caseOf(w.concluded).ID).Update("public_notice", conclude.PublicNotice).Error; err != nil {
		t.Fatal(err)
	}
	o.act(w.closed, o.do(cases.ActVerify, cases.Decision{}), o.do(cases.ActOpenCase, cases.Decision{}),
		o.do(cases.ActConclude, cases.Decision{Outcome: cases.OutcomeUnsubstantiated, Reason: secretDetail}),
		o.do(cases.ActClose, cases.Decision{}))
	o.act(w.open, o.do(cases.ActVerify, cases.Decision{}))
	o.act(w.complaint, o.do(cases.ActAccept, cases.Decision{}), o.do(cases.ActMediate, cases.Decision{Mediation: cases.MediationAgreement}),
		o.do(cases.ActClose, cases.Decision{}))
	return w
}

func ext(trackingNo string) string { return model.ExternalID("320400", trackingNo) }

func TestOpen311Services(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	for _, lang := range []string{"zh-CN", "en"} {
		r := c.open311Get("/services.json", "Accept-Language", lang)
		expectStatus(t, r, http.StatusOK)
		list := objects(t, r, open311ServiceFields)
		if len(list) != len(model.Categories) {
			t.Fatalf("%d services, want one per category (%d)", len(list), len(model.Categories))
		}
		for i, s := range list {
			if str(t, s["service_code"]) != string(model.Categories[i]) || string(s["metadata"]) != "false" || str(t, s["type"]) != "realtime" ||
				str(t, s["service_name"]) == "" || str(t, s["description"]) == "" || str(t, s["group"]) == "" {
				t.Fatalf("service %d: %v", i, s)
			}
		}
		if lang == "en" && str(t, list[0]["service_name"]) != "Short weight" {
			t.Errorf("English service name %s", list[0]["service_name"])
		}
		if cc := r.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
			t.Errorf("Cache-Control %q", cc)
		}
	}
}

func TestOpen311RequestsPublishConcludedCasesOnly(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	w := seedOpenWorld(t, a, c)

	r := c.open311Get("/requests.json")
	expectStatus(t, r, http.StatusOK)
	list := objects(t, r, open311RequestFields)
	got := map[string]map[string]json.RawMessage{}
	for _, o := range list {
		got[str(t, o["service_request_id"])] = o
	}
	if len(list) != 2 || got[ext(w.concluded)] == nil || got[ext(w.closed)] == nil {
		t.Fatalf("published %v, want exactly the concluded %s and the closed %s", keysOf(got), ext(w.concluded), ext(w.closed))
	}
	con, clo := got[ext(w.concluded)], got[ext(w.closed)]
	// A concluded case still waits for its file to be closed: open.
	if str(t, con["status"]) != "open" || !strings.HasPrefix(str(t, con["status_notes"]), "concluded: ") ||
		str(t, clo["status"]) != "closed" || !strings.HasPrefix(str(t, clo["status_notes"]), "closed: ") {
		t.Fatalf("statuses: %s / %s — %s / %s", con["status"], con["status_notes"], clo["status"], clo["status_notes"])
	}
	if str(t, con["service_code"]) != "tampered_instrument" || str(t, con["address"]) != w.unitAddress ||
		str(t, con["agency_responsible"]) != "常州市天宁区市场监督管理局" {
		t.Fatalf("concluded: %v", con)
	}
	if d := str(t, con["description"]); !strings.HasPrefix(d, "经查，该摊位器具正常。") || strings.Contains(d, secretNoticeTel) {
		t.Fatalf("description %q: the public notice, its phone number masked", d)
	}
	// The day a report arrived, never the instant (which would tell the
	// merchant which customer it was).
	if at, err := time.Parse(time.RFC3339, str(t, con["requested_datetime"])); err != nil || !at.Equal(time.Date(
		a.Now().In(model.Zone).Year(), a.Now().In(model.Zone).Month(), a.Now().In(model.Zone).Day(), 0, 0, 0, 0, model.Zone)) {
		t.Fatalf("requested_datetime %s, want today's midnight in China time", con["requested_datetime"])
	}
	// A shop not in the directory: its district only, never what was typed.
	if str(t, clo["address"]) != "钟楼区" || string(clo["description"]) != "null" || string(clo["media_url"]) != "null" ||
		string(clo["lat"]) != "null" {
		t.Fatalf("closed: %v", clo)
	}
	if cc := r.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public") {
		t.Errorf("Cache-Control %q", cc)
	}

	// One by one: the published are a list of one, the rest are not found.
	for no, want := range map[string]int{w.concluded: 200, w.closed: 200, w.open: 404, w.complaint: 404, "ABCD-EFGH-JKMN": 404} {
		r := c.open311Get("/requests/" + ext(no) + ".json")
		expectStatus(t, r, want)
		if want == 200 {
			if one := objects(t, r, open311RequestFields); len(one) != 1 || str(t, one[0]["service_request_id"]) != ext(no) {
				t.Fatalf("%s: %s", no, r.Body)
			}
			continue
		}
		expectOpen311Error(t, r, 404)
	}
	expectOpen311Error(t, c.open311Get("/requests/HM-110000-"+w.concluded+".json"), 404) // another city's id

	// Filters: status, service_code, service_request_id (which overrides
	// the rest).
	for q, want := range map[string][]string{
		"?status=open":                     {ext(w.concluded)},
		"?status=closed":                   {ext(w.closed)},
		"?service_code=short_weight":       {ext(w.closed)},
		"?service_code=other,short_weight": {ext(w.closed)},
		"?service_request_id=" + url.QueryEscape(ext(w.open)+","+ext(w.closed)) + "&status=open": {ext(w.closed)},
		"?service_request_id=" + url.QueryEscape(ext(w.open)):                                    {},
	} {
		r := c.open311Get("/requests.json" + q)
		expectStatus(t, r, http.StatusOK)
		var ids []string
		for _, o := range objects(t, r, open311RequestFields) {
			ids = append(ids, str(t, o["service_request_id"]))
		}
		if !slices.Equal(ids, want) && !(len(ids) == 0 && len(want) == 0) {
			t.Errorf("%s: %v, want %v", q, ids, want)
		}
	}
}

func keysOf(m map[string]map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func expectOpen311Error(t *testing.T, r result, status int) {
	t.Helper()
	expectStatus(t, r, status)
	var errs []struct {
		Code        int    `json:"code"`
		Description string `json:"description"`
	}
	r.decode(t, &errs)
	if len(errs) != 1 || errs[0].Code != status || errs[0].Description == "" {
		t.Fatalf("error body %s, want [{\"code\":%d,\"description\":…}]", r.Body, status)
	}
}

func TestOpen311DateRange(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	w := seedOpenWorld(t, a, c)
	now := a.Now().UTC()
	day := func(d time.Duration) string { return url.QueryEscape(now.Add(d).Format(time.RFC3339)) }

	for q, status := range map[string]int{
		"?start_date=" + day(-91*24*time.Hour) + "&end_date=" + day(0):           400, // the spec's 90-day bound
		"?start_date=" + day(-90*24*time.Hour) + "&end_date=" + day(time.Minute): 400,
		"?start_date=" + day(-90*24*time.Hour) + "&end_date=" + day(0):           200,
		"?start_date=2026-13-01":                                 400,
		"?end_date=yesterday":                                    400,
		"?start_date=" + day(0) + "&end_date=" + day(-time.Hour): 400,
		"?service_code=potholes":                                 400,
		"?service_request_id=" + strings.Repeat("HM-320400-X,", opendata.MaxIDs+1): 400,
		"?start_date=" + now.In(model.Zone).Format(time.DateOnly):                  200,
		"?jurisdiction_id=cz": 200,
	} {
		r := c.open311Get("/requests.json" + q)
		if status == 400 {
			expectOpen311Error(t, r, 400)
		} else {
			expectStatus(t, r, status)
		}
	}

	for _, q := range []string{"?status=pending", "?page=0", "?page=101"} {
		expectOpen311Error(t, c.open311Broken("/requests.json"+q), 400)
	}

	// The default window is the last 90 days of received reports.
	cs := newOpenCases(t, a).caseOf(w.closed)
	a.DB.Model(&model.Case{}).Where("id = ?", cs.ID).Update("received_at", now.Add(-100*24*time.Hour))
	r := c.open311Get("/requests.json")
	expectStatus(t, r, http.StatusOK)
	if list := objects(t, r, open311RequestFields); len(list) != 1 || str(t, list[0]["service_request_id"]) != ext(w.concluded) {
		t.Fatalf("default window: %s", r.Body)
	}
	r = c.open311Get("/requests.json?end_date=" + day(-95*24*time.Hour))
	expectStatus(t, r, http.StatusOK)
	if list := objects(t, r, open311RequestFields); len(list) != 1 || str(t, list[0]["service_request_id"]) != ext(w.closed) {
		t.Fatalf("90 days before end_date: %s", r.Body)
	}
}

// No personal data of a reporter, nor what only the reporter is told, nor
// what they typed about the business, nor a unit's contact person, leaves
// through any Open311 answer or open-data file, in either language.
func TestOpenDataCarriesNoPersonalData(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	w := seedOpenWorld(t, a, c)
	secrets := []string{secretName, secretPhone, secretEmail, secretAddress, secretFacts, secretBusiness, secretBizAddr,
		secretReplyTel, secretNoticeTel, secretDetail, "领取答复", apptest.ContactName, apptest.ContactPhone, apptest.GoodUSCC,
		apptest.MerchantLogin, "李四"}
	check := func(what string, body []byte) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(string(body), s) {
				t.Errorf("%s carries %q:\n%s", what, s, body)
			}
		}
	}
	ids := url.QueryEscape(strings.Join([]string{ext(w.concluded), ext(w.closed), ext(w.open), ext(w.complaint)}, ","))
	for _, lang := range []string{"zh-CN", "en"} {
		for _, p := range []string{"/services.json", "/requests.json", "/requests.json?status=open", "/requests.json?status=closed",
			"/requests.json?service_request_id=" + ids, "/requests/" + ext(w.concluded) + ".json", "/requests/" + ext(w.closed) + ".json",
			"/requests/" + ext(w.open) + ".json", "/requests/" + ext(w.complaint) + ".json"} {
			r := c.open311Get(p, "Accept-Language", lang)
			check("GET /open311/v2"+p+" ("+lang+")", r.Body)
		}
		b := a.Browser()
		for _, p := range []string{"/open-data?lang=" + lang, "/open-data/units.csv", "/open-data/units.json"} {
			r := b.Get(p)
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d", p, r.Status)
			}
			check("GET "+p, []byte(r.Body))
		}
	}
}

// With the database gone, Open311 says so in its own error format, with
// Retry-After, and nothing of the cause; the downloads fail before a byte.
func TestOpen311DatabaseDown(t *testing.T) {
	a := apptest.New(t)
	c := newClient(t, a)
	sqlDB, err := a.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	_ = sqlDB.Close()
	for _, p := range []string{"/requests.json", "/requests/" + ext("ABCD-EFGH-JKMN") + ".json"} {
		r := c.open311Get(p)
		expectOpen311Error(t, r, http.StatusServiceUnavailable)
		if r.Header.Get("Retry-After") == "" || r.Header.Get("Cache-Control") != "no-store" || strings.Contains(string(r.Body), "sql") {
			t.Fatalf("%s: %v %s", p, r.Header, r.Body)
		}
	}
	for _, p := range []string{"/open-data/units.csv", "/open-data/units.json"} {
		r := a.Browser().Get(p)
		if r.Status != http.StatusServiceUnavailable || r.Header.Get("Content-Disposition") != "" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
			r.Header.Get("Cache-Control") != "no-store" ||
			strings.Contains(r.Body, "sql") {
			t.Fatalf("%s: %d %v", p, r.Status, r.Header)
		}
	}
}
