package ui_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/opendata"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/uscc"
)

var storedUnits int // makes every stored unit's credit code unique

// storeUnits stores n units in Zhonglou in status (through the approval
// transition when published), named prefix 001…; it returns their IDs.
func storeUnits(t *testing.T, a *apptest.App, owner int64, prefix string, status model.UnitStatus, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	var district model.District
	a.DB.Where("code = ?", "320404").Take(&district)
	var ids []int64
	for i := 1; i <= n; i++ {
		storedUnits++
		body := fmt.Sprintf("92%09dMA1XXX", storedUnits)
		check, ok := uscc.CheckChar(body)
		if !ok {
			t.Fatalf("bad credit code body %s", body)
		}
		u := &model.Unit{OwnerUserID: owner, Name: fmt.Sprintf("%s%03d", prefix, i), USCC: body + string(check),
			BusinessType: model.BusinessMarketStall, Address: fmt.Sprintf("钟楼区南大街%d号", i), DistrictID: district.ID,
			ContactName: apptest.ContactName, ContactPhone: apptest.ContactPhone, Status: model.UnitSubmitted}
		if status == model.UnitDraft {
			u.Status = model.UnitDraft
		}
		if err := a.Store.CreateUnit(ctx, u); err != nil {
			t.Fatal(err)
		}
		for _, to := range map[model.UnitStatus][]model.UnitStatus{model.UnitApproved: {model.UnitApproved},
			model.UnitSuspended: {model.UnitApproved, model.UnitSuspended}}[status] {
			var from model.UnitStatus
			a.DB.Model(&model.Unit{}).Select("status").Where("id = ?", u.ID).Scan(&from)
			if err := a.Store.ChangeUnitStatus(ctx, storage.UnitChange{UnitID: u.ID, From: from, To: to, At: a.Now()}); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, u.ID)
	}
	return ids
}

type unitsFile struct {
	Licence     string            `json:"licence"`
	Source      string            `json:"source"`
	GeneratedAt string            `json:"generated_at"`
	Units       []json.RawMessage `json:"units"`
}

var unitFields = []string{"id", "name", "business_type", "district_code", "district_name_zh", "district_name_en", "address", "status",
	"pledge_state", "pledge_signed_on", "pledge_valid_until", "instruments"}

