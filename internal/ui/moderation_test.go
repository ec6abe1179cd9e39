package ui_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

var confirmBox = regexp.MustCompile(`name="confirm_mask" value="([0-9a-f]+)"`)

// A suspension's public reason with a phone number in it is held with a
// highlighted preview; once confirmed, the scan page shows it masked with
// "edited by <agency> on <date>", and only a supervisor reads the original.
func TestPublicReasonGoesThroughTheGate(t *testing.T) {
	a := apptest.New(t)
	_, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	unitPath, _ := scanPaths(t, a, unitID, ins)
	a.CreateUser("tn@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	a.CreateUser("tnsup@example.org", "officer-pass", model.RoleSupervisor, "cz-tianning")
	a.CreateUser("zlsup@example.org", "officer-pass", model.RoleSupervisor, "cz-zhonglou")
	o, sup, other, v := a.Browser(), a.Browser(), a.Browser(), a.Browser()
	o.Login("tn@example.org", "officer-pass")
	sup.Login("tnsup@example.org", "officer-pass")
	other.Login("zlsup@example.org", "officer-pass")
	staff := "/staff/units/" + strconv.FormatInt(unitID, 10)
	reason := "计价秤铅封破损，投诉人电话 138 1234 5678"

	o.Submit(staff, staff+"/suspend", form("reason", reason))
	o.Expect(http.StatusUnprocessableEntity, "发现个人信息", "手机号", "<mark>138 1234 5678</mark>", reason)
	v.Get(unitPath)
	v.Expect(http.StatusOK, "诚信计量示范单位")
	m := confirmBox.FindStringSubmatch(o.Last.Body)
	if m == nil {
		t.Fatal("no confirmation box")
	}
	// Edited after the preview: checked afresh, and held again.
	edited := reason + "。"
	o.Post(staff+"/suspend", form("reason", edited, "confirm_mask", m[1]))
	o.Expect(http.StatusUnprocessableEntity, "发现个人信息")
	o.Post(staff+"/suspend", form("reason", reason, "confirm_mask", m[1]))
	o.Expect(http.StatusOK, "示范资格已暂停")

	v.Get(unitPath)
	v.Expect(http.StatusOK, "示范资格已暂停", "计价秤铅封破损，投诉人电话 ＊＊＊＊＊＊＊＊＊＊＊＊＊", "编辑）")
	if strings.Contains(v.Last.Body, "5678") {
		t.Fatal("the scan page shows the masked number")
	}

	var mod model.Moderation
	if err := a.DB.Take(&mod).Error; err != nil || mod.Original != reason {
		t.Fatalf("moderation %+v %v", mod, err)
	}
	path := "/staff/moderations/" + strconv.FormatInt(mod.ID, 10)
	if r := o.Get(path); r.Status != http.StatusNotFound || strings.Contains(r.Body, "5678") {
		t.Fatalf("the officer reads the original: %d", r.Status)
	}
	if r := other.Get(path); r.Status != http.StatusNotFound {
		t.Fatalf("another agency's supervisor reads the original: %d", r.Status)
	}
	r := sup.Get(path)
	sup.Expect(http.StatusOK, "遮盖前的原文", reason)
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	if r := v.Get(path); strings.Contains(r.Body, "5678") || !strings.HasPrefix(r.URL, "/login") {
		t.Fatalf("a citizen is not sent to log in: %d %s", r.Status, r.URL)
	}
}
