package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
)

const (
	adminLogin = "city.admin@example.org"
	adminPass  = "admin-password"
)

// adminBrowser signs in a new city admin.
func adminBrowser(t *testing.T, a *apptest.App) (*apptest.Browser, *model.User) {
	t.Helper()
	u := a.CreateUser(adminLogin, adminPass, model.RoleCityAdmin, "")
	b := a.Browser()
	b.Login(adminLogin, adminPass)
	return b, u
}

func adminID(id int64) string { return strconv.FormatInt(id, 10) }

// adminAgencyID is the ID of the agency with code, as a form value.
func adminAgencyID(t *testing.T, a *apptest.App, code string) string {
	t.Helper()
	ag, err := a.Store.AgencyByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return adminID(ag.ID)
}

// adminAudits counts the audit entries of action about objectType/objectID.
func adminAudits(a *apptest.App, action, objectType, objectID string) int64 {
	var n int64
	a.DB.Model(&model.AuditEntry{}).Where("action = ? AND object_type = ? AND object_id = ?", action, objectType, objectID).Count(&n)
	return n
}

// An untranslated key shows itself on the page (locale.Printer.T).
var adminRawKey = regexp.MustCompile(`\badmin\.[a-z_]+\.[a-z_]`)

// TestAdminPagesAreTheCityAdminsOnly: every admin page is 404 for every
// other role, sends anonymous visitors to log in, and opens for the city
// admin in both languages without an untranslated text.
func TestAdminPagesAreTheCityAdminsOnly(t *testing.T) {
	a := apptest.New(t)
	ctx := context.Background()
	admin, _ := adminBrowser(t, a)
	officer := a.CreateUser("officer@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	a.CreateUser("supervisor@example.org", "supervisor-pass", model.RoleSupervisor, "cz-tianning")
	a.CreateUser("13800000099", "merchant-pass", model.RoleMerchant, "")
	a.CreateUser("lab@example.org", "lab-password", model.RoleVerificationBody, "")

	rules, _ := a.Store.AllRoutingRules(ctx)
	types, _ := a.Store.AllInstrumentTypes(ctx)
	texts, _ := a.Store.PledgeTexts(ctx)
	var firstAudit model.AuditEntry // the admin's sign-in
	a.DB.Order("id").Take(&firstAudit)
	if len(rules) == 0 || len(types) == 0 || len(texts) == 0 || firstAudit.ID == 0 {
		t.Fatal("reference data missing")
	}
	pages := []string{
		"/admin", "/admin/rules", "/admin/rules/new", "/admin/rules/" + adminID(rules[0].ID) + "/edit",
		"/admin/rules?test=1&category=cheating_device&business_type=fuel_station&district_id=" + a.DistrictID("320402"),
		"/admin/agencies", "/admin/agencies/" + adminAgencyID(t, a, "cz-tianning") + "/edit",
		"/admin/districts/" + a.DistrictID("320402") + "/edit",
		"/admin/accounts", "/admin/accounts?role=merchant", "/admin/accounts/new", "/admin/accounts/" + adminID(officer.ID) + "/password",
		"/admin/holidays", "/admin/holidays?year=2026",
		"/admin/instrument-types", "/admin/instrument-types/new", "/admin/instrument-types/" + adminID(types[0].ID) + "/edit",
		"/admin/pledge-texts", "/admin/pledge-texts/new", "/admin/pledge-texts/" + adminID(texts[0].ID),
		"/admin/audit", "/admin/audit?object_type=user&object_id=" + adminID(officer.ID) + "&from=2026-01-01",
		"/admin/audit/" + adminID(firstAudit.ID), "/admin/accounts?q=officer&role=officer",
	}
	posts := []string{"/admin/rules", "/admin/rules/" + adminID(rules[0].ID) + "/enabled", "/admin/accounts",
		"/admin/accounts/" + adminID(officer.ID) + "/disable", "/admin/holidays", "/admin/instrument-types", "/admin/pledge-texts"}

	others := []struct{ name, login, password string }{
		{"merchant", "13800000099", "merchant-pass"},
		{"officer", "officer@example.org", "officer-pass"},
		{"supervisor", "supervisor@example.org", "supervisor-pass"},
		{"verification body", "lab@example.org", "lab-password"},
	}
	for _, o := range others {
		t.Run(o.name, func(t *testing.T) {
			b := a.Browser()
			b.Login(o.login, o.password)
			for _, p := range pages {
				if r := b.Get(p); r.Status != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404", p, r.Status)
				}
			}
			for _, p := range posts {
				b.Get("/account/password") // a page with the session's CSRF token
				if r := b.Post(p, apptest.Form("enabled", "0", "name", "x")); r.Status != http.StatusNotFound {
					t.Errorf("POST %s: %d, want 404", p, r.Status)
				}
			}
		})
	}
	t.Run("anonymous", func(t *testing.T) {
		b := a.Browser()
		for _, p := range pages {
			if r := b.Get(p); !strings.HasPrefix(r.URL, "/login") {
				t.Errorf("GET %s ended at %d %s, want the login page", p, r.Status, r.URL)
			}
		}
		for _, p := range posts {
			if r := b.Post(p, apptest.Form("name", "x")); !strings.HasPrefix(r.URL, "/login") {
				t.Errorf("POST %s ended at %d %s, want the login page", p, r.Status, r.URL)
			}
		}
	})
	t.Run("city admin", func(t *testing.T) {
		for _, lang := range []string{"zh-CN", "en"} {
			admin.Header.Set("Accept-Language", lang)
			for _, p := range pages {
				r := admin.Get(p)
				if r.Status != http.StatusOK {
					t.Errorf("GET %s in %s: %d", p, lang, r.Status)
				}
				if k := adminRawKey.FindString(r.Body); k != "" {
					t.Errorf("GET %s in %s shows the untranslated key %s", p, lang, k)
				}
			}
		}
	})
	// Nothing the others posted was stored.
	var n int64
	a.DB.Model(&model.RoutingRule{}).Where("name = ?", "x").Count(&n)
	if u, _ := a.Store.UserByID(ctx, officer.ID); n != 0 || u.Disabled {
		t.Fatalf("a refused request changed something: %d rules named x, officer disabled %v", n, u.Disabled)
	}
}

