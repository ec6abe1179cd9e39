package ui_test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// On the tracking page a complainant adds information, withdraws the
// complaint, then rates the handling, once; each is checked against the
// tracking number and access code again, and recorded where the officer
// (and the dashboard) can see it.
func TestReporterActsOnTheTrackingPage(t *testing.T) {
	a := apptest.New(t)
	v := a.Browser()
	v.Get("/report")
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]
	v.PostMultipart("/report", reportFields("complaint", "idempotency_key", key, "district_id", a.DistrictID("320412"),
		"business_name", "湖塘菜场 12号", "business_address", "武进区湖塘镇", "reporter_name", "刘女士",
		"reporter_phone", "13700001234", "reporter_address", "武进区花园街1号", "request", "退还差价"))
	v.Expect(http.StatusCreated)
	code := regexp.MustCompile(`id="access-code">(\d{8})<`).FindStringSubmatch(v.Last.Body)[1]
	tracking := regexp.MustCompile(`id="tracking">([^<]+)<`).FindStringSubmatch(v.Last.Body)[1]
	me := func(kv ...string) map[string][]string {
		return form(append([]string{"tracking_number", tracking, "access_code", code}, kv...)...)
	}

	v.Post("/track", me())
	v.Expect(http.StatusOK, "补充情况（承办人员会看到）", "撤回投诉")
	v.Post("/track/info", me("info", ""))
	v.Expect(http.StatusUnprocessableEntity, `href="#info"`)
	v.Post("/track/info", me("info", "小票照片在我这里，可以提供。"))
	v.Expect(http.StatusOK, "补充情况已提交", "小票照片在我这里，可以提供。")
	// A wrong code does nothing.
	v.Post("/track/withdraw", form("tracking_number", tracking, "access_code", "00000000"))
	v.Expect(http.StatusNotFound, "没有找到")

	v.Post("/track/withdraw", me("reason", "商家已经退款"))
	v.Expect(http.StatusOK, "投诉已撤回", "您对这次处理满意吗？")
	var c model.Case
	a.DB.Take(&c)
	if c.Status != model.CaseClosed || c.Outcome != "withdrawn" || c.DueAt != nil {
		t.Fatalf("withdrawn case: status %s outcome %q due %v", c.Status, c.Outcome, c.DueAt)
	}
	var events []model.CaseEvent
	a.DB.Where("case_id = ? AND kind IN ?", c.ID, []string{"reporter_info", "withdrawn"}).Order("id").Find(&events)
	if len(events) != 2 || *events[0].Body != "小票照片在我这里，可以提供。" || *events[1].Body != "商家已经退款" {
		t.Fatalf("timeline: %+v", events)
	}
	if r := v.Post("/track/info", me("info", "还有一件事")); r.Status != http.StatusConflict && r.Status != http.StatusUnprocessableEntity {
		t.Errorf("adding to a withdrawn complaint: %d", r.Status)
	}

	v.Post("/track/rate", me("score", "4", "comment", "处理及时"))
	v.Expect(http.StatusOK, "谢谢您的评价", "您已评价： 满意")
	v.Post("/track/rate", me("score", "1"))
	v.Expect(http.StatusUnprocessableEntity, "这一步现在不能做了")
	sat, err := a.Store.SatisfactionBy(t.Context(), storage.StatsScope{From: a.Now().Add(-time.Hour), To: a.Now().Add(time.Hour)}, false)
	if err != nil || len(sat) != 1 || sat[c.AgencyID].Ratings != 1 || sat[c.AgencyID].Satisfied != 1 || sat[c.AgencyID].ScoreSum != 4 {
		t.Fatalf("satisfaction: %+v %v", sat, err)
	}
}

// The tracking page texts a lost access code to the mobile number given
// with the report; the answer never says whether the number matched, and a
// mistyped entry comes back as typed with the problem beside it.
func TestAccessCodeTextedAgain(t *testing.T) {
	a := apptest.New(t)
	v := a.Browser()
	v.Get("/report")
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]
	v.PostMultipart("/report", reportFields("complaint", "idempotency_key", key, "district_id", a.DistrictID("320412"),
		"business_name", "湖塘菜场 12号", "business_address", "武进区湖塘镇", "reporter_name", "刘女士",
		"reporter_phone", "13700001234", "reporter_address", "武进区花园街1号", "request", "退还差价"))
	v.Expect(http.StatusCreated)
	tracking := regexp.MustCompile(`id="tracking">([^<]+)<`).FindStringSubmatch(v.Last.Body)[1]

	v.Get("/track")
	v.Expect(http.StatusOK, "忘记了查询码？", `action="/track/code"`)
	v.Post("/track/code", form("code_tracking_number", tracking, "code_phone", "0519-8888"))
	v.Expect(http.StatusUnprocessableEntity, "请填写 11 位手机号码。", `value="0519-8888"`, `value="`+tracking+`"`, " open>")
	sent := func() int64 {
		var n int64
		a.DB.Model(&model.OutboxMessage{}).Where("event = ?", "report.access_code_again").Count(&n)
		return n
	}
	v.Post("/track/code", form("code_tracking_number", tracking, "code_phone", "139 0000 1234"))
	v.Expect(http.StatusOK, "如果手机号码与该受理编号登记的一致")
	wrongPage := v.Last.Body
	if sent() != 0 {
		t.Fatal("a code was texted to a number that does not match")
	}
	v.Post("/track/code", form("code_tracking_number", tracking, "code_phone", "137 0000 1234"))
	v.Expect(http.StatusOK, "如果手机号码与该受理编号登记的一致")
	if sent() != 1 {
		t.Fatalf("%d codes texted to the reporter's number, want 1", sent())
	}
	if len(wrongPage) != len(v.Last.Body) {
		t.Error("the page for a matching number differs from the page for a wrong one")
	}
}
