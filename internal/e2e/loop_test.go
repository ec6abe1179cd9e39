package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

var (
	unitPageRe       = regexp.MustCompile(`^/merchant/units/(\d+)$`)
	instrumentPageRe = regexp.MustCompile(`^/merchant/instruments/(\d+)$`)
)

// TestWholeLoop is the platform's promise end to end, in the browser: a
// merchant signs up on a phone, applies, pledges, registers two scales and a
// certificate; the district officer approves; the merchant prints the codes;
// a shopper scans one, reports short weight with a photo and tracks it; only
// the district's officers see the report, and concluding it with the unit
// suspended shows on the very code the shopper scanned.
func TestWholeLoop(t *testing.T) {
	a := apptest.New(t)
	a.CreateUser("tn-officer@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	a.CreateUser("zl-officer@example.org", "officer-pass", model.RoleOfficer, "cz-zhonglou")
	photo := photoFile(t)
	const (
		name   = "红梅农贸市场 12号摊位"
		mobile = "13912345678"
		pass   = "stall-pass-12"
	)
	certDate := time.Now().AddDate(0, -1, 0).Format("2006-01-02") // verified a month ago

	b := newBrowser(t) // screenshots in test-output/e2e/TestWholeLoop, logged by newBrowser
	desktop := chromedp.EmulateViewport(1280, 900)
	merchant := b.person(t, "merchant", phone())

	// 1. Sign up on a phone.
	merchant.step(t, "signup",
		open(a.URL+"/signup", 200),
		chromedp.SendKeys(chromedp.CSS("#login"), mobile),
		follow(`form[action="/signup"] button[type=submit]`, 200),
		onPage(regexp.MustCompile(`^/signup/code$`), nil),
		hasText("p.notice.ok", "139****5678"),
	)
	// The code arrives by SMS: the test reads it from the outbox.
	merchant.step(t, "signup-code",
		chromedp.SendKeys(chromedp.CSS("#code"), a.SentCode(mobile)),
		chromedp.SendKeys(chromedp.CSS("#display_name"), "王建国"),
		chromedp.SendKeys(chromedp.CSS("#password"), pass),
		chromedp.SendKeys(chromedp.CSS("#password_confirm"), pass),
		follow(`form[action="/signup/code"] button[type=submit]`, 200),
		onPage(regexp.MustCompile(`^/merchant$`), nil),
		hasText("p.notice.ok", "注册成功"),
	)

	// 2. Apply for a unit.
	var unitID int64
	merchant.step(t, "unit-form",
		follow(`a[href="/merchant/units/new"]`, 200),
		chromedp.SendKeys(chromedp.CSS("#name"), name),
		chromedp.SendKeys(chromedp.CSS("#uscc"), apptest.GoodUSCC),
		choose("#business_type", "农贸市场摊位"),
		choose("#district_id", "天宁区"),
		chromedp.SendKeys(chromedp.CSS("#address"), "天宁区红梅南路1号红梅农贸市场"),
		chromedp.SendKeys(chromedp.CSS("#contact_name"), "王建国"),
		chromedp.SendKeys(chromedp.CSS("#contact_phone"), mobile),
	)
	merchant.step(t, "unit-draft",
		follow(`form[action="/merchant/units"] button[type=submit]`, 200),
		onPage(unitPageRe, &unitID),
		hasText("main h1", name),
		hasText("main .badge.big", "草稿"),
	)
	unitURL := fmt.Sprintf("%s/merchant/units/%d", a.URL, unitID)

	// 3. Sign the pledge.
	merchant.step(t, "pledge",
		follow(`ol.steps a[href$="/pledge"]`, 200),
		hasText("article.pledge-text", name),
		chromedp.SendKeys(chromedp.CSS("#signer_name"), "王建国"),
		chromedp.SendKeys(chromedp.CSS("#signer_title"), "摊主"),
		chromedp.Click(chromedp.CSS(`input[name=agree]`)),
		holds(`document.querySelector('input[name=agree]').checked`, "“agree” is not ticked"),
	)
	merchant.step(t, "pledge-signed",
		follow(`form[action$="/pledge"] button[type=submit]`, 200),
		onPage(unitPageRe, nil),
		hasText("p.notice.ok", "承诺书已签署"),
	)

	// 4. Two scales in one go, then a certificate for the first.
	merchant.step(t, "scales-form",
		follow(`a.button[href$="/instruments/new"]`, 200),
		choose("#type_id", "电子计价秤"),
		chromedp.SendKeys(chromedp.CSS("#serial_no"), "SC-001"),
		chromedp.Clear(chromedp.CSS("#quantity")),
		chromedp.SendKeys(chromedp.CSS("#quantity"), "2"),
		chromedp.SendKeys(chromedp.CSS("#location"), "12号摊位"),
	)
	merchant.step(t, "scales-listed",
		follow(`form[action$="/instruments"] button[type=submit]`, 200),
		onPage(unitPageRe, nil),
		hasText("table.list", "SC-001", "SC-002", "电子计价秤"),
	)
	var instID int64
	merchant.step(t, "certificate-form",
		follow(`table.list tbody tr:first-child a[href^="/merchant/instruments/"]`, 200),
		onPage(instrumentPageRe, &instID),
		hasText("main h1", "SC-001"),
		chromedp.SendKeys(chromedp.CSS("#certificate_no"), "CZJL-2026-000123"),
		chromedp.SendKeys(chromedp.CSS("#body_name"), "常州市计量测试技术研究所"),
		chromedp.SetValue(chromedp.CSS("#verified_on"), certDate),
		chromedp.Click(chromedp.CSS(`input[name=result][value=pass]`)),
	)
	merchant.step(t, "certificate-valid",
		follow(`form[action$="/verifications"] button[type=submit]`, 200),
		onPage(instrumentPageRe, nil),
		hasText("main .badge.big", "检定有效"),
		hasText("table.list", "CZJL-2026-000123", "常州市计量测试技术研究所"),
	)

	// 5. Submit for review.
	merchant.step(t, "submitted",
		open(unitURL, 200),
		follow(`form[action$="/submit"] button[type=submit]`, 200),
		hasText("main .badge.big", "审核中"),
	)

	// 6. The Tianning officer approves, in a browser of their own.
	tianning := b.person(t, "tianning", desktop)
	tianning.step(t, "login",
		open(a.URL+"/login", 200),
		chromedp.SendKeys(chromedp.CSS("#login"), "tn-officer@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), "officer-pass"),
		follow(`form[action="/login"] button[type=submit]`, 200),
		onPage(regexp.MustCompile(`^/staff/`), nil),
	)
	tianning.step(t, "applications",
		open(a.URL+"/staff/applications", 200),
		hasText("main table.list", name, "天宁区"),
	)
	tianning.step(t, "application",
		follow(chromedp.CSS(fmt.Sprintf(`a[href="/staff/units/%d"]`, unitID)), 200),
		hasText("main h1", name),
		hasText("main .badge.big", "审核中"),
		hasText("main", "SC-001", "SC-002", "王建国"),
	)
	tianning.step(t, "approved",
		follow(`button[formaction$="/approve"]`, 200),
		hasText("main .badge.big", "示范单位"),
	)

	// 7. The merchant prints the poster and the labels.
	merchant.step(t, "approved",
		open(unitURL, 200),
		hasText("main .badge.big", "示范单位"),
	)
	merchant.step(t, "poster",
		follow(`a[href$="/poster"]`, 200),
		hasText("h1.unit-name", name),
		hasText("article.poster", "诚信计量示范单位", "常州市天宁区市场监督管理局"),
		holds(`!!document.querySelector('article.poster .code svg')`, "the poster has no QR code"),
	)
	merchant.step(t, "labels",
		open(unitURL, 200),
		follow(`a[href$="/labels"]`, 200),
		holds(`document.title.includes(`+jsString(name)+`)`, "the label sheet is not titled with the unit's name"),
		hasText("article.labels", "SC-001", "SC-002", "电子计价秤"),
		holds(`document.querySelectorAll('article.labels .label .code svg').length === 2`, "not two labels with a QR code"),
	)

	// 8. The first scale's label, downloaded and read as a camera would.
	var png download
	merchant.step(t, "qr-download",
		open(fmt.Sprintf("%s/merchant/instruments/%d", a.URL, instID), 200),
		fetchLink(`a[href*="/qr.png"]`, &png),
	)
	if png.Type != "image/png" {
		t.Fatalf("qr-download: %s answered %q, want image/png", png.URL, png.Type)
	}
	scanURL, found, err := decodeQR(png.Data)
	if err != nil {
		t.Fatalf("qr-download: %s: %v", png.URL, err)
	}
	if !found {
		t.Logf("qr-download: gozxing did not find the code in %s, and read it as a clean symbol", png.URL)
	}
	// The code is upper case, so all of it is QR alphanumeric: scheme and
	// host are the same in any case, the path must be exact.
	if path := a.ScanPath(model.QRInstrument, instID); !strings.EqualFold(scanURL, a.URL+path) || !strings.HasSuffix(scanURL, path) {
		t.Fatalf("qr-download: the label reads %q, want %q", scanURL, a.URL+path)
	}
	t.Logf("the label reads %s", scanURL)

	// 9. A shopper scans it: a phone with no cookies.
	citizen := b.person(t, "citizen", phone())
	citizen.step(t, "scan",
		open(scanURL, 200),
		hasText("section.instrument-first", "SC-001"),
		hasText("section.instrument-first p.state-big", "✓ 检定合格，在有效期内"),
		hasText("p.badge-big", "诚信计量示范单位"),
		hasText("main h1", name),
	)

	// 10. …and reports short weight with a photo.
	citizen.step(t, "report-filled",
		follow("a.report-button", 200),
		hasText("form .target", name, "SC-001"),
		chromedp.Click(chromedp.CSS(`label.choice:has(input[name=kind][value=tip])`)),
		choose("#category", "缺斤短两"),
		chromedp.SetValue(chromedp.CSS("#incident_at"), incidentAnHourAgo()),
		chromedp.SendKeys(chromedp.CSS("#description"), "买了两斤排骨，回家复称只有一斤七两，秤显示不归零。"),
		chromedp.SetUploadFiles(chromedp.CSS("input[name=photos]"), []string{photo}),
		holds(`document.querySelector('input[name=kind][value=tip]').checked`, "“举报违法行为” is not chosen"),
		holds(`document.querySelector('input[name=photos]').files.length === 1`, "the photo is not attached"),
	)
	var tracking, code string
	citizen.step(t, "receipt",
		sendReport(),
		hasText("main", "已收到您的举报", "常州市天宁区市场监督管理局"),
		textMatching("#tracking", trackingRe, &tracking),
		textMatching("#access-code", accessCodeRe, &code),
	)

	// 11. Tracking it.
	citizen.step(t, "track",
		open(a.URL+"/track", 200),
		chromedp.SendKeys(chromedp.CSS("#tracking_number"), tracking),
		chromedp.SendKeys(chromedp.CSS("#access_code"), code),
		follow(`form[action="/track"] button[type=submit]`, 200),
		hasText("p.badge-big", "已收到"),
		hasText("main dl", tracking),
	)

	// 12. It reaches Tianning's queue, and no other district's.
	tianning.step(t, "queue",
		open(a.URL+"/staff/queue", 200),
		hasText("table.queue", tracking, "缺斤短两", name),
	)
	zhonglou := b.person(t, "zhonglou", desktop)
	zhonglou.step(t, "login",
		open(a.URL+"/login", 200),
		chromedp.SendKeys(chromedp.CSS("#login"), "zl-officer@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), "officer-pass"),
		follow(`form[action="/login"] button[type=submit]`, 200),
		onPage(regexp.MustCompile(`^/staff/`), nil),
	)
	zhonglou.step(t, "queue",
		open(a.URL+"/staff/queue", 200),
		holds(`!!document.querySelector('table.queue')`, "no queue shown"),
		lacks("main", tracking),
	)

	// 13. The Tianning officer checks, opens a case and concludes it,
	// suspending the unit.
	tianning.step(t, "case",
		follow(`table.queue a[href^="/staff/cases/"]`, 200),
		hasText("main h1", tracking),
		hasText("main .badge.big", "待处理"),
		holds(`document.querySelectorAll('.photos img').length === 1`, "the case does not show the photo"),
	)
	// Each action of the decision panel opens from its summary.
	tianning.step(t, "verifying",
		chromedp.Click(`#act-verify > summary`),
		follow(`form[action$="/act/verify"] button[type=submit]`, 200),
		hasText("main .badge.big", "核查中"),
		hasText("p.notice.ok", "已开始核查"),
	)
	tianning.step(t, "opened",
		chromedp.Click(`#act-open_case > summary`),
		follow(`form[action$="/act/open_case"] button[type=submit]`, 200),
		hasText("main .badge.big", "已立案"),
	)
	const conclude = `form[action$="/act/conclude"]`
	tianning.step(t, "conclude-form",
		chromedp.Click(`#act-conclude > summary`),
		chromedp.Click(chromedp.CSS(conclude+` input[name=outcome][value=substantiated]`)),
		choose(conclude+` #conclude-unit_measure`, "暂停示范资格"),
		chromedp.SendKeys(chromedp.CSS(conclude+` #conclude-public_notice`), "经查计价秤被改装，暂停示范资格。"),
		chromedp.SendKeys(chromedp.CSS(conclude+` textarea[name=reason]`), "现场复称短缺15%，罚款5000元。"),
		holds(`document.querySelector('`+conclude+` input[name=outcome]:checked').parentElement.textContent.includes('举报属实')`,
			"the outcome chosen is not “举报属实”"),
		holds(`document.querySelector('#conclude-unit_measure').value === 'suspended'`, "the unit measure is not “suspended”"),
	)
	tianning.step(t, "concluded",
		follow(chromedp.CSS(conclude+` button[type=submit]`), 200),
		hasText("main .badge.big", "已办结"),
		hasText("main h2 .badge", "已暂停"),
		hasText("p.notice.ok", "已办结"),
	)

	// 14. The shopper opens the same scan page again and pulls it down to
	// reload: the page says Cache-Control: public, max-age=60, so opening
	// it alone may show the copy the phone kept from step 9.
	citizen.step(t, "scan-suspended",
		open(scanURL, 200),
		reload(200),
		hasText("p.badge-big", "示范资格已暂停"),
		hasText("main", "经查计价秤被改装，暂停示范资格。"),
		lacks("main", "罚款5000元"),
	)
}