func TestOpenDataDownloads(t *testing.T) {
	a := apptest.New(t)
	_, unitID, _ := a.ApprovedUnit("红梅菜场 8号摊位")
	var owner model.Unit
	a.DB.Take(&owner, unitID)
	suspended := storeUnits(t, a, owner.OwnerUserID, "停业整顿摊", model.UnitSuspended, 1)[0]
	storeUnits(t, a, owner.OwnerUserID, "草稿摊", model.UnitDraft, 1)
	storeUnits(t, a, owner.OwnerUserID, "待审摊", model.UnitSubmitted, 1)
	formula := storeUnits(t, a, owner.OwnerUserID, "=HYPERLINK(\"http://evil\")", model.UnitApproved, 1)[0]
	today := model.DateOf(a.Now()).Format(time.DateOnly)

	// The page, linked from every public page's footer.
	b := a.Browser()
	b.Get("/")
	b.Expect(http.StatusOK, `href="/open-data"`)
	b.Get("/open-data")
	b.Expect(http.StatusOK, "开放数据", `href="/open-data/units.csv"`, `href="/open-data/units.json"`, `href="/open311/v2/services.json"`, "CC BY 4.0")

	r := b.Get("/open-data/units.csv")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") || !strings.HasPrefix(r.Header.Get("Cache-Control"), "public") {
		t.Fatalf("csv: %d %v", r.Status, r.Header)
	}
	body, ok := strings.CutPrefix(r.Body, "\ufeff")
	if !ok {
		t.Fatal("the CSV does not start with a UTF-8 byte-order mark (Excel would read it as GBK)")
	}
	licence, rest, _ := strings.Cut(body, "\r\n")
	if !strings.HasPrefix(licence, "# 许可 License: CC BY 4.0") || !strings.HasSuffix(licence, "generated "+today) || !strings.Contains(licence, "常州") {
		t.Fatalf("licence line %q", licence)
	}
	rows, err := csv.NewReader(strings.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], opendata.CSVHeader) {
		t.Fatalf("header %v", rows[0])
	}
	byUnit := map[string][][]string{}
	for _, row := range rows[1:] {
		byUnit[row[1]] = append(byUnit[row[1]], row)
	}
	if len(byUnit) != 3 {
		t.Fatalf("units listed: %v, want the published, the suspended and the formula one", byUnit)
	}
	stall := byUnit["红梅菜场 8号摊位"]
	if len(stall) != 2 || stall[0][12] != "CZ-01" || stall[1][12] != "CZ-02" || stall[0][10] != "price_scale" ||
		stall[0][13] != string(model.StateNeverChecked) || stall[0][11] == "" || stall[0][6] != "approved" ||
		stall[0][7] != "in_force" || stall[0][8] != today || stall[0][4] != "天宁区" || stall[0][5] != "天宁区红梅南路1号红梅农贸市场" {
		t.Fatalf("the stall's rows: %v", stall)
	}
	if s := byUnit["停业整顿摊001"]; len(s) != 1 || s[0][6] != "suspended" || s[0][7] != opendata.PledgeNone || s[0][12] != "" {
		t.Fatalf("the suspended unit: %v", s)
	}
	if f := byUnit[`'=HYPERLINK("http://evil")001`]; len(f) != 1 {
		t.Fatalf("a name a spreadsheet would run is not defused: %v", byUnit)
	}

	r = b.Get("/open-data/units.json")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("json: %d %v", r.Status, r.Header)
	}
	var file unitsFile
	if err := json.Unmarshal([]byte(r.Body), &file); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.Body)
	}
	if file.Licence != opendata.Licence || !strings.Contains(file.Source, "常州") {
		t.Fatalf("licence %q source %q", file.Licence, file.Source)
	}
	if g, err := time.Parse(time.RFC3339, file.GeneratedAt); err != nil || a.Now().Sub(g) > time.Minute {
		t.Fatalf("generated_at %q", file.GeneratedAt)
	}
	var ids []int64
	for _, raw := range file.Units {
		var m map[string]json.RawMessage
		json.Unmarshal(raw, &m)
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		want := slices.Clone(unitFields)
		sort.Strings(want)
		if !slices.Equal(keys, want) {
			t.Fatalf("unit keys %v, want %v", keys, want)
		}
		var u opendata.Unit
		json.Unmarshal(raw, &u)
		ids = append(ids, u.ID)
		if u.ID == unitID && (len(u.Instruments) != 2 || u.Instruments[1].SerialNo != "CZ-02" || u.PledgeState != "in_force" ||
			u.PledgeValidUntil == nil || u.DistrictCode != "320402") {
			t.Fatalf("the stall: %s", raw)
		}
		if u.ID == formula && u.Name != `=HYPERLINK("http://evil")001` {
			t.Fatalf("JSON is data, not a spreadsheet: the name is kept as typed: %q", u.Name)
		}
	}
	if !slices.Equal(ids, []int64{unitID, suspended, formula}) {
		t.Fatalf("units %v, want %v in ID order", ids, []int64{unitID, suspended, formula})
	}
}

// The downloads walk the directory in batches: every unit once, in order,
// across batch boundaries.
func TestOpenDataStreamsInBatches(t *testing.T) {
	a := apptest.New(t)
	owner := a.CreateUser("owner@example.org", "merchant-pass", model.RoleMerchant, "")
	ids := storeUnits(t, a, owner.ID, "批量摊", model.UnitApproved, opendata.BatchSize+3)
	var seen []int64
	truncated, err := opendata.EachUnit(context.Background(), a.Store, a.Now(), func(u *opendata.Unit) error {
		seen = append(seen, u.ID)
		return nil
	})
	if err != nil || truncated || !slices.Equal(seen, ids) {
		t.Fatalf("walked %d units (truncated %v, err %v), want %d in order", len(seen), truncated, err, len(ids))
	}
	var buf bytes.Buffer
	if err := opendata.WriteCSV(context.Background(), &buf, a.Store, a.Now(), "test"); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "\r\n"); n != len(ids)+2 {
		t.Fatalf("%d lines, want licence + header + %d", n, len(ids))
	}
}

// A crowd downloading at once waits rather than taking every connection.
func TestOpenDataDownloadsAreBounded(t *testing.T) {
	a := apptest.New(t)
	var releases []func()
	for range opendata.MaxConcurrent {
		release, ok := opendata.Acquire()
		if !ok {
			t.Fatal("a slot was already taken")
		}
		releases = append(releases, release)
	}
	b := a.Browser()
	r := b.Get("/open-data/units.json")
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("all slots taken: %d %v", r.Status, r.Header)
	}
	for _, release := range releases {
		release()
	}
	if r := b.Get("/open-data/units.json"); r.Status != http.StatusOK {
		t.Fatalf("slots free again: %d", r.Status)
	}
}
