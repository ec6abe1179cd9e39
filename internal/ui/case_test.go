package ui_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
)

// TestCaseFromQueueToSuspension: a tip about a Tianning unit reaches the
// Tianning queue only; the officer checks it, opens a case and concludes it
// with the unit suspended, which the scan page shows at once.
func TestCaseFromQueueToSuspension(t *testing.T) {
	a := apptest.New(t)
	_, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	unitPath, instPath := scanPaths(t, a, unitID, ins)
	// The Tianning bureau takes e-mail and has its own case system.
	a.DB.Model(&model.Agency{}).Where("code = ?", "cz-tianning").
		Updates(map[string]any{"email": "tips@tianning.example.gov.cn", "webhook_url": "https://cases.tianning.example.gov.cn/hook"})
	v := a.Browser()
	v.Get("/report?t=" + instPath[len("/Q/"):])
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]
	v.PostMultipart("/report", reportFields("tip", "t", instPath[len("/Q/"):], "idempotency_key", key,
		"reporter_name", "孙先生", "reporter_phone", "13600005678", "reporter_email", "sun@example.com"))
	v.Expect(http.StatusCreated)
	tracking, code := receipt(t, v)

	a.CreateUser("tn@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	a.CreateUser("zl@example.org", "officer-pass", model.RoleOfficer, "cz-zhonglou")
	tn, zl := a.Browser(), a.Browser()
	tn.Login("tn@example.org", "officer-pass")
	zl.Login("zl@example.org", "officer-pass")
	tn.Get("/staff/queue")
	tn.Expect(http.StatusOK, tracking)
	zl.Get("/staff/queue")
	if strings.Contains(zl.Last.Body, tracking) {
		t.Fatal("another district's officer sees the case")
	}
	var c model.Case
	a.DB.Take(&c)
	casePath := "/staff/cases/" + strconv.FormatInt(c.ID, 10)

	// The supervisor assigns it; the queue names the assignee.
	officer := a.CreateUser("tn2@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	officer.DisplayName = "王科员"
	a.DB.Save(officer)
	a.CreateUser("tnsup@example.org", "officer-pass", model.RoleSupervisor, "cz-tianning")
	sup := a.Browser()
	sup.Login("tnsup@example.org", "officer-pass")
	sup.Submit("/staff/queue", "/staff/queue/assign", form("case_id", strconv.FormatInt(c.ID, 10), "assignee_id", strconv.FormatInt(officer.ID, 10)))
	sup.Expect(http.StatusOK, tracking, "王科员")
	tn.Get("/staff/queue")
	tn.Expect(http.StatusOK, tracking, "王科员")
	if r := zl.Get(casePath); r.Status != http.StatusNotFound {
		t.Fatalf("other agency opens the case: %d", r.Status)
	}
	if r := zl.Get(casePath + "/photos/1"); r.Status != http.StatusNotFound {
		t.Fatalf("other agency gets a photo: %d", r.Status)
	}

	tn.Get(casePath)
	tn.Expect(http.StatusOK, tracking, "孙先生", "13600005678", "CZ-01")
	// Concluding a case never opened: a clear message, nothing changes.
	tn.Post(casePath+"/act/conclude", form("outcome", "substantiated"))
	tn.Expect(http.StatusConflict, "当前状态下不能进行这个操作")
	tn.Submit(casePath, casePath+"/act/verify", nil)
	tn.Expect(http.StatusOK, "核查中")
	tn.Submit(casePath, casePath+"/act/open_case", nil)
	tn.Expect(http.StatusOK, "已立案")
	conclude := form("outcome", "substantiated", "fine", "5000", "instrument_measure", "sealed",
		"unit_measure", "suspended", "reason", "罚款5000元，感谢孙先生的举报", "public_notice", "计价秤被改装，已封存")
	// The reason names the reporter: the moderation gate holds it, shows
	// the name highlighted and keeps everything typed.
	tn.Submit(casePath, casePath+"/act/conclude", conclude)
	tn.Expect(http.StatusUnprocessableEntity, "发现个人信息", "<mark>孙先生</mark>", "罚款5000元，感谢＊＊＊的举报", "计价秤被改装，已封存")
	var held model.Case
	if a.DB.Take(&held, c.ID); held.Status != model.CaseOpened {
		t.Fatalf("a held conclusion changed the case: %s", held.Status)
	}
	digest := regexp.MustCompile(`name="confirm_mask" value="([0-9a-f]+)"`).FindStringSubmatch(tn.Last.Body)
	if digest == nil {
		t.Fatal("no confirmation box")
	}
	conclude.Set("confirm_mask", digest[1])
	tn.Post(casePath+"/act/conclude", conclude)
	tn.Expect(http.StatusOK, "已办结", "处理结果已通知举报人", "已遮盖个人信息的公开文字")
	if strings.Contains(tn.Last.Body, "查看原文") || strings.Contains(tn.Last.Body, "更正已公开的文字") {
		t.Error("an officer is offered the original or a correction")
	}
	// The supervisor may read the original and correct what was published.
	sup.Get(casePath)
	sup.Expect(http.StatusOK, "查看原文", "更正已公开的文字")
	sup.Post(casePath+"/update/correct", form("place", "notice", "text", "计价秤被改装，已依法封存", "reason", ""))
	sup.Expect(http.StatusUnprocessableEntity, "计价秤被改装，已依法封存")
	sup.Post(casePath+"/update/correct", form("place", "notice", "text", "计价秤被改装，已依法封存", "reason", "措辞更准确"))
	sup.Expect(http.StatusOK, "已更正公开的文字")
	c = model.Case{} // GORM leaves a pointer field as it was when the column is NULL
	a.DB.Take(&c)
	if c.Status != model.CaseConcluded || c.FineCents == nil || *c.FineCents != 500000 || c.UnitMeasure != "suspended" || c.DueAt != nil {
		t.Fatalf("concluded case %+v", c)
	}
	v.Get(unitPath)
	v.Expect(http.StatusOK, "示范资格已暂停", "计价秤被改装，已依法封存", "编辑）")
	// The public reads the public notice, never what the reporter is told.
	if strings.Contains(v.Last.Body, "罚款") || strings.Contains(v.Last.Body, "孙先生") {
		t.Fatal("the scan page shows the explanation meant for the reporter")
	}
	tn.Submit(casePath, casePath+"/update/reply", form("text", "经查属实，已依法处理。"))
	v.Submit("/track", "/track", form("tracking_number", tracking, "access_code", code))
	v.Expect(http.StatusOK, "已办结", "立案", "经查属实，已依法处理。", "感谢＊＊＊的举报", "编辑）")
	if strings.Contains(v.Last.Body, "孙先生") {
		t.Error("the tracking page shows the reporter's name the gate masked")
	}
	if n := strings.Count(v.Last.Body, "经查属实，已依法处理。"); n != 1 {
		t.Errorf("the reply appears %d times on the tracking page, want once", n)
	}
	if strings.Contains(v.Last.Body, "内部") {
		t.Error("internal events shown to the reporter")
	}

	// Exports never carry the reporter's contact details.
	tn.Get("/staff/queue.csv?status=concluded")
	if tn.Last.Status != 200 || !strings.Contains(tn.Last.Body, tracking) || strings.Contains(tn.Last.Body, "13600005678") {
		t.Fatalf("csv export: %d\n%s", tn.Last.Status, tn.Last.Body)
	}
	if r := tn.Get("/staff/queue.xlsx?status=concluded"); r.Status != 200 || !strings.HasPrefix(r.Body, "PK") {
		t.Fatalf("xlsx export: %d", r.Status)
	}

	// Notifications were queued with each change: the bureau by e-mail and
	// webhook on routing, the reporter on receipt and on every public step,
	// by e-mail and by text message; the reporter's number is only ever
	// the address of a text message to them.
	var msgs []model.OutboxMessage
	a.DB.Order("id").Find(&msgs)
	byKey := map[string]int{}
	for _, m := range msgs {
		byKey[m.Channel+" "+m.Event+" "+m.Recipient]++
		if strings.Contains(m.Body, "13600005678") && !(m.Channel == "sms" && m.Recipient == "13600005678") {
			t.Errorf("a notice carries the reporter's phone: %s %s", m.Channel, m.Event)
		}
	}
	for key, want := range map[string]int{
		"email report.routed tips@tianning.example.gov.cn":                 1,
		"webhook report.routed https://cases.tianning.example.gov.cn/hook": 1,
		"email report.received sun@example.com":                            1,
		"email case.updated sun@example.com":                               4, // verify, open, conclude, reply
		"sms report.received 13600005678":                                  1,
		"sms case.updated 13600005678":                                     4,
	} {
		if byKey[key] != want {
			t.Errorf("%d outbox messages %q, want %d (all: %v)", byKey[key], key, want, byKey)
		}
	}

	// Who did what is on record, in an unbroken chain.
	counts := map[string]int{}
	var entries []model.AuditEntry
	a.DB.Order("id").Find(&entries)
	for _, e := range entries {
		counts[e.Action]++
	}
	for action, min := range map[string]int{"login": 2, "case_status": 3, "unit_status": 1, "contact_view": 1, "case_reply": 1, "export": 2} {
		if counts[action] < min {
			t.Errorf("audit log has %d %q entries, want at least %d (all: %v)", counts[action], action, min, counts)
		}
	}
	auditLog, err := audit.New([]byte(apptest.AuditKey))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := auditLog.Verify(context.Background(), a.Store)
	if err != nil || !rep.OK {
		t.Fatalf("audit chain: %+v %v", rep, err)
	}
}
