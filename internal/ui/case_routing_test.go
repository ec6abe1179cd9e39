package ui_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/cases"
	"honestmeasure/internal/model"
	"honestmeasure/internal/workdays"
)

// submitTip files a tip about the first instrument of unit through the form
// and returns its case.
func submitTip(t *testing.T, a *apptest.App, ins model.Instrument, extra ...string) model.Case {
	t.Helper()
	return submitReport(t, a, ins, "tip", extra...)
}

// submitReport files a report of kind about ins through the form and
// returns its case.
func submitReport(t *testing.T, a *apptest.App, ins model.Instrument, kind string, extra ...string) model.Case {
	t.Helper()
	v := a.Browser()
	token := a.ScanPath(model.QRInstrument, ins.ID)[len("/Q/"):]
	v.Get("/report?t=" + token)
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]
	v.PostMultipart("/report", reportFields(kind, append([]string{"t", token, "idempotency_key", key}, extra...)...))
	v.Expect(http.StatusCreated)
	tracking, _ := receipt(t, v)
	var r model.Report
	a.DB.Where("tracking_no = ?", tracking).Take(&r)
	var c model.Case
	a.DB.Where("report_id = ?", r.ID).Take(&c)
	return c
}

func staffBrowser(t *testing.T, a *apptest.App, login string, role model.Role, agency string) *apptest.Browser {
	t.Helper()
	a.CreateUser(login, "staff-password", role, agency)
	b := a.Browser()
	b.Login(login, "staff-password")
	return b
}

func TestReturnRerouteAndTransfer(t *testing.T) {
	a := apptest.New(t)
	_, _, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	cs := submitTip(t, a, ins[0])
	path := "/staff/cases/" + strconv.FormatInt(cs.ID, 10)
	tn := staffBrowser(t, a, "tn@example.org", model.RoleOfficer, "cz-tianning")
	zl := staffBrowser(t, a, "zl@example.org", model.RoleOfficer, "cz-zhonglou")
	admin := staffBrowser(t, a, "admin@example.org", model.RoleCityAdmin, "")

	// An officer may not transfer; a reason is needed to send a case back.
	tn.Get(path)
	if r := tn.Post(path+"/transfer", form("agency", "cz-zhonglou", "reason", "x")); r.Status != http.StatusNotFound {
		t.Fatalf("officer transfer: %d", r.Status)
	}
	tn.Submit(path, path+"/act/return", form("reason", ""))
	tn.Expect(http.StatusUnprocessableEntity, "请填写原因")
	tn.Submit(path, path+"/act/return", form("reason", "摊位实际位于钟楼区"))
	tn.Expect(http.StatusOK, "退回待转办")

	// The city admin gives it to Zhonglou: it arrives there as new, and Tianning loses sight of it.
	admin.Submit(path, path+"/reroute", form("agency", "cz-zhonglou", "reason", "经核实属钟楼区管辖"))
	admin.Expect(http.StatusOK, "已转办", "待处理")
	zl.Get("/staff/queue")
	zl.Expect(http.StatusOK)
	if !strings.Contains(zl.Last.Body, "/staff/cases/"+strconv.FormatInt(cs.ID, 10)) {
		t.Fatal("re-routed case not in the new agency's queue")
	}
	if r := tn.Get(path); r.Status != http.StatusNotFound {
		t.Fatalf("old agency still opens the case: %d", r.Status)
	}

	// A Zhonglou supervisor transfers it on to the detachment.
	sup := staffBrowser(t, a, "sup@example.org", model.RoleSupervisor, "cz-zhonglou")
	sup.Submit(path, path+"/transfer", form("agency", "cz-detachment", "reason", "涉嫌作弊器具，移交执法支队"))
	sup.Expect(http.StatusOK, "已转办")
	var moved model.Case
	a.DB.Take(&moved, cs.ID)
	det, _ := a.Store.AgencyByCode(t.Context(), "cz-detachment")
	if moved.AgencyID != det.ID || moved.AssigneeID != nil {
		t.Fatalf("after transfer %+v", moved)
	}
	var transfers int64
	a.DB.Model(&model.AuditEntry{}).Where("action = ?", "case_transfer").Count(&transfers)
	var events int64
	a.DB.Model(&model.CaseEvent{}).Where("case_id = ? AND kind = ? AND public = ?", cs.ID, "transfer", true).Count(&events)
	if transfers != 2 || events != 2 {
		t.Fatalf("%d audit entries and %d timeline entries for two transfers", transfers, events)
	}
}

