package e2e

import (
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

var (
	trackingRe   = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)
	accessCodeRe = regexp.MustCompile(`^\d{8}$`)
)

// TestCitizenScreensOnAPhone walks what a shopper does on a 360 px phone:
// scan a scale's code, then the stall's, report short weight with a photo,
// keep the receipt, track the report, and meet a counterfeit code.
func TestCitizenScreensOnAPhone(t *testing.T) {
	a := apptest.New(t)
	_, unitID, ins := a.ApprovedUnit(unitName)
	unitPath, instPath := a.ScanPath(model.QRUnit, unitID), a.ScanPath(model.QRInstrument, ins[0].ID)
	photo := photoFile(t)

	b := newBrowser(t)
	b.do(t, phone())

	shot := b.step(t, "scan-instrument",
		open(a.URL+instPath, 200),
		hasText("section.instrument-first", "CZ-01", "请核对与器具铭牌上的编号是否一致"),
		hasText("main h1", unitName),
	)
	b.publish(t, shot, "scan-instrument-360.png")

	shot = b.step(t, "scan-unit",
		open(a.URL+unitPath, 200),
		hasText("p.badge-big", "诚信计量示范单位"),
		hasText("main h1", unitName),
		hasText("ul.instruments", "CZ-01", "CZ-02"),
	)
	b.publish(t, shot, "scan-unit-360.png")

	b.step(t, "report-open",
		follow("a.report-button", 200),
		hasText("form .target", unitName),
	)
	shot = b.step(t, "report-filled",
		chromedp.Click(chromedp.CSS(`label.choice:has(input[name=kind][value=tip])`)),
		chromedp.SetValue(chromedp.CSS("#category"), "short_weight"),
		chromedp.SetValue(chromedp.CSS("#incident_at"), incidentAnHourAgo()),
		chromedp.SendKeys(chromedp.CSS("#description"), "买了两斤排骨，回家复称只有一斤七两。"),
		chromedp.SendKeys(chromedp.CSS("#amount"), "18.5"),
		chromedp.Click(chromedp.CSS(`label.choice:has(input[name=anonymous])`)),
		chromedp.SetUploadFiles(chromedp.CSS("input[name=photos]"), []string{photo}),
		holds(`document.querySelector('input[name=kind][value=tip]').checked`, "“举报违法行为” is not chosen"),
		holds(`document.querySelector('#category').selectedOptions[0].text === '缺斤短两'`, "category is not 缺斤短两"),
		holds(`document.querySelector('#description').value.includes('一斤七两')`, "description was not typed"),
		holds(`document.querySelector('input[name=anonymous]').checked`, "anonymous is not ticked"),
		holds(`document.querySelector('input[name=photos]').files.length === 1`, "the photo is not attached"),
	)
	b.publish(t, shot, "report-form-360.png")

	var tracking, code string
	shot = b.step(t, "receipt",
		sendReport(),
		hasText("main", "已收到您的举报", "常州市天宁区市场监督管理局"),
		textMatching("#tracking", trackingRe, &tracking),
		textMatching("#access-code", accessCodeRe, &code),
	)
	b.publish(t, shot, "receipt-360.png")

	// Switching language on the receipt keeps the one-time access code,
	// and files nothing twice.
	b.step(t, "receipt-en",
		follow(`form.lang-form button[type=submit]`, 200),
		hasText("main", "Your tip has been received"),
		hasText("#access-code", code),
		hasText("#tracking", tracking),
	)
	b.step(t, "receipt-zh",
		follow(`form.lang-form button[type=submit]`, 200),
		hasText("main", "已收到您的举报"),
		hasText("#access-code", code),
	)
	var reports int64
	a.DB.Model(&model.Report{}).Count(&reports)
	if reports != 1 {
		t.Fatalf("%d reports after switching language on the receipt, want 1", reports)
	}

	// What the browser sent is what was kept: a tip, anonymous, with its photo.
	var r model.Report
	if err := a.DB.Where("tracking_no = ?", tracking).Take(&r).Error; err != nil {
		t.Fatalf("report %s: %v", tracking, err)
	}
	var photos int64
	a.DB.Model(&model.ReportPhoto{}).Where("report_id = ?", r.ID).Count(&photos)
	if r.Kind != model.KindTip || r.Category != model.CategoryShortWeight || !r.Anonymous || photos != 1 {
		t.Fatalf("stored report: kind %s, category %s, anonymous %v, %d photos", r.Kind, r.Category, r.Anonymous, photos)
	}

	shot = b.step(t, "track",
		open(a.URL+"/track", 200),
		chromedp.SendKeys(chromedp.CSS("#tracking_number"), tracking),
		chromedp.SendKeys(chromedp.CSS("#access_code"), code),
		follow(`form[action="/track"] button[type=submit]`, 200),
		hasText("p.badge-big", "已收到"),
		hasText("main dl", tracking),
		// Where it stands, what comes next and by when, as on 12315.
		hasText(`ol.track-steps li[aria-current=step]`, "已收到"),
		hasText("ol.track-steps", "核查中", "已立案", "已办结"),
		hasText("p.next", "市场监管部门将核查您举报的线索"),
		hasText("p.due", "作出受理（立案）决定的期限"),
	)
	b.publish(t, shot, "track-360.png")

	shot = b.step(t, "scan-counterfeit",
		open(a.URL+tampered(instPath), 404),
		hasText("p.badge-big", "此二维码不是本平台签发的"),
		hasText("a.report-button", "举报可疑二维码"),
	)
	b.publish(t, shot, "scan-counterfeit-360.png")

	// Last: ?lang=en is remembered in a cookie for the pages after it.
	shot = b.step(t, "scan-unit-en",
		open(a.URL+unitPath+"?lang=en", 200),
		hasText("p.badge-big", "Honest-measurement demonstration unit"),
		hasText("a.report-button", "Report a problem"),
	)
	b.publish(t, shot, "scan-unit-en-360.png")
}

// tampered is path with the last character of its token changed, as a
// forger editing a real code would.
func tampered(path string) string {
	last := "A"
	if path[len(path)-1] == 'A' {
		last = "B"
	}
	return path[:len(path)-1] + last
}
