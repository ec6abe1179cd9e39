package e2e

import (
	"testing"

	"honestmeasure/internal/app/apptest"
)

// TestOpenDataPage: a visitor finds the open-data page from the footer of
// the home page and reads what it offers, in both languages, at 360 and
// 1366 px (every step is checked for WCAG 2.1 AA and sideways scrolling).
func TestOpenDataPage(t *testing.T) {
	for _, screen := range screens() {
		t.Run(screen.name, func(t *testing.T) {
			a := apptest.New(t)
			a.ApprovedUnit("红梅菜场 8号摊位")
			b := newBrowser(t)
			visitor := b.person(t, "visitor", screen.size)
			visitor.step(t, "home", open(a.URL+"/", 200))
			visitor.step(t, "open-data",
				follow(`footer a[href="/open-data"]`, 200),
				hasText("main", "开放数据", "CC BY 4.0", "单位与计量器具（CSV，UTF-8）", "Open311"),
			)
			visitor.step(t, "open-data-en",
				open(a.URL+"/open-data?lang=en", 200),
				hasText("main", "Open data", "Units and instruments (JSON)"),
			)
		})
	}
}