// TestAdminRoutingRule: a rule with bad input is refused with messages; a
// good one is listed, the "test a report" form picks it, moving it up puts
// it before the rule it passed, and once disabled the default wins again.
func TestAdminRoutingRule(t *testing.T) {
	a := apptest.New(t)
	admin, _ := adminBrowser(t, a)
	tianning := a.DistrictID("320402")
	const name = "天宁缺斤短两 — 市执法支队"
	fields := func(agency, priority string) url.Values {
		return apptest.Form("name", name, "category", "short_weight", "business_type", "market_stall", "district_id", tianning,
			"agency_id", agency, "priority", priority, "enabled", "1")
	}

	admin.Submit("/admin/rules/new", "/admin/rules", fields("99999", "9"))
	admin.Expect(http.StatusUnprocessableEntity, "请从列表中选择一个在用的机构。", "请填写 1 到 4 之间的数字。", `value="`+name+`"`)
	admin.Header.Set("Accept-Language", "en")
	admin.Submit("/admin/rules/new", "/admin/rules", fields("99999", "1"))
	admin.Expect(http.StatusUnprocessableEntity, "Choose an active agency from the list.")
	admin.Header.Set("Accept-Language", "zh-CN")
	var n int64
	a.DB.Model(&model.RoutingRule{}).Where("name = ?", name).Count(&n)
	if n != 0 {
		t.Fatal("a refused rule was stored")
	}

	admin.Submit("/admin/rules/new", "/admin/rules", fields(adminAgencyID(t, a, "cz-detachment"), "1"))
	admin.Expect(http.StatusOK, "分派规则已保存。", name)
	var rule model.RoutingRule
	if err := a.DB.Where("name = ?", name).Take(&rule).Error; err != nil {
		t.Fatal(err)
	}
	if !rule.Enabled || rule.Priority != model.PriorityUrgent || rule.Category != model.CategoryShortWeight {
		t.Fatalf("stored rule %+v", rule)
	}

	test := "/admin/rules?test=1&category=short_weight&business_type=market_stall&district_id=" + tianning
	admin.Get(test)
	admin.Expect(http.StatusOK, "匹配规则："+name, "常州市市场监管综合行政执法支队", "紧急")
	// Another district is not this rule's business.
	admin.Get("/admin/rules?test=1&category=short_weight&business_type=market_stall&district_id=" + a.DistrictID("320404"))
	admin.Expect(http.StatusOK, "没有规则匹配", "常州市钟楼区市场监督管理局")

	order := func() []int64 {
		rules, err := a.Store.AllRoutingRules(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, r := range rules {
			ids = append(ids, r.ID)
		}
		return ids
	}
	before := order()
	if before[len(before)-1] != rule.ID {
		t.Fatalf("a new rule is not tried last: %v", before)
	}
	admin.Submit("/admin/rules", "/admin/rules/"+adminID(rule.ID)+"/move", apptest.Form("dir", "up"))
	admin.Expect(http.StatusOK, "规则顺序已调整。")
	after := order()
	if after[len(after)-2] != rule.ID || after[len(after)-1] != before[len(before)-2] {
		t.Fatalf("move up: %v, then %v", before, after)
	}

	admin.Submit("/admin/rules", "/admin/rules/"+adminID(rule.ID)+"/enabled", apptest.Form("enabled", "0"))
	admin.Expect(http.StatusOK, "规则已停用。")
	admin.Get(test)
	admin.Expect(http.StatusOK, "没有规则匹配", "常州市天宁区市场监督管理局")
	if strings.Contains(admin.Last.Body, "匹配规则："+name) {
		t.Fatal("a disabled rule still matches")
	}

	// Create, move and disable: each is in the audit log.
	if got := adminAudits(a, "rule_change", "routing_rule", adminID(rule.ID)); got != 3 {
		t.Fatalf("%d rule_change audit entries, want 3", got)
	}
	var created model.AuditEntry
	a.DB.Where("action = ? AND object_id = ?", "rule_change", adminID(rule.ID)).Order("id").Take(&created)
	if created.AfterJSON == nil || !strings.Contains(*created.AfterJSON, "short_weight") || created.Actor != adminLogin {
		t.Fatalf("creation audit entry %+v", created)
	}
}

// TestAdminAccounts: an officer needs an agency; a created account can log
// in; a password reset ends its sessions; a disabled account cannot log in.
func TestAdminAccounts(t *testing.T) {
	a := apptest.New(t)
	admin, me := adminBrowser(t, a)
	const login, first, second = "wang.officer@example.org", "first-password", "second-password"
	account := func(agency string) url.Values {
		return apptest.Form("login", login, "display_name", "王警官", "role", "officer", "agency_id", agency,
			"password", first, "password_confirm", first)
	}
	admin.Submit("/admin/accounts/new", "/admin/accounts", account(""))
	admin.Expect(http.StatusUnprocessableEntity, "执法人员和科室负责人必须选择所属机构。", `value="`+login+`"`, `value="王警官"`)
	admin.Submit("/admin/accounts/new", "/admin/accounts", apptest.Form("login", "not a login", "role", "officer",
		"agency_id", adminAgencyID(t, a, "cz-tianning"), "password", "short", "password_confirm", "short"))
	admin.Expect(http.StatusUnprocessableEntity, "请填写 11 位手机号或电子邮箱地址。", "请填写此项。", "密码至少 8 位。")

	admin.Submit("/admin/accounts/new", "/admin/accounts", account(adminAgencyID(t, a, "cz-tianning")))
	admin.Expect(http.StatusOK, "账号已创建。", login)
	u, err := a.Store.UserByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != model.RoleOfficer || u.AgencyID == nil {
		t.Fatalf("created %+v", u)
	}
	if adminAudits(a, "account_create", "user", adminID(u.ID)) != 1 {
		t.Fatal("account creation not audited")
	}
	admin.Submit("/admin/accounts/new", "/admin/accounts", account(adminAgencyID(t, a, "cz-tianning")))
	admin.Expect(http.StatusUnprocessableEntity, "这个手机号或邮箱已有账号。")

	officer := a.Browser()
	officer.Login(login, first)
	officer.Get("/staff/queue")
	officer.Expect(http.StatusOK)

	// A reset ends every session: the officer is sent to log in again.
	userPath := "/admin/accounts/" + adminID(u.ID)
	admin.Submit(userPath+"/password", userPath+"/password", apptest.Form("password", second, "password_confirm", "typo-password"))
	admin.Expect(http.StatusUnprocessableEntity, "两次输入的密码不一致。")
	admin.Submit(userPath+"/password", userPath+"/password", apptest.Form("password", second, "password_confirm", second))
	admin.Expect(http.StatusOK, "密码已重置")
	if r := officer.Get("/staff/queue"); !strings.HasPrefix(r.URL, "/login") {
		t.Fatalf("the old session survived a password reset: %d %s", r.Status, r.URL)
	}
	officer.Submit("/login", "/login", apptest.Form("login", login, "password", first))
	officer.Expect(http.StatusUnauthorized)
	officer.Login(login, second)

	// Disabled: the session ends and logging in fails.
	admin.Submit("/admin/accounts", userPath+"/disable", nil)
	admin.Expect(http.StatusOK, "账号已停用")
	if r := officer.Get("/staff/queue"); !strings.HasPrefix(r.URL, "/login") {
		t.Fatalf("a disabled account still has its session: %d %s", r.Status, r.URL)
	}
	officer.Submit("/login", "/login", apptest.Form("login", login, "password", second))
	officer.Expect(http.StatusUnauthorized, "账号或密码不正确。")
	admin.Submit("/admin/accounts", userPath+"/enable", nil)
	admin.Expect(http.StatusOK, "账号已启用。")
	officer.Login(login, second)
	if got := adminAudits(a, "account_change", "user", adminID(u.ID)); got != 3 {
		t.Fatalf("%d account_change entries, want 3 (reset, disable, enable)", got)
	}

	// The admin cannot lock themselves out.
	admin.Submit("/admin/accounts", "/admin/accounts/"+adminID(me.ID)+"/disable", nil)
	admin.Expect(http.StatusConflict, "不能停用您自己的账号。")
}

// TestAdminHolidays: an extra working day must be a weekend day, a date is
// listed once, and only future days change.
func TestAdminHolidays(t *testing.T) {
	a := apptest.New(t)
	admin, _ := adminBrowser(t, a)
	ctx := context.Background()
	year := a.Now().Year() + 2
	wednesday := model.Date(year, time.March, 1)
	for wednesday.Weekday() != time.Wednesday {
		wednesday = wednesday.AddDate(0, 0, 1)
	}
	saturday := wednesday.AddDate(0, 0, 3)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	page := "/admin/holidays?year=" + strconv.Itoa(year)

	tests := []struct {
		name, day, kind string
		status          int
		want            string
	}{
		{"extra working day on a Wednesday", day(wednesday), "work", http.StatusUnprocessableEntity, "调休上班日只能是周六或周日"},
		{"day off on a Wednesday", day(wednesday), "off", http.StatusOK, "已加入日历。"},
		{"the same date again", day(wednesday), "off", http.StatusUnprocessableEntity, day(wednesday) + " 已在日历中"},
		{"extra working day on a Saturday", day(saturday), "work", http.StatusOK, "已加入日历。"},
		{"yesterday", day(model.DateOf(a.Now()).AddDate(0, 0, -1)), "off", http.StatusUnprocessableEntity, "只能添加明天及以后的日期"},
		{"not a date", "3月1日", "off", http.StatusUnprocessableEntity, "请按 年-月-日 填写日期"},
	}
	for _, tt := range tests {
		admin.Submit(page, "/admin/holidays", apptest.Form("day", tt.day, "kind", tt.kind, "name_zh", "测试假日", "name_en", "Test day"))
		if admin.Last.Status != tt.status || !strings.Contains(admin.Last.Body, tt.want) {
			t.Errorf("%s: %d, want %d with %q", tt.name, admin.Last.Status, tt.status, tt.want)
		}
	}
	off, err := a.Store.HolidayOn(ctx, wednesday)
	if err != nil || off.Kind != model.DayOff || off.NameZh != "测试假日" {
		t.Fatalf("stored %+v, %v", off, err)
	}
	work, err := a.Store.HolidayOn(ctx, saturday)
	if err != nil || work.Kind != model.WorkingDay {
		t.Fatalf("stored %+v, %v", work, err)
	}
	admin.Get(page)
	admin.Expect(http.StatusOK, day(wednesday), day(saturday), "测试假日", "5 分钟")
	if adminAudits(a, "holiday_change", "holiday", adminID(off.ID)) != 1 {
		t.Fatal("holiday not audited")
	}

	admin.Submit(page, "/admin/holidays/"+adminID(off.ID)+"/delete", nil)
	admin.Expect(http.StatusOK, "已从日历删除。")
	if _, err := a.Store.HolidayOn(ctx, wednesday); err == nil {
		t.Fatal("the deleted day is still there")
	}
	past := model.Holiday{Day: model.DateOf(a.Now()).AddDate(0, 0, -3), Kind: model.DayOff, NameZh: "过去的假日"}
	if err := a.Store.CreateHoliday(ctx, &past); err != nil {
		t.Fatal(err)
	}
	admin.Submit(page, "/admin/holidays/"+adminID(past.ID)+"/delete", nil)
	admin.Expect(http.StatusConflict, "今天及以前的日期不能删除")
	if _, err := a.Store.HolidayByID(ctx, past.ID); err != nil {
		t.Fatal("a past day was deleted")
	}
}

// TestAdminPledgeVersion: both languages need the same clauses; a new
// version published last becomes the text merchants sign, hashed like the
// seeded ones; an older date does not displace it.
func TestAdminPledgeVersion(t *testing.T) {
	a := apptest.New(t)
	admin, _ := adminBrowser(t, a)
	ctx := context.Background()
	today := model.DateOf(a.Now()).Format(time.DateOnly)
	zh := []string{"遵守计量法律法规。", "使用检定合格的计量器具。", "1.5 公斤以下的商品也足斤足两，短缺赔偿。"}
	en := []string{"Obey the metrology laws.", "Use only verified instruments.", "Give full weight; compensate shortfalls."}
	// Numbers typed before the clauses go: the text numbers them itself.
	typedZh := "1、" + zh[0] + "\n\n2、" + zh[1] + "\n3、" + zh[2]
	version := func(label, published string, clausesEn []string) url.Values {
		return apptest.Form("version", label, "title_zh", "诚信计量承诺书（2027）", "title_en", "Honest Measurement Pledge (2027)",
			"clauses_zh", typedZh, "clauses_en", "1. "+strings.Join(clausesEn, "\r\n"),
			"key_points_zh", "足斤足两\n明码标价", "key_points_en", "Full weight\nClear prices", "valid_months", "24", "published_at", published)
	}

	admin.Submit("/admin/pledge-texts/new", "/admin/pledge-texts", version("CZ-2027.1", today, en[:2]))
	admin.Expect(http.StatusUnprocessableEntity, "中文有 3 条，英文有 2 条", "足斤足两，短缺赔偿。")
	admin.Submit("/admin/pledge-texts/new", "/admin/pledge-texts", version("CZ-2099.1", model.DateOf(a.Now()).AddDate(0, 0, 30).Format(time.DateOnly), en))
	admin.Expect(http.StatusUnprocessableEntity, "发布日期不能晚于今天")
	if cur, _ := a.Store.CurrentPledgeText(ctx); cur.Version != "CZ-2026.1" {
		t.Fatalf("a refused version became current: %s", cur.Version)
	}

	admin.Submit("/admin/pledge-texts/new", "/admin/pledge-texts", version("CZ-2027.1", today, en))
	admin.Expect(http.StatusOK, "新版本已发布。", "当前版本", "使用检定合格的计量器具。", "Use only verified instruments.")
	cur, err := a.Store.CurrentPledgeText(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := model.PledgeDigest("诚信计量承诺书（2027）", reference.Body(zh), "Honest Measurement Pledge (2027)", reference.Body(en))
	if cur.Version != "CZ-2027.1" || cur.SHA256 != want || cur.BodyEn != reference.Body(en) || cur.ValidMonths != 24 {
		t.Fatalf("current text %+v", cur)
	}
	if adminAudits(a, "pledge_text_change", "pledge_text", adminID(cur.ID)) != 1 {
		t.Fatal("new version not audited")
	}

	admin.Submit("/admin/pledge-texts/new", "/admin/pledge-texts", version("CZ-2027.1", today, en))
	admin.Expect(http.StatusUnprocessableEntity, "这个版本号已经存在")
	admin.Submit("/admin/pledge-texts/new", "/admin/pledge-texts", version("CZ-2025.9", "2025-09-01", en))
	admin.Expect(http.StatusOK, "新版本已发布。")
	if cur, _ := a.Store.CurrentPledgeText(ctx); cur.Version != "CZ-2027.1" {
		t.Fatalf("an older publication date displaced the current text: %s", cur.Version)
	}
}

// TestAdminAgenciesAndDistricts checks the agency form's rules: valid
// addresses, and no change that would leave a district without a bureau.
func TestAdminAgenciesAndDistricts(t *testing.T) {
	a := apptest.New(t)
	admin, _ := adminBrowser(t, a)
	tn := adminAgencyID(t, a, "cz-tianning")
	tianning, zhonglou := a.DistrictID("320402"), a.DistrictID("320404")
	path := "/admin/agencies/" + tn
	good := func(kv ...string) url.Values {
		f := apptest.Form("name_zh", "常州市天宁区市场监督管理局", "name_en", "Tianning District Market Regulation Bureau",
			"phone", "0519-86668888", "email", "tips@tianning.example.gov.cn", "webhook_url", "https://cases.tianning.example.gov.cn/hook",
			"active", "1", "district_id", tianning)
		for i := 0; i+1 < len(kv); i += 2 {
			f[kv[i]] = []string{kv[i+1]}
		}
		return f
	}
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"bad e-mail", good("email", "tips at tianning"), http.StatusUnprocessableEntity, "请填写有效的电子邮箱。"},
		{"ftp webhook", good("webhook_url", "ftp://cases.example/hook"), http.StatusUnprocessableEntity, "以 http:// 或 https:// 开头"},
		{"relative webhook", good("webhook_url", "/hook"), http.StatusUnprocessableEntity, "以 http:// 或 https:// 开头"},
		{"drops its default district", good("district_id", zhonglou), http.StatusUnprocessableEntity, "必须保留对该区域的管辖"},
		{"deactivated while a default", good("active", ""), http.StatusUnprocessableEntity, "不能停用"},
		{"good", good(), http.StatusOK, "机构信息已保存。"},
	}
	for _, tt := range tests {
		admin.Submit(path+"/edit", path, tt.form)
		if admin.Last.Status != tt.status || !strings.Contains(admin.Last.Body, tt.want) {
			t.Errorf("%s: %d, want %d with %q", tt.name, admin.Last.Status, tt.status, tt.want)
		}
	}
	ag, _ := a.Store.AgencyByCode(context.Background(), "cz-tianning")
	if ag.WebhookURL != "https://cases.tianning.example.gov.cn/hook" || ag.Email != "tips@tianning.example.gov.cn" {
		t.Fatalf("agency %+v", ag)
	}
	if adminAudits(a, "agency_change", "agency", tn) != 1 {
		t.Fatal("agency change not audited")
	}

	// Zhonglou's default may only be an agency with jurisdiction there.
	dpath := "/admin/districts/" + zhonglou
	admin.Submit(dpath+"/edit", dpath, apptest.Form("default_agency_id", tn, "unit_target", "320"))
	admin.Expect(http.StatusUnprocessableEntity, "没有管辖权")
	admin.Submit(dpath+"/edit", dpath, apptest.Form("default_agency_id", adminAgencyID(t, a, "cz-city"), "unit_target", "320"))
	admin.Expect(http.StatusOK, "区域设置已保存。")
	d, _ := a.Store.DistrictByID(context.Background(), adminInt64(t, zhonglou))
	if d.UnitTarget != 320 || d.DefaultAgencyID == nil || adminID(*d.DefaultAgencyID) != adminAgencyID(t, a, "cz-city") {
		t.Fatalf("district %+v", d)
	}
}

