package ui_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/locale"
	"honestmeasure/internal/model"
)

// dashSeed is one report with its case, written straight to the database.
type dashSeed struct {
	agency, district string // codes
	kind             model.ReportKind
	category         model.Category
	status           model.CaseStatus
	received         time.Time
	decided          time.Duration // after received; 0: not decided
	concluded        time.Duration // after received; 0: not concluded
	due              *time.Time
}

// cst is a wall-clock time in China.
func cst(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, model.Zone)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func seedDashboard(t *testing.T, a *apptest.App, seeds []dashSeed) {
	t.Helper()
	ctx := context.Background()
	agencies, districts := map[string]int64{}, map[string]int64{}
	for i, s := range seeds {
		if agencies[s.agency] == 0 {
			ag, err := a.Store.AgencyByCode(ctx, s.agency)
			if err != nil {
				t.Fatal(err)
			}
			agencies[s.agency] = ag.ID
		}
		if districts[s.district] == 0 {
			districts[s.district], _ = strconv.ParseInt(a.DistrictID(s.district), 10, 64)
		}
		r := &model.Report{TrackingNo: fmt.Sprintf("DASH%08d", i), AccessCodeHash: strings.Repeat("0", 64), Kind: s.kind,
			Category: s.category, DistrictID: districts[s.district], Description: "秤不准", Request: "", CreatedAt: s.received}
		if err := a.Store.CreateReport(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
		c := &model.Case{ReportID: r.ID, AgencyID: agencies[s.agency], Kind: s.kind, Category: s.category, DistrictID: r.DistrictID,
			Status: s.status, Priority: model.PriorityNormal, ReceivedAt: s.received, DecisionDueAt: s.received.AddDate(0, 0, 7),
			DueAt: s.due, CreatedAt: s.received}
		if s.decided != 0 {
			d := s.received.Add(s.decided)
			c.DecidedAt = &d
		}
		if s.concluded != 0 {
			d := s.received.Add(s.concluded)
			c.ConcludedAt = &d
		}
		if err := a.Store.CreateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
}

// seedUnits makes count units in each district with each status, as
// district, status, count triples.
func seedUnits(t *testing.T, a *apptest.App, owner int64, specs ...any) {
	t.Helper()
	seq := 0
	for i := 0; i+2 < len(specs); i += 3 {
		id, _ := strconv.ParseInt(a.DistrictID(specs[i].(string)), 10, 64)
		for range specs[i+2].(int) {
			seq++
			u := &model.Unit{OwnerUserID: owner, Name: "示范摊位", USCC: fmt.Sprintf("913204000000%06d", seq), BusinessType: "market_stall",
				Address: "红梅农贸市场", DistrictID: id, ContactName: "张三", ContactPhone: "13812345678", Status: specs[i+1].(model.UnitStatus)}
			if err := a.Store.CreateUnit(context.Background(), u); err != nil {
				t.Fatal(err)
			}
		}
	}
}

const day = 24 * time.Hour

// dashboardFixture: cases of the Tianning and Zhonglou bureaus over 2025,
// one case just before the year (in China) and one received now in Xinbei;
// published units in Tianning and Zhonglou.
func dashboardFixture(t *testing.T) *apptest.App {
	a := apptest.New(t)
	now := a.Now().UTC()
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	const tn, zl = "cz-tianning", "cz-zhonglou"
	const dtn, dzl = "320402", "320404"
	seedDashboard(t, a, []dashSeed{
		// 2025-01-01 01:00 in China is still 2024 in UTC: January.
		{tn, dtn, model.KindComplaint, model.CategoryShortWeight, model.CaseAccepted, cst("2025-01-01 01:00"), 2 * day, 0, at(-time.Hour)},
		{tn, dtn, model.KindComplaint, model.CategoryShortWeight, model.CaseNotAccepted, cst("2025-03-10 10:00"), 4 * day, 0, nil},
		// 04:00 on 1 April in China is 31 March in UTC: April.
		{tn, dtn, model.KindComplaint, model.CategoryCheatingDevice, model.CaseNew, cst("2025-04-01 04:00"), 0, 0, at(day)},
		{tn, dtn, model.KindTip, model.CategoryUnverified, model.CaseConcluded, cst("2025-06-15 09:00"), 3 * day, 30 * day, nil},
		{tn, dtn, model.KindTip, model.CategoryShortWeight, model.CaseOpened, cst("2025-06-20 09:00"), day, 0, at(5 * day)},
		// Before the period, but open and overdue now.
		{tn, dtn, model.KindTip, model.CategoryOther, model.CaseNew, cst("2024-12-31 23:00"), 0, 0, at(-2 * time.Hour)},
		{tn, dtn, model.KindTip, model.CategoryShortWeight, model.CaseClosed, cst("2025-11-05 09:00"), 2 * day, 20 * day, nil},
		{zl, dzl, model.KindComplaint, model.CategoryShortWeight, model.CaseAccepted, cst("2025-02-14 09:00"), 6 * day, 0, at(-3 * time.Hour)},
		{zl, dzl, model.KindTip, model.CategoryCounterfeitQR, model.CaseVerifying, cst("2025-12-31 23:30"), 0, 0, at(10 * time.Hour)},
		// A decision time on a case that is new again is not a decision.
		{zl, dzl, model.KindComplaint, model.CategoryOther, model.CaseNew, cst("2025-05-05 09:00"), day, 0, nil},
		{"cz-xinbei", "320411", model.KindTip, model.CategoryShortWeight, model.CaseNew, now.Add(-time.Hour), 0, 0, at(7 * day)},
	})
	owner := a.CreateUser("merchant@example.org", "merchant-pass", model.RoleMerchant, "")
	seedUnits(t, a, owner.ID, dtn, model.UnitApproved, 2, dtn, model.UnitSubmitted, 1, dtn, model.UnitSuspended, 1, dzl, model.UnitApproved, 2)
	return a
}

const period2025 = "from=2025-01-01&to=2025-12-31"

// rows builds a block's expected CSV: header, then label/number rows.
func rows(header []string, body ...[]string) [][]string { return append([][]string{header}, body...) }

func expectBlocks(t *testing.T, b *apptest.Browser, query string, want map[string][][]string) {
	t.Helper()
	b.Get("/staff/dashboard?" + query)
	b.Expect(http.StatusOK)
	page := b.Last.Body
	for block, records := range want {
		// The page's table shows the same rows as the CSV.
		for _, r := range records[1:] {
			cells := "<th scope=\"row\">" + html.EscapeString(r[0]) + "</th>"
			for _, v := range r[1:] {
				if v == "" {
					v = "—"
				}
				cells += `<td class="num">` + v + "</td>"
			}
			if !strings.Contains(page, cells) {
				t.Errorf("%s: page lacks row %s", block, cells)
			}
		}
		resp := b.Get("/staff/dashboard.csv?block=" + block + "&" + query)
		if resp.Status != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s CSV: %d %s", block, resp.Status, resp.Header.Get("Content-Type"))
		}
		body, ok := strings.CutPrefix(resp.Body, "\uFEFF")
		if !ok {
			t.Errorf("%s CSV has no byte-order mark", block)
		}
		got, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("%s CSV: %v", block, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(records) {
			t.Errorf("%s CSV\n got %q\nwant %q", block, got, records)
		}
	}
}

func TestDashboardNumbers(t *testing.T) {
	a := dashboardFixture(t)
	zh := locale.New(locale.Chinese)
	T := zh.T
	a.CreateUser("sup@tianning.example.org", "supervisor-pass", model.RoleSupervisor, "cz-tianning")
	a.CreateUser("admin@example.org", "admin-pass-123", model.RoleCityAdmin, "")
	a.CreateUser("officer@tianning.example.org", "officer-pass", model.RoleOfficer, "cz-tianning")

	counted := []string{T("dashboard.col_reports")}
	cats := func(n ...string) [][]string {
		var out [][]string
		for i, c := range model.Categories {
			out = append(out, []string{T("category." + string(c)), n[i]})
		}
		return out
	}
	statusOrder := []model.CaseStatus{model.CaseNew, model.CaseVerifying, model.CaseAccepted, model.CaseOpened, model.CaseMediated,
		model.CaseConcluded, model.CaseReturned, model.CaseNotAccepted, model.CaseNoCase, model.CaseClosed, model.CaseMerged}
	statuses := func(n ...string) [][]string {
		var out [][]string
		for i, s := range statusOrder {
			out = append(out, []string{T("case_status." + string(s)), n[i]})
		}
		return out
	}
	months := func(n ...string) [][]string {
		var out [][]string
		for i := range n {
			out = append(out, []string{fmt.Sprintf("2025-%02d", i+1), n[i]})
		}
		return out
	}
	total := func(n ...string) []string { return append([]string{T("dashboard.total")}, n...) }
	timingHeader := []string{T("dashboard.col_measure"), T("dashboard.col_value"), T("dashboard.col_cases")}
	unitsHeader := []string{T("dashboard.col_district"), T("dashboard.col_published"), T("dashboard.col_target"), T("dashboard.col_progress")}

	t.Run("officer", func(t *testing.T) {
		b := a.Browser()
		b.Login("officer@tianning.example.org", "officer-pass")
		for _, p := range []string{"/staff/dashboard", "/staff/dashboard.csv?block=districts"} {
			if r := b.Get(p); r.Status != http.StatusNotFound {
				t.Errorf("officer gets %s: %d", p, r.Status)
			}
		}
	})

	t.Run("supervisor sees the own agency", func(t *testing.T) {
		b := a.Browser()
		b.Login("sup@tianning.example.org", "supervisor-pass")
		expectBlocks(t, b, period2025, map[string][][]string{
			"districts":  rows(append([]string{T("dashboard.col_district")}, counted...), []string{"天宁区", "6"}, total("6")),
			"categories": rows(append([]string{T("dashboard.col_category")}, counted...), append(cats("4", "1", "1", "0", "0", "0", "0", "0"), total("6"))...),
			"statuses":   rows(append([]string{T("dashboard.col_status")}, counted...), append(statuses("1", "0", "1", "1", "0", "1", "0", "1", "0", "1", "0"), total("6"))...),
			"timing": rows(timingHeader,
				[]string{T("dashboard.timing.decide"), "3.0", "2"},
				[]string{T("dashboard.timing.conclude"), "25.0", "2"},
				[]string{T("dashboard.timing.overdue"), "2", "5"},
				[]string{T("dashboard.timing.due_soon"), "1", "5"}),
			"units":   rows(unitsHeader, []string{"天宁区", "2", "300", "0.7%"}, total("2", "300", "0.7%")),
			"monthly": rows(append([]string{T("dashboard.col_month")}, counted...), append(months("1", "0", "1", "1", "0", "2", "0", "0", "0", "0", "1", "0"), total("6"))...),
			// Two tips concluded, no deadline missed: 22 and 14 working
			// days; nobody assigned; no ratings.
			"people": rows(peopleHeader(T, "dashboard.col_officer"),
				[]string{T("dashboard.people.unassigned"), "6", "2", "100%", "18.0", "5", "2", ""},
				[]string{T("dashboard.total"), "6", "2", "100%", "18.0", "5", "2", ""}),
		})
		b.Get("/staff/dashboard?" + period2025)
		b.Expect(http.StatusOK, "常州市天宁区市场监督管理局", "2025-01-01 至 2025-12-31", `href="/staff/queue"`, `href="/staff/applications"`, "<svg",
			// The KPI header, the overdue figure linking to those cases.
			`<strong class="kpi-value">100%</strong>`, "已办结 2 件中 2 件未超期", `<a href="/staff/queue?due=overdue"><span class="kpi-label">当前超期</span> <strong class="kpi-value">2</strong>`,
			"18.0 个工作日", T("dashboard.people.by_officer"),
			// Bars open the queue filtered to what they count.
			`<a href="/staff/queue?district=`+a.DistrictID("320402")+`"><g class="bar">`,
			`<a href="/staff/queue?category=short_weight"><g class="bar">`, `<a href="/staff/queue?assignee=-1&amp;due=overdue"><g class="bar overdue">`)
		for _, other := range []string{"钟楼区", "新北区"} {
			if strings.Contains(b.Last.Body, other) {
				t.Errorf("a Tianning supervisor sees %s", other)
			}
		}
	})

	t.Run("city admin sees everything", func(t *testing.T) {
		b := a.Browser()
		b.Login("admin@example.org", "admin-pass-123")
		expectBlocks(t, b, period2025, map[string][][]string{
			"districts": rows(append([]string{T("dashboard.col_district")}, counted...),
				[]string{"天宁区", "6"}, []string{"钟楼区", "3"}, []string{"新北区", "0"}, []string{"武进区", "0"}, []string{"金坛区", "0"},
				[]string{"溧阳市", "0"}, []string{"常州经开区", "0"}, total("9")),
			"categories": rows(append([]string{T("dashboard.col_category")}, counted...), append(cats("5", "1", "1", "0", "0", "0", "1", "1"), total("9"))...),
			"statuses":   rows(append([]string{T("dashboard.col_status")}, counted...), append(statuses("2", "1", "2", "1", "0", "1", "0", "1", "0", "1", "0"), total("9"))...),
			"timing": rows(timingHeader,
				[]string{T("dashboard.timing.decide"), "4.0", "3"},
				[]string{T("dashboard.timing.conclude"), "25.0", "2"},
				[]string{T("dashboard.timing.overdue"), "3", "9"},
				[]string{T("dashboard.timing.due_soon"), "2", "9"}),
			"units": rows(unitsHeader,
				[]string{"天宁区", "2", "300", "0.7%"}, []string{"钟楼区", "2", "300", "0.7%"}, []string{"新北区", "0", "350", "0.0%"},
				[]string{"武进区", "0", "450", "0.0%"}, []string{"金坛区", "0", "200", "0.0%"}, []string{"溧阳市", "0", "250", "0.0%"},
				[]string{"常州经开区", "0", "150", "0.0%"}, total("4", "2000", "0.2%")),
			"monthly": rows(append([]string{T("dashboard.col_month")}, counted...), append(months("1", "1", "1", "1", "1", "2", "0", "0", "0", "0", "1", "1"), total("9"))...),
		})
		b.Get("/staff/dashboard?" + period2025)
		b.Expect(http.StatusOK, T("dashboard.scope_city"))

		// Without dates: the last twelve months, this one included.
		now := a.Now().In(model.Zone)
		from := time.Date(now.Year(), now.Month()-11, 1, 0, 0, 0, 0, model.Zone).Format(time.DateOnly)
		b.Get("/staff/dashboard")
		b.Expect(http.StatusOK, from+" 至 "+now.Format(time.DateOnly), `<th scope="row">新北区</th><td class="num">1</td>`)
		b.Get("/staff/dashboard?from=2025-13-01")
		b.Expect(http.StatusOK, T("dashboard.bad_period"), from+" 至 ")
		b.Get("/staff/dashboard?from=2025-06-01&to=2025-01-01")
		b.Expect(http.StatusOK, T("dashboard.bad_period"))
		if r := b.Get("/staff/dashboard.csv?block=everything"); r.Status != http.StatusNotFound {
			t.Errorf("unknown block: %d", r.Status)
		}

		// In English, with the same numbers.
		b.Header.Set("Accept-Language", "en")
		expectBlocks(t, b, period2025, map[string][][]string{
			"districts": rows([]string{"District", "Reports"}, []string{"Tianning", "6"}, []string{"Zhonglou", "3"}, []string{"Xinbei", "0"},
				[]string{"Wujin", "0"}, []string{"Jintan", "0"}, []string{"Liyang", "0"}, []string{"Economic Development Zone", "0"}, []string{"Total", "9"}),
		})
	})

	// Every download was audited as an export: 7 + 6 + 1 blocks.
	var n int64
	a.DB.Model(&model.AuditEntry{}).Where("action = ?", audit.ActionExport).Count(&n)
	if n != 14 {
		t.Errorf("%d exports audited, want 14", n)
	}
}

func peopleHeader(T func(string, ...any) string, first string) []string {
	return []string{T(first), T("dashboard.col_received"), T("dashboard.col_concluded"), T("dashboard.kpi.on_time"), T("dashboard.kpi.handling"),
		T("dashboard.col_open"), T("dashboard.kpi.overdue"), T("dashboard.kpi.satisfaction")}
}
