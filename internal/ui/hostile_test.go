package ui_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

// Cross-site request forgery, session fixation and brute-force login are
// covered by TestForgedRequestsAreRefused, TestSessionsAreRenewedAndEnded and
// TestLoginDelaysGrowAndSayWhenToRetry; the oversized-API-body case by
// internal/api's TestOversizeBodyIsRefusedWhileStillArriving.

const xss = `<script>alert("x")</script><img src=x onerror=alert(1)>`

// TestHostileTextIsEscapedEverywhere types script into every free-text
// field a merchant, a citizen and an officer can fill, then reads every
// page (and the export) that shows it.
func TestHostileTextIsEscapedEverywhere(t *testing.T) {
	a := apptest.New(t)
	m, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	// Merchant fields (contact details stay editable after approval).
	f := a.UnitForm("x", apptest.GoodUSCC)
	f.Set("contact_name", "张"+xss)
	f.Set("opening_hours", "=HYPERLINK(\"http://evil\")"+xss)
	m.Submit(unit+"/edit", unit, f)
	m.Expect(http.StatusOK)
	inst := "/merchant/instruments/" + strconv.FormatInt(ins[0].ID, 10)
	m.Submit(inst+"/edit", inst, form("type_id", a.TypeID("price_scale"), "serial_no", "SN"+xss[:20], "location", "摊位"+xss, "model", xss))
	m.Expect(http.StatusOK)
	m.Submit(inst, inst+"/verifications", form("certificate_no", "JD"+xss[:30], "body_name", xss, "verified_on", "2026-10-01", "result", "pass"))

	// Citizen fields.
	token := a.ScanPath(model.QRInstrument, ins[0].ID)[len("/Q/"):]
	v := a.Browser()
	v.Get("/report?t=" + token)
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]
	v.PostMultipart("/report", reportFields("complaint", "t", token, "idempotency_key", key, "description", "=1+2 "+xss,
		"reporter_name", "李"+xss, "reporter_phone", "13700000000", "reporter_address", xss, "request", "退款"+xss))
	v.Expect(http.StatusCreated)
	tracking, code := receipt(t, v)

	// Officer fields.
	var c model.Case
	a.DB.Take(&c)
	o := staffBrowser(t, a, "tn@example.org", model.RoleOfficer, "cz-tianning")
	casePath := "/staff/cases/" + strconv.FormatInt(c.ID, 10)
	o.Submit(casePath, casePath+"/update/note", form("text", xss))
	o.Submit(casePath, casePath+"/update/reply", form("text", "答复"+xss))

	pages := []struct {
		b    *apptest.Browser
		path string
	}{
		{m, unit}, {m, inst}, {m, "/merchant"}, {m, unit + "/poster"}, {m, unit + "/labels"},
		{v, a.ScanPath(model.QRUnit, unitID)}, {v, "/Q/" + token},
		{o, casePath}, {o, "/staff/queue"}, {o, "/staff/units/" + strconv.FormatInt(unitID, 10)},
	}
	for _, p := range pages {
		r := p.b.Get(p.path)
		if r.Status != http.StatusOK {
			t.Errorf("%s: %d", p.path, r.Status)
			continue
		}
		if strings.Contains(r.Body, "<script>alert") || strings.Contains(r.Body, "<img src=x") {
			t.Errorf("%s renders the payload unescaped", p.path)
		}
	}
	v.Submit("/track", "/track", form("tracking_number", tracking, "access_code", code))
	if strings.Contains(v.Last.Body, "<script>alert") || !strings.Contains(v.Last.Body, "&lt;script&gt;") {
		t.Error("track page: reply not escaped (or missing)")
	}
	// A business name typed as a spreadsheet formula is exported inert, and
	// no contact details are exported at all.
	w := a.Browser()
	w.Get("/report")
	key2 := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(w.Last.Body)[1]
	w.PostMultipart("/report", reportFields("tip", "idempotency_key", key2, "district_id", a.DistrictID("320402"),
		"business_name", `=cmd|' /C calc'!A0`, "business_address", "市场"))
	w.Expect(http.StatusCreated)
	o.Get("/staff/queue.csv")
	if !strings.Contains(o.Last.Body, `'=cmd|`) || strings.Contains(o.Last.Body, `,=cmd`) {
		t.Errorf("CSV export lets a formula through:\n%s", o.Last.Body)
	}
	if strings.Contains(o.Last.Body, "13700000000") || strings.Contains(o.Last.Body, "李") {
		t.Error("CSV export carries the reporter's contact details")
	}
}

