package ui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

var auditEntryLink = regexp.MustCompile(`href="/admin/audit/(\d+)"`)

// auditListed returns the entries the audit list shows, in its order.
func auditListed(t *testing.T, b *apptest.Browser, query url.Values) []int64 {
	t.Helper()
	r := b.Get("/admin/audit?" + query.Encode())
	if r.Status != http.StatusOK {
		t.Fatalf("audit list %s: %d", query.Encode(), r.Status)
	}
	var ids []int64
	for _, m := range auditEntryLink.FindAllStringSubmatch(r.Body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

// auditIDs are the entries matching where, newest first, as the database
// holds them.
func auditIDs(a *apptest.App, where string, args ...any) []int64 {
	var ids []int64
	a.DB.Model(&model.AuditEntry{}).Where(where, args...).Order("id DESC").Pluck("id", &ids)
	return ids
}

// TestAdminAuditLogFindsWhatTheAdminDid: an account the admin creates, its
// holder's sign-ins and the admin's disabling of it appear in the audit
// log, each filter (object, action, actor by login or ID, dates) keeps just
// its entries, newest first, paged with the filter kept; values are shown
// escaped and cut, whole on the entry's page.
func TestAdminAuditLogFindsWhatTheAdminDid(t *testing.T) {
	a := apptest.New(t)
	admin, me := adminBrowser(t, a)
	_, unitID, _ := a.ApprovedUnit("钟楼菜场 9号摊位")
	const login, password = "zhou.officer@example.org", "officer-password"
	name := "<b>周</b>" + strings.Repeat("长", 90) + "尾"
	admin.Submit("/admin/accounts/new", "/admin/accounts", apptest.Form("login", login, "display_name", name, "role", "officer",
		"agency_id", adminAgencyID(t, a, "cz-tianning"), "password", password, "password_confirm", password))
	admin.Expect(http.StatusOK, "账号已创建。")
	u, err := a.Store.UserByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	uid := strconv.FormatInt(u.ID, 10)
	officer := a.Browser()
	officer.Login(login, password)
	officer.Submit("/login", "/login", apptest.Form("login", login, "password", "wrong-password"))
	// Disabled and enabled 26 times: 52 account changes, more than a page.
	for range 26 {
		admin.Submit("/admin/accounts", "/admin/accounts/"+uid+"/disable", nil)
		admin.Submit("/admin/accounts", "/admin/accounts/"+uid+"/enable", nil)
	}

	check := func(name string, q url.Values, want []int64) {
		t.Helper()
		if got := auditListed(t, admin, q); !slices.Equal(got, want) {
			t.Errorf("%s (%s): listed %v, want %v", name, q.Encode(), got, want)
		}
	}
	created := auditIDs(a, "action = ? AND object_id = ?", "account_create", uid)
	if len(created) != 1 {
		t.Fatalf("%d account_create entries", len(created))
	}
	check("action", apptest.Form("action", "account_create"), created)
	aboutUser := auditIDs(a, "object_type = ? AND object_id = ?", "user", uid)
	check("object, first page", apptest.Form("object_type", "user", "object_id", uid), aboutUser[:50])
	check("object, second page", apptest.Form("object_type", "user", "object_id", uid, "page", "2"), aboutUser[50:])
	byOfficer := auditIDs(a, "actor_user_id = ?", u.ID)
	if len(byOfficer) != 1 { // the sign-in; the failed one is not the account acting
		t.Fatalf("the officer acted %d times", len(byOfficer))
	}
	check("actor by login", apptest.Form("actor", login), byOfficer)
	check("actor by login as typed differently", apptest.Form("actor", " ZHOU.Officer@example.org "), byOfficer)
	check("actor by user ID", apptest.Form("actor", uid), byOfficer)
	failed := auditIDs(a, "action = ? AND object_id = ?", "login_failed", uid)
	check("failed sign-in, by action and object", apptest.Form("action", "login_failed", "object_type", "user", "object_id", uid), failed)
	byAdmin := auditIDs(a, "actor_user_id = ? AND action = ?", me.ID, "account_change")
	check("actor and action", apptest.Form("actor", adminLogin, "action", "account_change", "page", "2"), byAdmin[50:])
	today := model.DateOf(a.Now()).Format(time.DateOnly)
	tomorrow := model.DateOf(a.Now()).AddDate(0, 0, 1).Format(time.DateOnly)
	check("today, to the end of the day", apptest.Form("action", "account_create", "from", today, "to", today), created)
	check("from tomorrow", apptest.Form("action", "account_create", "from", tomorrow), nil)
	admin.Expect(http.StatusOK, "没有符合条件的记录。")

	// The second page's links keep the filter; the pager says where it is.
	admin.Get("/admin/audit?" + apptest.Form("object_type", "user", "object_id", uid).Encode())
	admin.Expect(http.StatusOK, fmt.Sprintf("共 %d 条记录", len(aboutUser)), "第 1 / 2 页",
		`href="/admin/audit?object_id=`+uid+`&amp;object_type=user&amp;page=2"`)
	// Dates that make no sense are said so, and dropped.
	admin.Get("/admin/audit?action=account_create&from=2026-13-45")
	admin.Expect(http.StatusOK, "日期无法识别")
	admin.Get("/admin/audit?action=account_create&from=" + tomorrow + "&to=" + today)
	admin.Expect(http.StatusOK, "日期无法识别", `href="/admin/audit/`+strconv.FormatInt(created[0], 10)+`"`)
	// An unknown action or object type is no filter; a page beyond reach is bounded.
	check("unknown action", apptest.Form("action", "drop_table", "object_type", "user", "object_id", uid), aboutUser[:50])
	if r := admin.Get("/admin/audit?page=99999999999999999999"); r.Status != http.StatusOK {
		t.Fatalf("a huge page number: %d", r.Status)
	}

	// The row: escaped, cut, the object linked where it has a page.
	admin.Get("/admin/audit?action=account_create")
	admin.Expect(http.StatusOK, "创建账号", "&lt;b&gt;周&lt;/b&gt;", "…", "<code>"+adminLogin+"</code>")
	if strings.Contains(admin.Last.Body, "<b>周") || strings.Contains(admin.Last.Body, "尾") {
		t.Fatal("the list shows the display name unescaped or uncut")
	}
	admin.Get("/admin/audit?object_type=unit&object_id=" + strconv.FormatInt(unitID, 10))
	admin.Expect(http.StatusOK, `<a href="/staff/units/`+strconv.FormatInt(unitID, 10)+`">`)
	// The entry's page has it whole.
	admin.Get("/admin/audit/" + strconv.FormatInt(created[0], 10))
	admin.Expect(http.StatusOK, "审计记录", "尾", "&lt;b&gt;周&lt;/b&gt;", "天宁",
		`href="/admin/audit?object_id=`+uid+`&amp;object_type=user"`)
	var e model.AuditEntry
	a.DB.Take(&e, created[0])
	admin.Expect(http.StatusOK, e.Hash, e.MAC, e.PrevHash)
	for _, p := range []string{"/admin/audit/99999999", "/admin/audit/abc", "/admin/audit/-1"} {
		if r := admin.Get(p); r.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.Status)
		}
	}

	// Every action and object type has its words, in both languages.
	for _, lang := range []string{"zh-CN", "en"} {
		admin.Header.Set("Accept-Language", lang)
		for _, p := range []string{"/admin/audit", "/admin/audit/" + strconv.FormatInt(created[0], 10), "/admin"} {
			if r := admin.Get(p); r.Status != http.StatusOK || strings.Contains(r.Body, "auditlog.") || strings.Contains(r.Body, "admin.nav.audit") {
				t.Errorf("GET %s in %s: %d, or an untranslated key", p, lang, r.Status)
			}
		}
	}
	admin.Header.Set("Accept-Language", "zh-CN")
	// The admin home has a card for it.
	admin.Get("/admin")
	admin.Expect(http.StatusOK, `<a class="card" href="/admin/audit"><h2>审计日志</h2>`)
}

