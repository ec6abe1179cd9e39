package ui_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

// TestAuthorizationMatrix walks every staff and admin route with every role,
// from the agency that handles the case ("own") and from another ("other"),
// and checks allow or deny for each cell. Deny is always 404 (never a 403
// that confirms the thing exists); an anonymous visitor is sent to log in.
func TestAuthorizationMatrix(t *testing.T) {
	a := apptest.New(t)
	_, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位") // a Tianning unit
	cs := submitTip(t, a, ins[0], "reporter_name", "甲")
	a.DB.Create(&model.ReportPhoto{ReportID: cs.ReportID, Seq: 1, ContentType: "image/jpeg", Width: 1, Height: 1, SizeBytes: 1, SHA256: "x", Data: []byte{1}})
	casePath := "/staff/cases/" + strconv.FormatInt(cs.ID, 10)
	unitPath := "/staff/units/" + strconv.FormatInt(unitID, 10)
	// Its shop photo was redacted: the original is kept.
	orig := model.UnitPhotoOriginal{UnitID: unitID, SHA256: "x", ContentType: "image/jpeg", Width: 1, Height: 1, Data: []byte{2}, Reason: "x", CreatedAt: a.Now()}
	a.DB.Create(&orig)
	a.DB.Create(&model.UnitPhoto{UnitID: unitID, ContentType: "image/jpeg", Width: 1, Height: 1, Data: []byte{1}, OriginalID: &orig.ID})
	// Another merchant's unsubmitted draft in the same district, with a photo.
	a.CreateUser("drafter@example.org", "matrix-password", model.RoleMerchant, "")
	drafter := a.Browser()
	drafter.Login("drafter@example.org", "matrix-password")
	drafter.Submit("/merchant/units/new", "/merchant/units", a.UnitForm("草稿里的秘密摊位", "91320402MA1XYW0008"))
	draftID := drafter.UnitID()
	a.DB.Create(&model.UnitPhoto{UnitID: draftID, ContentType: "image/jpeg", Width: 1, Height: 1, Data: []byte{1}})
	draftPath := "/staff/units/" + strconv.FormatInt(draftID, 10)
	var entry model.AuditEntry
	a.DB.Order("id").Take(&entry)
	auditPath := "/admin/audit/" + strconv.FormatInt(entry.ID, 10)

	type who struct {
		name  string
		role  model.Role
		agent string
	}
	people := []who{
		{"anonymous", "", ""},
		{"merchant", model.RoleMerchant, ""},
		{"verification body", model.RoleVerificationBody, ""},
		{"officer own", model.RoleOfficer, "cz-tianning"},
		{"officer other", model.RoleOfficer, "cz-zhonglou"},
		{"supervisor own", model.RoleSupervisor, "cz-tianning"},
		{"supervisor other", model.RoleSupervisor, "cz-zhonglou"},
		{"city admin", model.RoleCityAdmin, ""},
	}
	const (
		login = -1 // redirected to the login page
		deny  = http.StatusNotFound
		ok    = 0 // allowed: anything but 404, 403 or a login redirect
	)
	// expect maps person index (as in people) to the outcome.
	type cell = [8]int
	allStaff := cell{login, deny, deny, ok, ok, ok, ok, ok}
	ownStaff := cell{login, deny, deny, ok, deny, ok, deny, ok}
	// Bulk assignment is a supervisor's job within their own agency.
	supervisors := cell{login, deny, deny, deny, deny, ok, ok, deny}
	ownSupervisorOrAdmin := cell{login, deny, deny, deny, deny, ok, deny, ok}
	adminOnly := cell{login, deny, deny, deny, deny, deny, deny, ok}
	nobody := cell{login, deny, deny, deny, deny, deny, deny, deny}
	routes := []struct {
		method, path string
		form         []string
		want         cell
	}{
		{"GET", "/staff/queue", nil, allStaff},
		{"GET", "/staff/queue.csv", nil, allStaff},
		{"GET", "/staff/queue.xlsx", nil, allStaff},
		{"GET", "/staff/applications", nil, allStaff},
		{"GET", "/staff/expired", nil, allStaff},
		{"GET", "/staff/expired.csv", nil, allStaff},
		{"GET", casePath, nil, ownStaff},
		{"GET", casePath + "/photos/1", nil, ownStaff},
		{"POST", casePath + "/update/note", []string{"text", ""}, ownStaff},
		{"POST", casePath + "/update/reply", []string{"text", ""}, ownStaff},
		{"POST", casePath + "/update/assign", []string{"assignee_id", "0"}, cell{login, deny, deny, deny, deny, ok, deny, deny}},
		{"POST", casePath + "/act/conclude", nil, ownStaff},
		{"POST", casePath + "/merge", []string{"into", ""}, ownStaff},
		{"POST", casePath + "/transfer", []string{"agency", ""}, ownSupervisorOrAdmin},
		{"POST", casePath + "/reroute", []string{"agency", ""}, adminOnly},
		{"POST", "/staff/queue/assign", nil, supervisors},
		// Zhonglou has no jurisdiction over a Tianning unit.
		{"GET", unitPath, nil, ownStaff},
		{"POST", unitPath + "/suspend", []string{"reason", ""}, ownStaff},
		// Staff with jurisdiction redact the shop photo; only supervisors and
		// the city admin see the original.
		{"POST", unitPath + "/photo/redact", []string{"redact_reason", ""}, ownStaff},
		{"GET", unitPath + "/photo/original", nil, ownSupervisorOrAdmin},
		// A draft is the merchant's until submitted, even within jurisdiction.
		{"GET", draftPath, nil, nobody},
		{"GET", draftPath + "/photo", nil, nobody},
		{"GET", draftPath + "/photo/original", nil, nobody},
		{"POST", draftPath + "/photo/redact", []string{"redact_reason", "x", "rect_x", "0", "rect_y", "0", "rect_w", "1", "rect_h", "1"}, nobody},
		{"POST", draftPath + "/approve", nil, nobody},
		{"POST", draftPath + "/return", []string{"reason", "x"}, nobody},
		{"GET", "/staff/dashboard", nil, cell{login, deny, deny, deny, deny, ok, ok, ok}},
		{"GET", "/admin", nil, adminOnly},
		{"GET", "/admin/audit", nil, adminOnly},
		{"GET", "/admin/audit?action=login&actor=1", nil, adminOnly},
		{"GET", auditPath, nil, adminOnly},
		{"GET", "/admin/accounts?q=example", nil, adminOnly},
	}
	browsers := make([]*apptest.Browser, len(people))
	for i, p := range people {
		b := a.Browser()
		if p.role != "" {
			login := strings.ReplaceAll(p.name, " ", ".") + "@example.org"
			a.CreateUser(login, "matrix-password", p.role, p.agent)
			b.Login(login, "matrix-password")
		}
		browsers[i] = b
	}
	for _, r := range routes {
		for i, p := range people {
			b := browsers[i]
			var res apptest.Response
			if r.method == "GET" {
				res = b.Get(r.path)
			} else {
				b.Get("/")
				token := ""
				if i > 0 {
					b.Get("/account/password") // any page with the session's token
					token = b.CSRF()
				}
				res = b.Post(r.path, form(append(r.form, "_csrf", token)...))
			}
			got := ok
			switch {
			case strings.HasPrefix(res.URL, "/login"):
				got = login
			case res.Status == http.StatusNotFound || res.Status == http.StatusForbidden:
				got = deny
			}
			if got != r.want[i] {
				t.Errorf("%s %s as %s: status %d at %s, want %s", r.method, r.path, p.name, res.Status, res.URL,
					map[int]string{login: "login", deny: "deny", ok: "allow"}[r.want[i]])
			}
		}
	}
	// No list a staff member can open names the draft.
	for i, p := range people {
		if p.role == model.RoleOfficer || p.role == model.RoleSupervisor || p.role == model.RoleCityAdmin {
			for _, status := range []string{"", "draft", "submitted", "returned"} {
				if r := browsers[i].Get("/staff/applications?status=" + status); strings.Contains(r.Body, "草稿里的秘密摊位") {
					t.Errorf("%s sees the draft in the applications list (status %q)", p.name, status)
				}
			}
		}
	}
	if d, _ := a.Store.UnitByID(t.Context(), draftID); d.Status != model.UnitDraft {
		t.Fatalf("the matrix changed the draft: %s", d.Status)
	}
	// Nothing above may have moved the case or the unit.
	var c model.Case
	a.DB.Take(&c, cs.ID)
	if c.Status != model.CaseNew || c.AgencyID != cs.AgencyID {
		t.Fatalf("the matrix changed the case: %+v", c)
	}
	u, _ := a.Store.UnitByID(t.Context(), unitID)
	if u.Status != model.UnitApproved {
		t.Fatalf("the matrix changed the unit: %s", u.Status)
	}
}
