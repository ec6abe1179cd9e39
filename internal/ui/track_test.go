package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/photos/phototest"
	"honestmeasure/internal/storage"
)

// On the tracking page a complainant adds information, withdraws the
// complaint, then rates the handling, once; each is checked against the
// tracking number and access code again, and recorded where the officer
// (and the dashboard) can see it.
func TestReporterActsOnTheTrackingPage(t *testing.T) {
	a := apptest.New(t)
	v := a.Browser()
	tracking, code := fileReport(v, a.DistrictID("320412"), reportFields("complaint",
		"business_name", "湖塘菜场 12号", "business_address", "武进区湖塘镇", "reporter_name", "刘女士",
		"reporter_phone", "13700001234", "reporter_address", "武进区花园街1号", "request", "退还差价"))
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
	tracking, _ := fileReport(v, a.DistrictID("320412"), reportFields("complaint",
		"business_name", "湖塘菜场 12号", "business_address", "武进区湖塘镇", "reporter_name", "刘女士",
		"reporter_phone", "13700001234", "reporter_address", "武进区花园街1号", "request", "退还差价"))

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

// The reporter adds photos while the case is open: they join the report's
// own, the officer sees them, a photo that cannot be used is left out and
// named, and the report's total stays bounded.
func TestReporterAddsPhotos(t *testing.T) {
	a := apptest.New(t)
	v := a.Browser()
	tracking, code := fileReport(v, a.DistrictID("320402"), reportFields("tip",
		"business_name", "红梅菜场 3号", "business_address", "天宁区红梅路", "anonymous", "yes"))
	fields := func(kv ...string) url.Values {
		return form(append([]string{"tracking_number", tracking, "access_code", code}, kv...)...)
	}
	photo := func(name string) apptest.File {
		return apptest.File{Field: "photos", Name: name, Data: phototest.JPEG(320, 240, 0x22, false)}
	}

	v.Post("/track", fields())
	v.Expect(http.StatusOK, `enctype="multipart/form-data"`, `name="photos"`)
	v.PostMultipart("/track/info", fields("info", "又去看了，秤还在用。"), photo("a.jpg"), photo("b.jpg"),
		apptest.File{Field: "photos", Name: "c.jpg", Data: []byte("not a picture")})
	v.Expect(http.StatusOK, "补充情况已提交", "其余内容已经补充，但下面的照片用不了", "又去看了，秤还在用。", "（补充了 2 张照片）")
	r, err := a.Store.ReportByTrackingNo(t.Context(), tracking)
	if err != nil {
		t.Fatal(err)
	}
	if ps, err := a.Store.ReportPhotos(t.Context(), r.ID); err != nil || len(ps) != 2 || ps[1].Seq != 2 {
		t.Fatalf("report photos after adding: %+v %v", ps, err)
	}
	// Nothing to add is a problem beside the field, the text kept.
	v.PostMultipart("/track/info", fields("info", ""))
	v.Expect(http.StatusUnprocessableEntity, "请写下要补充的情况，或选择照片。")
	// The report's photos are bounded: 2 + 5 + 3 = 10, then no room.
	v.PostMultipart("/track/info", fields(), photo("1.jpg"), photo("2.jpg"), photo("3.jpg"), photo("4.jpg"), photo("5.jpg"))
	v.Expect(http.StatusOK, "（补充了 5 张照片）")
	v.PostMultipart("/track/info", fields(), photo("6.jpg"), photo("7.jpg"), photo("8.jpg"), photo("9.jpg"))
	v.Expect(http.StatusUnprocessableEntity, "每件举报投诉最多 10 张照片，还能补充 3 张。")
	v.PostMultipart("/track/info", fields("info", "最后三张"), photo("6.jpg"), photo("7.jpg"), photo("8.jpg"))
	v.Expect(http.StatusOK, "（补充了 3 张照片）")
	if ps, _ := a.Store.ReportPhotos(t.Context(), r.ID); len(ps) != 10 {
		t.Fatalf("%d photos, want 10", len(ps))
	}
}

// fileReport files fields through the report form in district and returns
// the receipt's tracking number and access code.
func fileReport(v *apptest.Browser, district string, fields url.Values) (tracking, code string) {
	v.Get("/report")
	fields.Set("idempotency_key", regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1])
	fields.Set("district_id", district)
	v.PostMultipart("/report", fields)
	v.Expect(http.StatusCreated)
	code = regexp.MustCompile(`id="access-code">(\d{8})<`).FindStringSubmatch(v.Last.Body)[1]
	tracking = regexp.MustCompile(`id="tracking">([^<]+)<`).FindStringSubmatch(v.Last.Body)[1]
	return tracking, code
}