// TestAdminAccountSearch: part of a phone number finds its account; the
// search combines with the role filter and is kept in the page links; a
// LIKE wildcard typed in the box matches only itself.
func TestAdminAccountSearch(t *testing.T) {
	a := apptest.New(t)
	admin, _ := adminBrowser(t, a)
	ctx := context.Background()
	agency := adminAgencyID(t, a, "cz-tianning")
	agencyID, _ := strconv.ParseInt(agency, 10, 64)
	for _, u := range []*model.User{
		{Login: "zhao@example.org", Email: "zhao@example.org", Phone: "13955501234", DisplayName: "赵科长", Role: model.RoleSupervisor},
		{Login: "li_si@example.org", Email: "li_si@example.org", DisplayName: "李四", Role: model.RoleOfficer},
		{Login: "lixsi@example.org", Email: "lixsi@example.org", DisplayName: "100% 可靠", Role: model.RoleOfficer},
		{Login: "13955509999", Phone: "13955509999", DisplayName: "商户甲", Role: model.RoleMerchant},
	} {
		u.PasswordHash = "x"
		if u.Role != model.RoleMerchant {
			u.AgencyID = &agencyID
		}
		if err := a.Store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// listed are the logins the list shows.
	listed := func(q url.Values) []string {
		t.Helper()
		r := admin.Get("/admin/accounts?" + q.Encode())
		if r.Status != http.StatusOK {
			t.Fatalf("accounts %s: %d", q.Encode(), r.Status)
		}
		var out []string
		for _, m := range regexp.MustCompile(`<td><code>([^<]*)</code></td>`).FindAllStringSubmatch(r.Body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	for _, tt := range []struct {
		q    url.Values
		want []string
	}{
		{apptest.Form("q", "5550123"), []string{"zhao@example.org"}},               // the phone, not the login
		{apptest.Form("q", "赵科"), []string{"zhao@example.org"}},                    // the display name
		{apptest.Form("q", "li_si"), []string{"li_si@example.org"}},                // _ is not "any character"
		{apptest.Form("q", "100%"), []string{"lixsi@example.org"}},                 // % is not "anything"
		{apptest.Form("q", "%可"), nil},                                             // literally, "%可" is in nobody's details
		{apptest.Form("q", "139555", "role", "merchant"), []string{"13955509999"}}, // with the role filter
		{apptest.Form("q", "139555"), []string{"zhao@example.org"}},                // staff only by default
		{apptest.Form("q", "zhao", "agency", "999999"), nil},                       // and the agency filter
	} {
		if got := listed(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("accounts %s: %v, want %v", tt.q.Encode(), got, tt.want)
		}
	}
	// More than a page of matches: the next page keeps the search.
	for i := range 51 {
		phone := fmt.Sprintf("1370000%04d", i)
		if err := a.Store.CreateUser(ctx, &model.User{Login: phone, Phone: phone, DisplayName: "批量", PasswordHash: "x",
			Role: model.RoleOfficer, AgencyID: &agencyID}); err != nil {
			t.Fatal(err)
		}
	}
	if got := listed(apptest.Form("q", "1370000")); len(got) != 50 {
		t.Fatalf("first page: %d accounts", len(got))
	}
	admin.Expect(http.StatusOK, "共 51 个账号", `href="/admin/accounts?page=2&amp;q=1370000"`,
		`name="back" value="/admin/accounts?page=1&amp;q=1370000"`)
	if got := listed(apptest.Form("q", "1370000", "page", "2")); len(got) != 1 {
		t.Fatalf("second page: %v", got)
	}
	// The box keeps at most 100 characters.
	long := strings.Repeat("长", 150)
	listed(apptest.Form("q", long))
	admin.Expect(http.StatusOK, `value="`+strings.Repeat("长", 100)+`"`)
}
