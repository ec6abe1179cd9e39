package ui_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

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
