package ui_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
)

func TestCaseHandoffBlock(t *testing.T) {
	a := apptest.New(t)
	_, _, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	cs := submitReport(t, a, ins[0], "complaint", "reporter_name", "孙先生", "reporter_phone", "13600005678",
		"reporter_address", "天宁区青洋北路1号", "request", "退还差价")
	path := "/staff/cases/" + strconv.FormatInt(cs.ID, 10)
	tn := staffBrowser(t, a, "tn@example.org", model.RoleOfficer, "cz-tianning")
	zl := staffBrowser(t, a, "zl@example.org", model.RoleOfficer, "cz-zhonglou")

	tn.Get(path)
	tn.Expect(http.StatusOK, "转办 12315/12345", "尚未在 12315 或 12345 登记", `name="registration_no"`)

	// A bad number comes back with the message and what was typed.
	tn.Post(path+"/handoff", form("target", "12345", "registration_no", "CZ<2026>"))
	tn.Expect(http.StatusUnprocessableEntity, "登记编号为 4 至 40 位字母、数字或连字符", `value="CZ&lt;2026&gt;"`, `<option value="12345" selected>`)
	tn.Post(path+"/handoff", form("target", "110", "registration_no", "20260042"))
	tn.Expect(http.StatusUnprocessableEntity, "请从列表中选择", `value="20260042"`)
	var n int64
	a.DB.Model(&model.CaseHandoff{}).Count(&n)
	if n != 0 {
		t.Fatalf("%d hand-offs stored by refused forms", n)
	}

	// Recorded, then corrected; the page shows the current number.
	tn.Submit(path, path+"/handoff", form("target", "12315", "registration_no", "1320400-2026-0042"))
	tn.Expect(http.StatusOK, "转办登记已保存", "1320400-2026-0042", "由 tn@example.org 录入", "已在其他系统登记")
	tn.Submit(path, path+"/handoff", form("target", "12315", "registration_no", "1320400-2026-0024"))
	tn.Expect(http.StatusOK, "1320400-2026-0024", "由 tn@example.org 更正")
	if strings.Contains(tn.Last.Body, "1320400-2026-0042</code>") {
		t.Error("the mistyped number is still shown as current")
	}
	var entries int64
	a.DB.Model(&model.AuditEntry{}).Where("action = ?", audit.ActionCaseHandoff).Count(&entries)
	if entries != 2 {
		t.Errorf("%d audit entries, want 2", entries)
	}

	// Another agency's officer cannot record one.
	zl.Get("/staff/queue")
	if r := zl.Post(path+"/handoff", form("target", "12345", "registration_no", "20260042")); r.Status != http.StatusNotFound {
		t.Errorf("other agency's officer: %d", r.Status)
	}
}

func TestHandoffExportPage(t *testing.T) {
	a := apptest.New(t)
	_, _, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	cs := submitReport(t, a, ins[0], "complaint", "reporter_name", "孙先生", "reporter_phone", "13600005678",
		"reporter_address", "天宁区青洋北路1号", "request", "退还差价")
	a.DB.Model(&model.Case{}).Where("id = ?", cs.ID).UpdateColumn("updated_at", time.Now().UTC().Add(-time.Minute))
	var rep model.Report
	a.DB.Take(&rep, cs.ReportID)
	officer := staffBrowser(t, a, "tn@example.org", model.RoleOfficer, "cz-tianning")
	sup := staffBrowser(t, a, "tnsup@example.org", model.RoleSupervisor, "cz-tianning")
	other := staffBrowser(t, a, "zlsup@example.org", model.RoleSupervisor, "cz-zhonglou")
	admin := staffBrowser(t, a, "admin@example.org", model.RoleCityAdmin, "")

	// The dashboard links the export for those who may take it.
	sup.Get("/staff/dashboard")
	sup.Expect(http.StatusOK, `href="/staff/handoffs/export?format=jsonl"`, `href="/staff/handoffs/export?format=xlsx"`)

	if r := officer.Get("/staff/handoffs/export"); r.Status != http.StatusNotFound {
		t.Errorf("officer: %d", r.Status)
	}
	r := sup.Get("/staff/handoffs/export?format=jsonl")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"external_id":"HM-320400-`+rep.TrackingNo+`"`) ||
		!strings.Contains(r.Body, "13600005678") || r.Header.Get("Cache-Control") != "no-store" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") || r.Header.Get("X-Next-Cursor") == "" {
		t.Fatalf("supervisor's export: %d %v\n%s", r.Status, r.Header, r.Body)
	}
	if r := other.Get("/staff/handoffs/export?format=jsonl"); r.Status != http.StatusOK || strings.TrimSpace(r.Body) != "" {
		t.Errorf("another agency's supervisor got %d %q", r.Status, r.Body)
	}
	if r := admin.Get("/staff/handoffs/export?format=jsonl"); !strings.Contains(r.Body, "13600005678") {
		t.Errorf("city admin's export %q", r.Body)
	}
	if r := sup.Get("/staff/handoffs/export?format=jsonl&limit=99999"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "limit 须为 1 至 5000 之间的数字") {
		t.Errorf("limit too large: %d", r.Status)
	}

	// The reporter's details leave in this export only: not in the queue's.
	for _, p := range []string{"/staff/queue.csv", "/staff/queue.xlsx", "/staff/dashboard.csv?block=status"} {
		if r := sup.Get(p); strings.Contains(r.Body, "13600005678") || strings.Contains(r.Body, "孙先生") {
			t.Errorf("%s carries the reporter's details", p)
		}
	}
	var exports int64
	a.DB.Model(&model.AuditEntry{}).Where("action = ?", audit.ActionHandoffExport).Count(&exports)
	if exports != 3 { // sup, other and admin; the refused one is not an export
		t.Errorf("%d export audit entries, want 3", exports)
	}
}
