package ui_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

var langLink = regexp.MustCompile(`<a class="lang" href="([^"]*)"`)

// Switching the language keeps what the page was showing: the directory's
// filters, the shop a report is about. A confirmation already shown is not
// shown again.
func TestLanguageSwitchKeepsTheQuery(t *testing.T) {
	a := apptest.New(t)
	_, unitID, _ := a.ApprovedUnit("钟楼菜场 3号摊位")
	token := strings.TrimPrefix(a.ScanPath(model.QRUnit, unitID), "/Q/")
	v := a.Browser()
	for _, tc := range []struct {
		page string
		want []string
		not  string
	}{
		{"/units?district=320402&q=%E8%8F%9C%E5%9C%BA", []string{"district=320402", "q=%E8%8F%9C%E5%9C%BA", "lang=en"}, ""},
		{"/report?t=" + token, []string{"t=" + token, "lang=en"}, ""},
		{"/units?ok=reprinted", []string{"lang=en"}, "ok="},
	} {
		r := v.Get(tc.page)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", tc.page, r.Status)
		}
		m := langLink.FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("%s: no language link", tc.page)
		}
		href := html.UnescapeString(m[1])
		for _, w := range tc.want {
			if !strings.Contains(href, w) {
				t.Errorf("%s: the language link %q lacks %q", tc.page, href, w)
			}
		}
		if tc.not != "" && strings.Contains(href, tc.not) {
			t.Errorf("%s: the language link %q keeps %q", tc.page, href, tc.not)
		}
		if !strings.HasPrefix(href, "/") || strings.Contains(href, "://") {
			t.Errorf("%s: the language link %q is not relative", tc.page, href)
		}
	}
	// Following it on the report form keeps the shop.
	link := html.UnescapeString(langLink.FindStringSubmatch(v.Get("/report?t=" + token).Body)[1])
	v.Get(link)
	v.Expect(http.StatusOK, "钟楼菜场 3号摊位")
}

// langFormRe finds the language switch of a page that answered a post: a
// form re-posting the page's state.
var langFormRe = regexp.MustCompile(`<form method="post" action="([^"]+)" class="inline lang-form">(.*?)</form>`)
var hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// switchLanguage posts a page's language form as the browser would.
func switchLanguage(t *testing.T, v *apptest.Browser) {
	t.Helper()
	m := langFormRe.FindStringSubmatch(v.Last.Body)
	if m == nil {
		t.Fatalf("%s has no language form", v.Last.URL)
	}
	f := url.Values{}
	for _, h := range hiddenRe.FindAllStringSubmatch(m[2], -1) {
		f.Add(h[1], html.UnescapeString(h[2]))
	}
	v.Post(html.UnescapeString(m[1]), f)
}

// Switching language on a page that answered a post loses nothing: the
// receipt keeps its one-time access code (and files nothing twice), a form
// sent back keeps what was typed and its held photos, a tracking result
// stays shown.
func TestLanguageSwitchAfterAPost(t *testing.T) {
	a := apptest.New(t)
	v := a.Browser()
	v.Get("/report")
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]
	f := reportFields("complaint", "idempotency_key", key, "district_id", a.DistrictID("320412"),
		"business_name", "湖塘菜场 12号", "business_address", "武进区湖塘镇", "reporter_name", "刘女士",
		"reporter_address", "武进区花园街1号", "request", "退还差价")
	v.PostMultipart("/report", f, apptest.File{Field: "photos", Name: "a.jpg", Data: gpsJPEG(t)})
	v.Expect(http.StatusUnprocessableEntity, "已为您保留 1 张照片")
	switchLanguage(t, v)
	v.Expect(http.StatusOK, "1 photo is kept for you", `value="湖塘菜场 12号"`, "退还差价", "刘女士")

	f.Set("reporter_phone", "13700001234")
	v.PostMultipart("/report", f)
	v.Expect(http.StatusCreated, "Your complaint has been received") // the language chosen on the form
	code := regexp.MustCompile(`id="access-code">(\d{8})<`).FindStringSubmatch(v.Last.Body)[1]
	tracking := regexp.MustCompile(`id="tracking">([^<]+)<`).FindStringSubmatch(v.Last.Body)[1]
	switchLanguage(t, v)
	v.Expect(http.StatusOK, "已收到您的投诉", code, tracking)
	switchLanguage(t, v)
	v.Expect(http.StatusOK, "Your complaint has been received", code)
	var n, photos int64
	a.DB.Model(&model.Report{}).Count(&n)
	a.DB.Model(&model.ReportPhoto{}).Count(&photos)
	if n != 1 || photos != 1 {
		t.Fatalf("%d reports with %d photos, want 1 with 1", n, photos)
	}
	if strings.Contains(v.Last.URL, code) || strings.Contains(v.Last.URL, key) {
		t.Fatalf("a URL carries the access code or key: %s", v.Last.URL)
	}

	v.Submit("/track", "/track", form("tracking_number", tracking, "access_code", code))
	v.Expect(http.StatusOK, "Progress")
	switchLanguage(t, v)
	v.Expect(http.StatusOK, "办理进度", tracking)

	// An hour on, the key no longer opens the receipt.
	a.Advance(2 * time.Hour)
	v.Post("/report/receipt?lang=en", form("idempotency_key", key))
	v.Expect(http.StatusNotFound, "follow it with its tracking number and access code")
}
