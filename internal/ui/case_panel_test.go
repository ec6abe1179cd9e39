package ui_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

// TestCasePanelRefusalOnTop: a refused conclusion answers with the error
// summary above the actions, linking to the field, the conclusion form open
// and everything typed still there; only the offered actions are drawn.
func TestCasePanelRefusalOnTop(t *testing.T) {
	a := apptest.New(t)
	_, _, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	cs := submitTip(t, a, ins[0])
	path := "/staff/cases/" + strconv.FormatInt(cs.ID, 10)
	tn := staffBrowser(t, a, "tn@example.org", model.RoleOfficer, "cz-tianning")
	tn.Get(path)
	if strings.Contains(tn.Last.Body, path+"/act/conclude") || strings.Contains(tn.Last.Body, path+"/update/assign") {
		t.Fatal("a new tip offers a conclusion, or an officer an assignment")
	}
	tn.Submit(path, path+"/act/verify", nil)
	tn.Expect(http.StatusOK, "已开始核查")
	tn.Submit(path, path+"/act/open_case", nil)
	tn.Submit(path, path+"/act/conclude", form("outcome", "substantiated", "fine", "五千", "reason", "经查属实，罚款五千元", "public_notice", "电子秤计量失准，已责令整改"))
	tn.Expect(http.StatusUnprocessableEntity, "未能提交", `href="#conclude-fine"`, `value="substantiated" checked`,
		"经查属实，罚款五千元", "电子秤计量失准，已责令整改", `value="五千"`, `id="act-conclude" open`)
	body := tn.Last.Body
	if strings.Index(body, "error-summary") > strings.Index(body, `id="act-conclude"`) {
		t.Fatal("the error summary is below the form")
	}
	if strings.Count(body, "经查属实，罚款五千元") != 1 {
		t.Fatal("the typed reason shows in more than its own form")
	}
}

// TestCasePanelMergeRelated: a related report of the same unit is merged
// into this case from its panel; the confirmation says so.
func TestCasePanelMergeRelated(t *testing.T) {
	a := apptest.New(t)
	_, _, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	first := submitTip(t, a, ins[0])
	second := submitTip(t, a, ins[0])
	path := "/staff/cases/" + strconv.FormatInt(first.ID, 10)
	tn := staffBrowser(t, a, "tn@example.org", model.RoleOfficer, "cz-tianning")
	other := "/staff/cases/" + strconv.FormatInt(second.ID, 10) + "/merge"
	tn.Get(path)
	tn.Expect(http.StatusOK, other, "并入本案")
	var r model.Report
	a.DB.Take(&r, first.ReportID)
	tn.Submit(path, other, form("into", r.TrackingNo))
	tn.Expect(http.StatusOK, "已合并")
	if u, _ := url.Parse(tn.Last.URL); u.Path != path {
		t.Fatalf("after the merge: %s", tn.Last.URL)
	}
	var merged model.Case
	a.DB.Take(&merged, second.ID)
	if merged.Status != model.CaseMerged || merged.DuplicateOfCaseID == nil || *merged.DuplicateOfCaseID != first.ID {
		t.Fatalf("merged case %+v", merged)
	}
}

// TestCaseExtensionDate: the extension asks for the date, offers the
// latest the rules allow, refuses a later one with the range, and the
// confirmation and the deadline show the new date.
func TestCaseExtensionDate(t *testing.T) {
	a := apptest.New(t)
	_, _, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	cs := submitTip(t, a, ins[0])
	path := "/staff/cases/" + strconv.FormatInt(cs.ID, 10)
	tn := staffBrowser(t, a, "tn@example.org", model.RoleOfficer, "cz-tianning")
	tn.Get(path)
	tn.Expect(http.StatusOK, `name="until"`, "按规定最晚可延至")
	tn.Submit(path, path+"/update/extend", form("text", "需现场复核", "until", "2099-01-01"))
	tn.Expect(http.StatusUnprocessableEntity, "新的期限须晚于当前期限", "需现场复核")
	day := cs.DecisionDueAt.In(model.Zone).AddDate(0, 0, 3).Format("2006-01-02")
	tn.Submit(path, path+"/update/extend", form("text", "需现场复核", "until", day))
	tn.Expect(http.StatusOK, "已延期，新的办理期限已通知举报人", day, "已延期")
}

// TestQueueSelectAllTakeCleanURL: "select all" without script acts on the
// whole page, "assign to me" gives the cases to the officer, and the
// redirect lands on one clean URL; the unit's count links to its cases.
func TestQueueSelectAllTakeCleanURL(t *testing.T) {
	a := apptest.New(t)
	_, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, strconv.FormatInt(submitTip(t, a, ins[0]).ID, 10))
	}
	tn := staffBrowser(t, a, "tn@example.org", model.RoleOfficer, "cz-tianning")
	tn.Get("/staff/queue")
	unitLink := "/staff/queue?unit=" + strconv.FormatInt(unitID, 10)
	tn.Expect(http.StatusOK, "该单位共 3 件在办", unitLink, `name="all"`, "分配给我", "已 0 天", "受理/立案期限")
	f := url.Values{"all": {"1"}, "take": {"1"}, "back": {"/staff/queue?"}, "page_id": ids}
	tn.Submit("/staff/queue", "/staff/queue/assign", f)
	tn.Expect(http.StatusOK, "已把选中的案件分配给你")
	if !strings.HasSuffix(tn.Last.URL, "/staff/queue?ok=taken") {
		t.Fatalf("landed on %s", tn.Last.URL)
	}
	var n int64
	a.DB.Model(&model.Case{}).Where("assignee_id IS NOT NULL").Count(&n)
	if n != 3 {
		t.Fatalf("%d cases taken, want 3", n)
	}
	// Again from the confirmation's URL: still one ok.
	tn.Submit(tn.Last.URL, "/staff/queue/assign", url.Values{"take": {"1"}, "back": {"/staff/queue?ok=taken&kind=tip"}, "case_id": ids[:1]})
	if u, _ := url.Parse(tn.Last.URL); len(u.Query()["ok"]) != 1 || strings.Contains(tn.Last.URL, "??") {
		t.Fatalf("landed on %s", tn.Last.URL)
	}
	tn.Get(unitLink)
	tn.Expect(http.StatusOK, "只显示同一经营单位的案件", "共 3 件")
}

