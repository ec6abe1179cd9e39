package ui_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
)

// Every time an evidence photo leaves the server to staff it is on record:
// who, which case, which photo; a refused request leaves no entry, and no
// cache may answer a second view in the server's place.
func TestOpeningAnEvidencePhotoIsAudited(t *testing.T) {
	a := apptest.New(t)
	v := a.Browser()
	v.Get("/report")
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]
	f := reportFields("tip", "idempotency_key", key, "district_id", a.DistrictID("320412"),
		"business_name", "湖塘菜场 12号", "business_address", "武进区湖塘镇")
	photo := gpsJPEG(t)
	v.PostMultipart("/report", f, apptest.File{Field: "photos", Name: "a.jpg", Data: photo}, apptest.File{Field: "photos", Name: "b.jpg", Data: photo})
	v.Expect(http.StatusCreated)
	var cs model.Case
	a.DB.Take(&cs)
	casePath := "/staff/cases/" + strconv.FormatInt(cs.ID, 10)

	wj := staffBrowser(t, a, "wj@example.org", model.RoleOfficer, "cz-wujin")
	zl := staffBrowser(t, a, "zl@example.org", model.RoleOfficer, "cz-zhonglou")
	supUser := a.CreateUser("wj-sup@example.org", "staff-password", model.RoleSupervisor, "cz-wujin")
	sup := a.Browser()
	sup.Login("wj-sup@example.org", "staff-password")

	photoViews := func() []model.AuditEntry {
		var out []model.AuditEntry
		a.DB.Where("action = ?", audit.ActionPhotoView).Order("id").Find(&out)
		return out
	}
	for _, p := range []string{casePath + "/photos/1", casePath + "/photos/3", casePath + "/photos/x"} {
		if r := zl.Get(p); r.Status != http.StatusNotFound {
			t.Fatalf("%s for another agency: %d", p, r.Status)
		}
	}
	if r := wj.Get(casePath + "/photos/3"); r.Status != http.StatusNotFound {
		t.Fatalf("missing photo: %d", r.Status)
	}
	if n := len(photoViews()); n != 0 {
		t.Fatalf("%d photo views recorded for refused requests", n)
	}

	for i, view := range []struct {
		b   *apptest.Browser
		seq string
	}{{wj, "1"}, {wj, "1"}, {sup, "2"}} {
		r := view.b.Get(casePath + "/photos/" + view.seq)
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("view %d: %d %s", i, r.Status, r.Header.Get("Content-Type"))
		}
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") || !strings.Contains(cc, "private") {
			t.Errorf("view %d: Cache-Control %q lets a cache answer the next view", i, cc)
		}
	}
	views := photoViews()
	if len(views) != 3 {
		t.Fatalf("%d photo views recorded, want 3 (the repeated view counts again)", len(views))
	}
	wjUser, _ := a.Store.UserByLogin(t.Context(), "wj@example.org")
	for i, want := range []struct {
		actorID int64
		seq     string
	}{{wjUser.ID, "1"}, {wjUser.ID, "1"}, {supUser.ID, "2"}} {
		e := views[i]
		if e.ActorUserID == nil || *e.ActorUserID != want.actorID || e.ObjectType != audit.ObjectCase || e.ObjectID != strconv.FormatInt(cs.ID, 10) ||
			e.AgencyID == nil || *e.AgencyID != cs.AgencyID || e.AfterJSON == nil || !strings.Contains(*e.AfterJSON, `"photo_seq":`+want.seq) {
			t.Errorf("view %d recorded as %+v (after %v)", i, e, e.AfterJSON)
		}
	}
}

// An officer sees the related cases of their own agency in full, and of
// other agencies only how many there are: no tracking numbers, no links.
// The city admin sees all; merging never crosses agencies.
func TestRelatedCasesStayWithinTheAgency(t *testing.T) {
	a := apptest.New(t)
	_, _, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	mine := submitTip(t, a, ins[0])    // Tianning: the unit's district
	sibling := submitTip(t, a, ins[0]) // Tianning too
	theirs := []model.Case{submitTip(t, a, ins[0]), submitTip(t, a, ins[0])}
	zhonglou, err := a.Store.AgencyByCode(t.Context(), "cz-zhonglou")
	if err != nil {
		t.Fatal(err)
	}
	// Two reports went to Zhonglou (transferred, say); one of them is closed.
	for i, c := range theirs {
		set := map[string]any{"agency_id": zhonglou.ID}
		if i == 1 {
			set["status"] = model.CaseClosed
		}
		if err := a.DB.Model(&model.Case{}).Where("id = ?", c.ID).Updates(set).Error; err != nil {
			t.Fatal(err)
		}
	}
	tracking := func(c model.Case) string {
		var r model.Report
		a.DB.Take(&r, c.ReportID)
		return r.TrackingNo
	}
	path := func(c model.Case) string { return "/staff/cases/" + strconv.FormatInt(c.ID, 10) }

	tn := staffBrowser(t, a, "tn@example.org", model.RoleOfficer, "cz-tianning")
	tn.Get(path(mine))
	for _, c := range theirs {
		if strings.Contains(tn.Last.Body, tracking(c)) || strings.Contains(tn.Last.Body, `href="`+path(c)+`"`) {
			t.Errorf("Tianning's officer sees Zhonglou's case %s", tracking(c))
		}
	}
	tn.Expect(http.StatusOK, tracking(sibling), `href="`+path(sibling)+`"`, "常州市钟楼区市场监督管理局", "2 件，其中 1 件未办结")
	tn.Header.Set("Accept-Language", "en")
	tn.Get(path(mine))
	tn.Expect(http.StatusOK, "Zhonglou District Market Regulation Bureau", "reports: 2, still open: 1")

	zl := staffBrowser(t, a, "zl@example.org", model.RoleOfficer, "cz-zhonglou")
	zl.Get(path(theirs[0]))
	zl.Expect(http.StatusOK, tracking(theirs[1]), "常州市天宁区市场监督管理局", "2 件，其中 2 件未办结")
	for _, c := range []model.Case{mine, sibling} {
		if strings.Contains(zl.Last.Body, tracking(c)) {
			t.Errorf("Zhonglou's officer sees Tianning's case %s", tracking(c))
		}
	}
	// Merging into another agency's case is refused, with the same message
	// as an unknown number.
	zl.Submit(path(theirs[0]), path(theirs[0])+"/merge", form("into", tracking(mine)))
	zl.Expect(http.StatusUnprocessableEntity)
	var after model.Case
	a.DB.Take(&after, theirs[0].ID)
	if after.Status == model.CaseMerged {
		t.Fatal("merged across agencies")
	}

	admin := staffBrowser(t, a, "admin@example.org", model.RoleCityAdmin, "")
	admin.Get(path(mine))
	admin.Expect(http.StatusOK, tracking(sibling), tracking(theirs[0]), tracking(theirs[1]))
	if strings.Contains(admin.Last.Body, "其他机构办理") {
		t.Error("the city admin's page counts cases it lists in full")
	}
}