// TestAdminInstrumentTypes: a new type is offered to merchants; a
// deactivated one no longer is, and nothing is deleted.
func TestAdminInstrumentTypes(t *testing.T) {
	a := apptest.New(t)
	admin, _ := adminBrowser(t, a)
	ctx := context.Background()
	fields := apptest.Form("code", "Tyre Gauge", "name_zh", "轮胎气压表", "name_en", "Tyre pressure gauge", "cycle_months", "200", "mandatory", "1")
	admin.Submit("/admin/instrument-types/new", "/admin/instrument-types", fields)
	admin.Expect(http.StatusUnprocessableEntity, "编码只能由小写字母", "请填写 0 到 120 之间的数字。", "轮胎气压表")
	fields.Set("code", "tyre_gauge")
	fields.Set("cycle_months", "6")
	admin.Submit("/admin/instrument-types/new", "/admin/instrument-types", fields)
	admin.Expect(http.StatusOK, "器具类型已保存。", "轮胎气压表")
	admin.Submit("/admin/instrument-types/new", "/admin/instrument-types", fields)
	admin.Expect(http.StatusUnprocessableEntity, "这个编码已被另一个器具类型使用。")
	id := a.TypeID("tyre_gauge")

	fields.Del("active") // unticked: deactivate
	admin.Submit("/admin/instrument-types/"+id+"/edit", "/admin/instrument-types/"+id, fields)
	admin.Expect(http.StatusOK, "器具类型已保存。")
	active, _ := a.Store.InstrumentTypes(ctx)
	for _, it := range active {
		if it.Code == "tyre_gauge" {
			t.Fatal("a deactivated type is still offered")
		}
	}
	it, err := a.Store.InstrumentTypeByID(ctx, adminInt64(t, id))
	if err != nil || it.CycleMonths != 6 || it.Active {
		t.Fatalf("type %+v, %v", it, err)
	}
	if got := adminAudits(a, "instrument_type_change", "instrument_type", id); got != 2 {
		t.Fatalf("%d audit entries, want 2", got)
	}
}

func adminInt64(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
