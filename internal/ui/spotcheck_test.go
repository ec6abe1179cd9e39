package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/draw"
	"honestmeasure/internal/model"
	"honestmeasure/internal/photos/phototest"
)

// The spot checks through the pages: the admin adds a check item; the
// Tianning supervisor makes a plan, announces a draw and draws; an
// inspector records a failing result; the supervisor opens a case and
// publishes the result, which /spot-checks and the unit's scan page show;
// the draw's file verifies.
func TestSpotChecksThroughThePages(t *testing.T) {
	a := apptest.New(t)
	_, unitID, _ := a.ApprovedUnit("钟楼菜场 8号摊位")
	a.CreateUser("admin@example.org", "admin-pass-123", model.RoleCityAdmin, "")
	sup := a.CreateUser("sup@tianning.example.org", "supervisor-pass", model.RoleSupervisor, "cz-tianning")
	a.CreateUser("o1@tianning.example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	a.CreateUser("o2@tianning.example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	var unit model.Unit
	a.DB.First(&unit, unitID)
	if d := a.DistrictID("320402"); strconv.FormatInt(unit.DistrictID, 10) != d {
		a.DB.Model(&unit).Update("district_id", d) // the fixture's stall is in Tianning for this test
	}

	admin := a.Browser()
	admin.Login("admin@example.org", "admin-pass-123")
	admin.Submit("/admin/check-items", "/admin/check-items", url.Values{"code": {"jl-01"}, "name_zh": {""}})
	admin.Expect(http.StatusUnprocessableEntity, `href="#name_zh"`, `value="jl-01"`)
	admin.Submit("/admin/check-items", "/admin/check-items", url.Values{"code": {"jl-01"}, "name_zh": {"集贸市场计量器具检查"},
		"name_en": {"Market instruments"}, "basis": {"《计量法》第九条"}, "subject": {"经营者"}, "content": {"计价秤检定有效\n无作弊装置"},
		"method": {"现场检查"}, "active": {"yes"}})
	admin.Expect(http.StatusOK, "检查事项已保存。", "<code>JL-01</code>")
	var item model.CheckItem
	a.DB.Where("code = ?", "JL-01").Take(&item)

	s := a.Browser()
	s.Login("sup@tianning.example.org", "supervisor-pass")
	year := strconv.Itoa(a.Now().In(model.Zone).Year())
	s.Submit("/staff/spot-checks", "/staff/spot-checks/plans", url.Values{"item_id": {strconv.FormatInt(item.ID, 10)}, "year": {year},
		"base": {"1000"}, "class_a": {"500"}, "class_b": {"1000"}, "class_c": {"2000"}, "class_d": {"4000"}, "due_days": {"15"}})
	s.Expect(http.StatusOK, "集贸市场计量器具检查")
	var plan model.SpotCheckPlan
	a.DB.Where("agency_id = ?", sup.AgencyID).Take(&plan)
	s.Post("/staff/spot-checks/plans/"+strconv.FormatInt(plan.ID, 10)+"/announce", url.Values{"randomness_source": {"双色球 2026-12-10 开奖号码"}})
	s.Expect(http.StatusOK, "已公布，等待随机数", "双色球 2026-12-10 开奖号码")
	drawPath := s.Last.URL[:strings.Index(s.Last.URL, "?")]
	s.Post(drawPath+"/draw", url.Values{"random_value": {"03 09 14 22 27 31 + 08"}})
	s.Expect(http.StatusOK, "已抽取", "钟楼菜场 8号摊位")

	var d model.Draw
	a.DB.Take(&d)
	anon := a.Browser()
	if r := anon.Get("/spot-checks/draws/" + d.Code + ".json"); r.Status != http.StatusOK {
		t.Fatalf("draw file: %d", r.Status)
	} else if _, err := draw.Verify([]byte(r.Body)); err != nil {
		t.Fatalf("the downloaded draw does not verify: %v", err)
	}
	task := regexp.MustCompile(`href="(/staff/inspections/\d+)"`).FindStringSubmatch(s.Last.Body)[1]

	// The supervisor records (one of the agency's staff may be drawn; a
	// supervisor may record any of its tasks).
	s.Get(task)
	s.Expect(http.StatusOK, "计价秤检定有效", "无作弊装置")
	today := a.Now().In(model.Zone).Format(time.DateOnly)
	s.PostMultipart(task+"/result", url.Values{"_csrf": {s.CSRF()}, "points": {"2"}, "checked_on": {today},
		"outcome_1": {"pass"}, "outcome_2": {"fail"}, "note_2": {"发现遥控器"}},
		apptest.File{Field: "photos", Name: "scale.jpg", Data: phototest.JPEG(640, 480, 0x22, false)})
	s.Expect(http.StatusOK, "不合格", "据此结果立案", `src="`+task+`/photos/1"`)
	if r := s.Get(task + "/photos/1"); r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("the inspection's photo: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	s.Get(task)
	s.Post(task+"/case", url.Values{"category": {"cheating_device"}})
	s.Expect(http.StatusOK, "已据此检查立案")
	s.Post(task+"/publish", url.Values{"summary": {"抽查发现计价秤作弊装置，已立案查处。"}})
	s.Expect(http.StatusOK, "已公示。")

	// The failed check is one of the unit's risk facts: its class is
	// recomputed at once.
	var risk model.UnitRisk
	if err := a.DB.Where("unit_id = ?", unitID).Take(&risk).Error; err != nil || risk.Class.Rank() < 1 || !strings.Contains(risk.Inputs, "spot") {
		t.Errorf("risk class after a failed spot check: %+v %v", risk, err)
	}

	anon.Get("/spot-checks")
	anon.Expect(http.StatusOK, "抽查发现计价秤作弊装置，已立案查处。", d.Code, d.PoolHash)
	anon.Get(a.ScanPath(model.QRUnit, unitID))
	anon.Expect(http.StatusOK, "抽查发现计价秤作弊装置，已立案查处。")

	// Officers see their tasks but do not announce; the public does not
	// see the staff pages.
	o := a.Browser()
	o.Login("o1@tianning.example.org", "officer-pass")
	o.Get("/staff/spot-checks")
	o.Expect(http.StatusOK, "我的检查任务")
	if strings.Contains(o.Last.Body, "/announce") {
		t.Error("an officer is offered to announce a draw")
	}
	if r := o.Get(task + "/photos/1"); r.Status != http.StatusNotFound && !isAssigned(a, task, "o1@tianning.example.org") {
		t.Errorf("an officer not assigned saw the photo: %d", r.Status)
	}
	if r := anon.Get(drawPath); r.Status == http.StatusOK && !strings.HasPrefix(r.URL, "/login") {
		t.Errorf("the public opened %s: %d %s", drawPath, r.Status, r.URL)
	}
}

// isAssigned reports whether login is one of the inspectors of the task at
// path /staff/inspections/N.
func isAssigned(a *apptest.App, path, login string) bool {
	id := path[strings.LastIndex(path, "/")+1:]
	var n int64
	a.DB.Table("inspection_inspectors").Joins("JOIN users ON users.id = inspection_inspectors.user_id").
		Where("inspection_inspectors.inspection_id = ? AND users.login = ?", id, login).Count(&n)
	return n > 0
}
