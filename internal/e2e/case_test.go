package e2e

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

// fileTips files n tips about the unit's first scale, as a shopper's phone
// would, and returns their cases, oldest first.
func fileTips(t *testing.T, a *apptest.App, ins model.Instrument, n int) []model.Case {
	t.Helper()
	token := a.ScanPath(model.QRInstrument, ins.ID)[len("/Q/"):]
	keyRe := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)
	for i := 0; i < n; i++ {
		v := a.Browser()
		v.Get("/report?t=" + token)
		m := keyRe.FindStringSubmatch(v.Last.Body)
		if m == nil {
			t.Fatalf("no report form: %d", v.Last.Status)
		}
		v.PostMultipart("/report", apptest.Form("kind", "tip", "category", "short_weight", "incident_at", "2026-11-20T09:30",
			"description", "买了两斤排骨，回家复称只有一斤七两。", "amount", "18.5", "t", token, "idempotency_key", m[1]))
		v.Expect(http.StatusCreated)
	}
	var out []model.Case
	a.DB.Order("id").Find(&out)
	return out
}

// TestQueueAndCasePanel: an officer filters the queue, sees three reports
// against one stall as one pattern, selects all and assigns them to
// themselves, landing on a clean URL; on the case page merges a related
// report, is shown a refused conclusion's errors at the top with everything
// typed kept, and concludes with a public notice apart from the reply: only
// the notice reaches the public scan page. On a phone and on a desktop.
func TestQueueAndCasePanel(t *testing.T) {
	for _, tc := range screens() {
		t.Run(tc.name, func(t *testing.T) {
			a := apptest.New(t)
			_, unitID, ins := a.ApprovedUnit(unitName)
			filed := fileTips(t, a, ins[0], 3)
			a.CreateUser("tn-officer@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
			b := newBrowser(t)
			officer := b.person(t, "officer", tc.size)
			officer.step(t, "login",
				open(a.URL+"/login", 200),
				chromedp.SendKeys(chromedp.CSS("#login"), "tn-officer@example.org"),
				chromedp.SendKeys(chromedp.CSS("#password"), "officer-pass"),
				follow(`form[action="/login"] button[type=submit]`, 200),
				onPage(regexp.MustCompile(`^/staff/`), nil),
			)

			// The queue: labelled filters, the stall's three reports as one
			// pattern, received time and age.
			unitQueue := "/staff/queue?unit=" + strconv.FormatInt(unitID, 10)
			officer.step(t, "queue",
				open(a.URL+"/staff/queue", 200),
				hasText("form.filters", "类型", "问题", "期限"),
				hasText("table.queue", "该单位共 3 件在办", "已 0 天", "受理/立案期限"),
				fitsWidth(),
			)
			officer.step(t, "queue-filtered",
				choose(`form.filters select[name=kind]`, "举报违法行为"),
				follow(`form.filters button[type=submit]`, 200),
				onPage(regexp.MustCompile(`^/staff/queue$`), nil),
				holds(`location.search.includes('kind=tip')`, "the filter is not in the URL"),
				hasText("main", "共 3 件"),
			)
			officer.step(t, "queue-take-all",
				chromedp.Click(`#select-all`),
				holds(`[...document.querySelectorAll('table.queue input[name=case_id]')].every(b => b.checked)`, "select all did not tick the rows"),
				follow(`button[name=take]`, 200),
				hasText("p.notice.ok", "已把选中的案件分配给你"),
				holds(`!location.href.includes('??') && new URLSearchParams(location.search).getAll('ok').length === 1 && location.search.includes('kind=tip')`,
					"the redirect did not land on a clean URL"),
				fitsWidth(),
			)
			var assigned int64
			a.DB.Model(&model.Case{}).Where("assignee_id IS NOT NULL").Count(&assigned)
			if assigned != 3 {
				t.Fatalf("%d cases assigned, want 3", assigned)
			}
			officer.step(t, "queue-by-unit",
				follow(chromedp.CSS(`table.queue a.badge[href="`+unitQueue+`"]`), 200),
				hasText("main", "只显示同一经营单位的案件", "共 3 件"),
			)

			// The case page: the third report is a duplicate of the first.
			first := "/staff/cases/" + strconv.FormatInt(filed[0].ID, 10)
			third := strconv.FormatInt(filed[2].ID, 10)
			officer.step(t, "case-merge",
				open(a.URL+first, 200),
				fitsWidth(),
				follow(chromedp.CSS(`form[action="/staff/cases/`+third+`/merge"] button`), 200),
				onPage(regexp.MustCompile(`^/staff/cases/`+strconv.FormatInt(filed[0].ID, 10)+`$`), nil),
				hasText("p.notice.ok", "已合并"),
			)
			officer.step(t, "case-open",
				chromedp.Click(`#act-verify > summary`),
				follow(`form[action$="/act/verify"] button[type=submit]`, 200),
				chromedp.Click(`#act-open_case > summary`),
				follow(`form[action$="/act/open_case"] button[type=submit]`, 200),
				hasText("main .badge.big", "已立案"),
			)
			const conclude = `form[action$="/act/conclude"]`
			officer.step(t, "conclude-refused",
				chromedp.Click(`#act-conclude > summary`),
				chromedp.Click(chromedp.CSS(conclude+` input[name=outcome][value=substantiated]`)),
				chromedp.SendKeys(chromedp.CSS(`#conclude-fine`), "五千"),
				chromedp.SendKeys(chromedp.CSS(`#conclude-public_notice`), "经查电子秤计量失准，已责令整改。"),
				chromedp.SendKeys(chromedp.CSS(`#conclude-reason`), "经查属实，罚款5000元，感谢您的举报。"),
				follow(chromedp.CSS(conclude+` button[type=submit]`), 422),
				hasText(".error-summary", "未能提交", "金额"),
				holds(`document.querySelector('.error-summary').getBoundingClientRect().top < document.querySelector('#act-conclude').getBoundingClientRect().top`,
					"the error summary is not above the form"),
				holds(`document.querySelector('.error-summary').getBoundingClientRect().top < innerHeight`, "the error summary is below the fold"),
				holds(`document.querySelector('#conclude-public_notice').value === '经查电子秤计量失准，已责令整改。' && document.querySelector('#conclude-reason').value === '经查属实，罚款5000元，感谢您的举报。' && document.querySelector('#conclude-fine').value === '五千'`,
					"what was typed is gone"),
				chromedp.Click(`.error-summary a[href="#conclude-fine"]`),
				holds(`location.hash === '#conclude-fine'`, "the summary's link does not lead to the field"),
				fitsWidth(),
			)
			officer.step(t, "concluded",
				chromedp.SetValue(`#conclude-fine`, "5000"),
				choose(`#conclude-unit_measure`, "暂停示范资格"),
				follow(chromedp.CSS(conclude+` button[type=submit]`), 200),
				hasText("main .badge.big", "已办结"),
				hasText("p.notice.ok", "已办结"),
				hasText("main", "经查电子秤计量失准，已责令整改。"),
			)
			citizen := b.person(t, "citizen", phone())
			citizen.step(t, "scan",
				open(a.URL+a.ScanPath(model.QRUnit, unitID), 200),
				hasText("main", "示范资格已暂停", "经查电子秤计量失准，已责令整改。"),
				lacks("main", "罚款5000元"),
				lacks("main", "感谢您的举报"),
			)
		})
	}
}