// TestReplyTemplates: the city admin keeps reply templates per category;
// a case of that category lists them with their text and "use" fills the
// reply.
func TestReplyTemplates(t *testing.T) {
	a := apptest.New(t)
	_, _, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	cs := submitTip(t, a, ins[0])
	admin := staffBrowser(t, a, "admin@example.org", model.RoleCityAdmin, "")
	admin.Get("/admin")
	admin.Expect(http.StatusOK, "/admin/reply-templates")
	admin.Submit("/admin/reply-templates", "/admin/reply-templates", form("category", "", "title", "核实属实", "body", ""))
	admin.Expect(http.StatusUnprocessableEntity, "核实属实", "请从列表中选择", "请填写此项")
	admin.Submit("/admin/reply-templates", "/admin/reply-templates", form("category", string(cs.Category), "title", "核实属实", "body", "经核查，您反映的情况属实，我局已依法处理。"))
	admin.Expect(http.StatusOK, "答复模板已添加", "经核查，您反映的情况属实")
	var tpl model.ReplyTemplate
	a.DB.Take(&tpl)
	edit := "/admin/reply-templates/" + strconv.FormatInt(tpl.ID, 10)
	admin.Submit(edit+"/edit", edit, form("category", string(cs.Category), "title", "核实属实", "body", "经核查，情况属实，已依法处理。"))
	admin.Expect(http.StatusOK, "答复模板已保存", "经核查，情况属实，已依法处理。")

	tn := staffBrowser(t, a, "tn@example.org", model.RoleOfficer, "cz-tianning")
	path := "/staff/cases/" + strconv.FormatInt(cs.ID, 10)
	tn.Get(path)
	tn.Expect(http.StatusOK, "核实属实", "经核查，情况属实，已依法处理。", "?template="+strconv.FormatInt(tpl.ID, 10))
	tn.Get(path + "?template=" + strconv.FormatInt(tpl.ID, 10))
	tn.Expect(http.StatusOK, `name="text" rows="4" maxlength="2000">经核查，情况属实，已依法处理。</textarea>`)

	admin.Submit("/admin/reply-templates", edit+"/delete", nil)
	admin.Expect(http.StatusOK, "答复模板已删除", "还没有答复模板")
	var audited int64
	a.DB.Model(&model.AuditEntry{}).Where("action = ?", "reply_template_change").Count(&audited)
	if audited != 3 {
		t.Fatalf("%d audit entries, want 3", audited)
	}
}

// TestTipFromComplaint: a complaint that reveals a violation opens a tip
// about the same unit; the complaint keeps its status, and both the
// complaint's timeline and the audit log record it.
func TestTipFromComplaint(t *testing.T) {
	a := apptest.New(t)
	_, _, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	complaint := submitComplaint(t, a, ins[0])
	path := "/staff/cases/" + strconv.FormatInt(complaint.ID, 10)
	tn := staffBrowser(t, a, "tn@example.org", model.RoleOfficer, "cz-tianning")
	tn.Get(path)
	tn.Expect(http.StatusOK, "转为举报线索")
	tn.Submit(path, path+"/tip", form("tip_text", " "))
	tn.Expect(http.StatusUnprocessableEntity, "请填写此项", `href="#tip-tip_text"`)
	tn.Submit(path, path+"/tip", form("tip_text", "秤内加装遥控作弊装置"))
	tn.Expect(http.StatusOK, "已另立举报线索", "举报违法行为", "秤内加装遥控作弊装置")
	var tip model.Case
	a.DB.Where("kind = ?", model.KindTip).Take(&tip)
	var tipReport, complaintReport model.Report
	a.DB.Take(&tipReport, tip.ReportID)
	a.DB.Take(&complaintReport, complaint.ReportID)
	if tipReport.UnitID == nil || *tipReport.UnitID != *complaintReport.UnitID || tip.Category != complaint.Category {
		t.Fatalf("tip %+v about %+v", tip, tipReport)
	}
	var after model.Case
	a.DB.Take(&after, complaint.ID)
	if after.Status != complaint.Status || after.Kind != model.KindComplaint {
		t.Fatalf("the complaint changed: %+v", after)
	}
	var events, audited int64
	a.DB.Model(&model.CaseEvent{}).Where("case_id = ? AND kind = ?", complaint.ID, "tip_opened").Count(&events)
	a.DB.Model(&model.AuditEntry{}).Where("action = ? AND object_id = ?", "case_tip", strconv.FormatInt(complaint.ID, 10)).Count(&audited)
	if events != 1 || audited != 1 {
		t.Fatalf("%d timeline events, %d audit entries; want 1 and 1", events, audited)
	}
	// A tip offers no such thing.
	tn.Get("/staff/cases/" + strconv.FormatInt(tip.ID, 10))
	if strings.Contains(tn.Last.Body, "/tip\"") {
		t.Fatal("a tip offers to open a tip")
	}
}

func submitComplaint(t *testing.T, a *apptest.App, ins model.Instrument) model.Case {
	t.Helper()
	return submitReport(t, a, ins, "complaint", "reporter_name", "孙先生", "reporter_phone", "13600005678",
		"reporter_address", "常州市天宁区青龙路1号", "request", "退还差价")
}
