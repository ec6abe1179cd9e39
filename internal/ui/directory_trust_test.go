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

// addUnit copies unit id's row under another name and status: the
// directory's order and statuses are what is tested, not how units get there.
func addUnit(t *testing.T, a *apptest.App, id int64, name string, status model.UnitStatus) {
	t.Helper()
	var u model.Unit
	if err := a.DB.First(&u, id).Error; err != nil {
		t.Fatal(err)
	}
	u.ID, u.Name, u.Status, u.USCCLive = 0, name, status, nil
	if err := a.DB.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
}

func TestDirectoryListsStatusHealthInPinyinOrder(t *testing.T) {
	a := apptest.New(t)
	_, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	addUnit(t, a, unitID, "白云药房", model.UnitSuspended)
	addUnit(t, a, unitID, "安心水果", model.UnitRevoked)
	addUnit(t, a, unitID, "八方超市", model.UnitApproved)
	addUnit(t, a, unitID, "草稿小店", model.UnitDraft)
	v := a.Browser()
	v.Get("/units")
	v.Expect(http.StatusOK, "共 4 家", "已暂停", "已撤销", "2 台器具未经检定", "未登记器具")
	if strings.Contains(v.Last.Body, "草稿小店") {
		t.Error("a draft is listed")
	}
	body := v.Last.Body
	order := []string{"安心水果", "八方超市", "白云药房", "钟楼菜场 8号摊位"}
	for i := 1; i < len(order); i++ {
		if strings.Index(body, order[i-1]) > strings.Index(body, order[i]) {
			t.Errorf("%s listed after %s: not in pinyin order", order[i-1], order[i])
		}
	}
	// Links are relative: the page works under any host name.
	unitPath, _ := scanPaths(t, a, unitID, ins)
	if !strings.Contains(body, `href="`+unitPath+`"`) {
		t.Errorf("no relative link to %s", unitPath)
	}
	v.Header.Set("Accept-Language", "en")
	v.Get("/units")
	v.Expect(http.StatusOK, "Suspended", "Revoked", "2 instruments never verified", "No instruments listed")
}

// HEAD on a scan URL answers like GET, headers and all, without the body.
func TestScanHead(t *testing.T) {
	a := apptest.New(t)
	_, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	unitPath, instPath := scanPaths(t, a, unitID, ins)
	for _, path := range []string{unitPath, strings.ToLower(instPath), "/Q/HELLO-WORLD"} {
		get, head := ask(t, "GET", a.URL+path), ask(t, "HEAD", a.URL+path)
		n, _ := head.Body.Read(make([]byte, 1))
		head.Body.Close()
		if head.StatusCode != get.StatusCode || n != 0 {
			t.Errorf("HEAD %s: %d with %d body bytes, GET %d", path, head.StatusCode, n, get.StatusCode)
		}
		for _, h := range []string{"Content-Type", "Content-Encoding", "Content-Length", "Cache-Control", "ETag"} {
			if head.Header.Get(h) != get.Header.Get(h) {
				t.Errorf("HEAD %s: %s %q, GET %q", path, h, head.Header.Get(h), get.Header.Get(h))
			}
		}
	}
}

func TestFavicon(t *testing.T) {
	a := apptest.New(t)
	v := a.Browser()
	v.Get("/units")
	v.Expect(http.StatusOK, `rel="icon"`)
	resp, err := http.Get(a.URL + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age") {
		t.Fatalf("favicon: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
}

// ask sends method to url as a phone's browser would (accepting gzip).
func ask(t *testing.T, method, url string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if method == "GET" {
		resp.Body.Close()
	}
	return resp
}

// TestCaseConclusionSealsTheInstrument: a case concluded with the scale
// sealed shows the scale as sealed on its already-cached scan page at once,
// and the unit's verdict counts it; the seal is audited.
func TestCaseConclusionSealsTheInstrument(t *testing.T) {
	a := apptest.New(t)
	_, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	unitPath, instPath := scanPaths(t, a, unitID, ins)
	v := a.Browser()
	v.Get(instPath) // cached from here on
	v.Expect(http.StatusOK, "✗ 没有检定记录")
	v.Get("/report?t=" + instPath[len("/Q/"):])
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(v.Last.Body)[1]
	v.PostMultipart("/report", reportFields("tip", "t", instPath[len("/Q/"):], "idempotency_key", key))
	v.Expect(http.StatusCreated)

	a.CreateUser("tn@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	tn := a.Browser()
	tn.Login("tn@example.org", "officer-pass")
	var c model.Case
	a.DB.Take(&c)
	casePath := "/staff/cases/" + strconv.FormatInt(c.ID, 10)
	tn.Get(casePath)
	tn.Submit(casePath, casePath+"/act/verify", nil)
	tn.Submit(casePath, casePath+"/act/open_case", nil)
	tn.Submit(casePath, casePath+"/act/conclude", form("outcome", "substantiated", "instrument_measure", "sealed",
		"unit_measure", "warning", "reason", "计价秤被改装，已封存"))
	tn.Expect(http.StatusOK, "已办结")

	v.Get(instPath)
	v.Expect(http.StatusOK, "✗ 已被监管部门封存", "一律不得使用", "举报这台器具", "category=unverified_instrument")
	v.Get(unitPath)
	v.Expect(http.StatusOK, "1 台器具已封存", "1 台器具未经检定", "已封存")
	var in model.Instrument
	a.DB.First(&in, ins[0].ID)
	if in.SealedAt == nil || in.SealedCaseID == nil || *in.SealedCaseID != c.ID {
		t.Fatalf("instrument not sealed by the case: %+v", in)
	}
	var n int64
	a.DB.Table("audit_log").Where("action = ? AND object_id = ?", audit.ActionInstrumentSeal, strconv.FormatInt(in.ID, 10)).Count(&n)
	if n != 1 {
		t.Fatalf("%d audit entries for the seal", n)
	}
}

// TestRevokedUnitsPledgeIsVoid: neither the public page nor the merchant's
// own shows a revoked unit's pledge as valid, though its dates still run.
func TestRevokedUnitsPledgeIsVoid(t *testing.T) {
	a := apptest.New(t)
	m, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	unitPath, _ := scanPaths(t, a, unitID, ins)
	unit := "/merchant/units/" + strconv.FormatInt(unitID, 10)
	m.Get(unit)
	m.Expect(http.StatusOK, "有效期至")
	a.CreateUser("tn@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	o := a.Browser()
	o.Login("tn@example.org", "officer-pass")
	staff := "/staff/units/" + strconv.FormatInt(unitID, 10)
	o.Submit(staff, staff+"/revoke", form("reason", "使用作弊计价秤"))
	o.Expect(http.StatusOK, "单位暂停或撤销期间承诺无效")
	m.Get(unit)
	m.Expect(http.StatusOK, "单位暂停或撤销期间承诺无效")
	v := a.Browser()
	v.Get(unitPath)
	v.Expect(http.StatusOK, "示范资格已撤销", "该承诺已失效")
	if strings.Contains(v.Last.Body, "签署，有效期至") {
		t.Error("the public page shows the revoked unit's pledge as valid")
	}
}