func TestHostileQueriesAndLimits(t *testing.T) {
	a := apptest.New(t)
	a.ApprovedUnit("钟楼菜场 8号摊位")
	v := a.Browser()
	for _, q := range []string{`' OR '1'='1`, `"; DROP TABLE units; --`, `%`, `_`, `\`, strings.Repeat("长", 5000)} {
		r := v.Get("/units?q=" + url.QueryEscape(q))
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "共 0 家") {
			t.Errorf("directory search %.30q: %d", q, r.Status)
		}
	}
	o := staffBrowser(t, a, "tn@example.org", model.RoleOfficer, "cz-tianning")
	for _, q := range []string{`' OR 1=1 --`, `%`, `\'`} {
		if r := o.Get("/staff/queue?q=" + url.QueryEscape(q) + "&sort=" + url.QueryEscape("id; DROP TABLE cases") + "&page=-5&priority=x"); r.Status != http.StatusOK {
			t.Errorf("queue with %q: %d", q, r.Status)
		}
	}
	var units int64
	a.DB.Model(&model.Unit{}).Count(&units)
	if units != 1 {
		t.Fatalf("units table disturbed: %d", units)
	}

	// Over-long input gets a message, not a truncation or a database error.
	a.CreateUser("13800000099", "merchant-pass", model.RoleMerchant, "")
	m := a.Browser()
	m.Login("13800000099", "merchant-pass")
	long := a.UnitForm(strings.Repeat("长", 10000), "92320402MA1XXXXX0"+checkChar(t, "92320402MA1XXXXX0"))
	m.Submit("/merchant/units/new", "/merchant/units", long)
	m.Expect(http.StatusUnprocessableEntity, "最多 200 个字")
	v.Get("/report")
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]
	v.PostMultipart("/report", reportFields("tip", "idempotency_key", key, "district_id", a.DistrictID("320402"),
		"business_name", "摊位", "business_address", "市场", "description", strings.Repeat("短", 5000)))
	v.Expect(http.StatusUnprocessableEntity, "最多 2000 个字")

	// Wrong content types never reach a 500.
	for _, ct := range []string{"application/json", "text/plain", "multipart/form-data; boundary=", "application/xml"} {
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/report", strings.NewReader(`{"kind":"tip"}`))
		req.Header.Set("Content-Type", ct)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusCreated || strings.Contains(string(body), "goroutine") {
			t.Errorf("report with %s: %d", ct, resp.StatusCode)
		}
	}

	// Path traversal in file-ish parameters.
	for _, p := range []string{"/static/x/../../go.mod", "/static/x/..%2f..%2fgo.mod", "/staff/cases/1/photos/..%2f..%2fetc%2fpasswd",
		"/Q/..%2f..%2fetc%2fpasswd", "/merchant/units/1/qr.png?size=../../etc"} {
		r := o.Get(p)
		if r.Status == http.StatusOK && (strings.Contains(r.Body, "module honestmeasure") || strings.Contains(r.Body, "root:")) {
			t.Errorf("%s leaks a file", p)
		}
		if r.Status >= 500 {
			t.Errorf("%s: %d", p, r.Status)
		}
	}
}

// An oversized report upload is refused while it is still arriving, not
// after buffering it.
func TestOversizedReportUploadIsCutOff(t *testing.T) {
	a := apptest.New(t)
	pr, pw := io.Pipe()
	go func() {
		chunk := make([]byte, 1<<20)
		deadline := time.Now().Add(20 * time.Second)
		for sent := 0; sent < 200 && time.Now().Before(deadline); sent++ { // up to 200 MB
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/report", pr)
	req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge && resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("oversized upload: %d", resp.StatusCode)
		}
	}
	pr.CloseWithError(io.ErrClosedPipe)
	if time.Since(start) > 15*time.Second {
		t.Fatalf("the server read on for %s before refusing", time.Since(start))
	}
}