func TestMergeKeepsBothReportersInformed(t *testing.T) {
	a := apptest.New(t)
	_, _, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	first := submitTip(t, a, ins[0], "reporter_name", "甲", "reporter_email", "first@example.com")
	second := submitTip(t, a, ins[1], "reporter_name", "乙", "reporter_email", "second@example.com")
	tn := staffBrowser(t, a, "tn@example.org", model.RoleOfficer, "cz-tianning")
	path := "/staff/cases/" + strconv.FormatInt(second.ID, 10)
	tn.Get(path)
	tn.Expect(http.StatusOK, "可能重复")
	tn.Submit(path, path+"/merge", form("into", "nope"))
	tn.Expect(http.StatusUnprocessableEntity, "请填写本单位另一件办理中案件的受理编号")
	var firstReport model.Report
	a.DB.Take(&firstReport, first.ReportID)
	tn.Submit(path, path+"/merge", form("into", firstReport.TrackingNo))
	tn.Expect(http.StatusOK, "已合并")
	var merged model.Case
	a.DB.Take(&merged, second.ID)
	if merged.Status != model.CaseMerged || merged.DuplicateOfCaseID == nil || *merged.DuplicateOfCaseID != first.ID {
		t.Fatalf("merged case %+v", merged)
	}
	firstPath := "/staff/cases/" + strconv.FormatInt(first.ID, 10)
	tn.Submit(firstPath, firstPath+"/act/verify", nil)
	var updates int64
	a.DB.Model(&model.OutboxMessage{}).Where("event = ? AND recipient = ?", "case.updated", "second@example.com").Count(&updates)
	if updates != 2 { // merged, then the first case's verification
		t.Fatalf("%d updates to the merged reporter, want 2", updates)
	}
}

func TestRewardEligibility(t *testing.T) {
	a := apptest.New(t)
	_, _, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	named := submitTip(t, a, ins[0], "reporter_name", "王五", "reporter_phone", "13700000000")
	tn := staffBrowser(t, a, "tn@example.org", model.RoleOfficer, "cz-tianning")
	path := "/staff/cases/" + strconv.FormatInt(named.ID, 10)
	tn.Submit(path, path+"/update/reward", form("level", "1", "amount", "1000"))
	tn.Expect(http.StatusUnprocessableEntity, "只有举报属实")
	tn.Submit(path, path+"/act/verify", nil)
	tn.Submit(path, path+"/act/open_case", nil)
	tn.Submit(path, path+"/act/conclude", form("outcome", "substantiated", "fine", "200000"))
	tn.Submit(path, path+"/update/reward", form("level", "1", "amount", "500"))
	tn.Expect(http.StatusUnprocessableEntity, "金额须不低于该等级的 1000 元")
	tn.Submit(path, path+"/update/reward", form("level", "1", "amount", "2000"))
	tn.Expect(http.StatusOK, "已记录奖励资格")
	var c model.Case
	a.DB.Take(&c, named.ID)
	if !c.RewardEligible || c.RewardLevel != 1 || c.RewardAmountCents == nil || *c.RewardAmountCents != 200000 {
		t.Fatalf("reward not recorded: %+v", c)
	}
}

// returnedCase files a tip, has Tianning send it back, and returns it with
// its page path.
func returnedCase(t *testing.T, a *apptest.App) (model.Case, string) {
	t.Helper()
	_, _, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	cs := submitTip(t, a, ins[0])
	path := "/staff/cases/" + strconv.FormatInt(cs.ID, 10)
	tn := staffBrowser(t, a, "tn@example.org", model.RoleOfficer, "cz-tianning")
	tn.Submit(path, path+"/act/return", form("reason", "摊位实际位于钟楼区"))
	tn.Expect(http.StatusOK, "退回待转办")
	return cs, path
}

