package e2e

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

// TestTrackingLikeTwelve315: on a phone and a wide screen, a complainant
// sees where the complaint stands, by when and what comes next; adds
// information; withdraws it; rates the handling, once.
func TestTrackingLikeTwelve315(t *testing.T) {
	for _, screen := range screens() {
		t.Run(screen.name, func(t *testing.T) {
			a := apptest.New(t)
			v := a.Browser()
			v.Get("/report")
			key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]
			v.PostMultipart("/report", apptest.Form("kind", "complaint", "category", "short_weight", "incident_at", incidentAnHourAgo(),
				"description", "买了两斤排骨，回家复称只有一斤七两。", "idempotency_key", key, "district_id", a.DistrictID("320412"),
				"business_name", "湖塘菜场 12号", "business_address", "武进区湖塘镇", "reporter_name", "刘女士",
				"reporter_phone", "13700001234", "reporter_address", "武进区花园街1号", "request", "退还差价"))
			v.Expect(http.StatusCreated)
			code := regexp.MustCompile(`id="access-code">(\d{8})<`).FindStringSubmatch(v.Last.Body)[1]
			tracking := regexp.MustCompile(`id="tracking">([^<]+)<`).FindStringSubmatch(v.Last.Body)[1]

			b := newBrowser(t)
			b.do(t, screen.size)
			b.step(t, "where-it-stands",
				open(a.URL+"/track", 200),
				chromedp.SendKeys(chromedp.CSS("#tracking_number"), tracking),
				chromedp.SendKeys(chromedp.CSS("#access_code"), code),
				follow(`form[action="/track"] button[type=submit]`, 200),
				hasText(`ol.track-steps li[aria-current=step]`, "已收到"),
				hasText("ol.track-steps", "已受理", "已办结"),
				hasText("p.next", "决定是否受理您的投诉"),
				hasText("p.due", "作出受理（立案）决定的期限"),
			)
			b.step(t, "adds-information",
				chromedp.SendKeys(chromedp.CSS("#info"), "小票在我这里，可以提供。"),
				follow(`form[action="/track/info"] button[type=submit]`, 200),
				hasText("p.notice", "补充情况已提交"),
				hasText("ul.timeline", "举报人补充情况", "小票在我这里，可以提供。"),
			)
			b.step(t, "withdraws",
				chromedp.Click(chromedp.CSS("details.track-act summary")),
				chromedp.SendKeys(chromedp.CSS("#reason"), "商家已经退款"),
				follow(`form[action="/track/withdraw"] button[type=submit]`, 200),
				hasText("p.notice", "投诉已撤回"),
				hasText("ul.timeline", "投诉人撤回投诉", "商家已经退款"),
			)
			b.step(t, "rates",
				chromedp.Click(chromedp.CSS(`input[name=score][value="5"]`)),
				follow(`form[action="/track/rate"] button[type=submit]`, 200),
				hasText("p.notice", "谢谢您的评价"),
				hasText("#rated", "非常满意"),
				lacks("main", "您对这次处理满意吗？"),
			)
			var ratings int64
			a.DB.Model(&model.CaseRating{}).Count(&ratings)
			if ratings != 1 {
				t.Fatalf("%d ratings, want 1", ratings)
			}
		})
	}
}