// A case sent back for re-routing is the city admin's to place: its own
// agency's supervisor can neither see a transfer button nor transfer it.
func TestReturnedCaseCannotBeTransferred(t *testing.T) {
	a := apptest.New(t)
	cs, path := returnedCase(t, a)
	sup := staffBrowser(t, a, "tnsup@example.org", model.RoleSupervisor, "cz-tianning")
	sup.Get(path)
	sup.Expect(http.StatusOK)
	if strings.Contains(sup.Last.Body, path+"/transfer") {
		t.Fatal("the page offers to transfer a returned case")
	}
	sup.Submit(path, path+"/transfer", form("agency", "cz-zhonglou", "reason", "不属本局"))
	if sup.Last.Status != http.StatusConflict {
		t.Fatalf("transfer of a returned case: %d", sup.Last.Status)
	}
	var after model.Case
	a.DB.Take(&after, cs.ID)
	if after.AgencyID != cs.AgencyID || after.Status != model.CaseReturned {
		t.Fatalf("returned case moved: agency %d→%d, status %s", cs.AgencyID, after.AgencyID, after.Status)
	}
}

// Re-routing on day 20 gives the new agency a whole decision period again.
func TestRerouteRestartsTheDecisionPeriod(t *testing.T) {
	a := apptest.New(t)
	cs, path := returnedCase(t, a)
	a.Advance(20 * 24 * time.Hour)
	admin := staffBrowser(t, a, "admin@example.org", model.RoleCityAdmin, "")
	admin.Submit(path, path+"/reroute", form("agency", "cz-zhonglou", "reason", "经核实属钟楼区管辖"))
	admin.Expect(http.StatusOK, "已转办")
	var after model.Case
	a.DB.Take(&after, cs.ID)
	days, err := a.Store.Holidays(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	cal := workdays.New(days)
	want := cases.DecisionDue(cal, model.KindTip, a.Now())
	if after.DueAt == nil || !after.DueAt.Equal(want) || !after.DecisionDueAt.Equal(want) {
		t.Fatalf("after re-routing on day 20: due %v, decision due %v; want both %v", after.DueAt, after.DecisionDueAt, want)
	}
}

// Ticking cases in the queue records each assignment as the case page does
// (a timeline entry and an audit entry per case) and passes over closed ones.
func TestBulkAssignmentLikeSingle(t *testing.T) {
	a := apptest.New(t)
	_, _, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	open := submitTip(t, a, ins[0])
	closed := submitTip(t, a, ins[1])
	a.DB.Model(&model.Case{}).Where("id = ?", closed.ID).Updates(map[string]any{"status": model.CaseClosed, "due_at": nil})
	officer := a.CreateUser("tn2@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	sup := staffBrowser(t, a, "tnsup@example.org", model.RoleSupervisor, "cz-tianning")
	ticked := form("assignee_id", strconv.FormatInt(officer.ID, 10))
	ticked["case_id"] = []string{strconv.FormatInt(open.ID, 10), strconv.FormatInt(closed.ID, 10)}
	sup.Submit("/staff/queue", "/staff/queue/assign", ticked)
	sup.Expect(http.StatusOK)
	var after model.Case
	a.DB.Take(&after, open.ID)
	if after.AssigneeID == nil || *after.AssigneeID != officer.ID {
		t.Fatalf("open case not assigned: %+v", after)
	}
	var stillClosed model.Case
	a.DB.Take(&stillClosed, closed.ID)
	if stillClosed.AssigneeID != nil {
		t.Fatalf("a closed case was assigned: %+v", stillClosed)
	}
	var events, entries int64
	a.DB.Model(&model.CaseEvent{}).Where("case_id = ? AND kind = ?", open.ID, "assign").Count(&events)
	a.DB.Model(&model.AuditEntry{}).Where("action = ? AND object_id = ?", "case_assign", strconv.FormatInt(open.ID, 10)).Count(&entries)
	if events != 1 || entries != 1 {
		t.Fatalf("bulk assignment left %d timeline and %d audit entries on the case, want 1 and 1", events, entries)
	}
}
