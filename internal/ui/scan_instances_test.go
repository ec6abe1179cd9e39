package ui_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/app"
	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/database"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/scan"
)

// TestScanCacheAcrossInstances: two instances, each with its own pool,
// page cache and watermark, on one database — a SQLite file, or with
// HM_TEST_GALERA_DSNS two nodes of the cluster (A on node 1, B on node 2).
// Once B has a page, scanning it again asks B's database nothing; a change
// made through A shows on B's next scans within the bound
// (scan.WatermarkWindow): a scan that starts a full window after A answered
// must show it, whatever the machine's load.
func TestScanCacheAcrossInstances(t *testing.T) {
	driver, dsnA, dsnB := sharedDatabase(t)
	dbA, dbB := dbtest.OpenEmpty(t, driver, dsnA), dbtest.OpenEmpty(t, driver, dsnB)
	// Each watermark polls through a handle of its own: B's pool then
	// carries B's pages' queries and nothing else.
	a := apptest.NewOn(t, dbA, apptest.WithScanWatermark(t, dbtest.OpenEmpty(t, driver, dsnA)))
	var watermarkB *scan.Watermark
	b := apptest.NewOn(t, dbB, func(o *app.Options) {
		apptest.WithScanWatermark(t, dbtest.OpenEmpty(t, driver, dsnB))(o)
		watermarkB = o.ScanWatermark
	})

	_, unitID, ins := a.ApprovedUnit("钟楼菜场 8号摊位")
	unitPath, _ := scanPaths(t, a, unitID, ins)
	a.CreateUser("tn@example.org", "officer-pass", model.RoleOfficer, "cz-tianning")
	officer := a.Browser()
	officer.Login("tn@example.org", "officer-pass")
	staff := "/staff/units/" + strconv.FormatInt(unitID, 10)

	v := b.Browser()
	v.Get(unitPath) // rendered and cached on B
	v.Expect(http.StatusOK, "诚信计量示范单位 · ")
	uses := poolUses(t, dbB)
	waitForUnqueried(t, v, unitPath, uses)

	// A scan may query only when B's reading was not fresh throughout it:
	// a poll more than the window late (a loaded machine, -race) makes the
	// page fall back to its query, which is the design. A scan is counted
	// as having had a fresh reading when the same reading is still fresh
	// after it.
	before, mayQuery := uses(), int64(0)
	for range 300 {
		r := watermarkB.Latest()
		v.Get(unitPath)
		if v.Last.Status != http.StatusOK {
			t.Fatalf("scan on B: %d", v.Last.Status)
		}
		if watermarkB.Latest() != r || !r.Fresh(time.Now()) {
			mayQuery++
		}
	}
	if n := uses() - before; n > mayQuery {
		t.Fatalf("300 scans of a cached page on B used B's database %d times; only the %d scans around a new or stale reading may", n, mayQuery)
	} else {
		t.Logf("300 scans of a cached page on B used B's database %d times (%d scans were around a new or stale reading)", n, mayQuery)
	}

	// Suspend and reinstate, alternately, through A: ten changes.
	const suspended = "示范资格已暂停"
	changes := []struct {
		action, reason string
		suspended      bool // what the page must show after it
	}{
		{"suspend", "计价秤铅封破损", true},
		{"reinstate", "已整改", false},
	}
	var took []time.Duration
	for i := range 10 {
		ch := changes[i%2]
		before := uses()
		officer.Submit(staff, staff+"/"+ch.action, apptest.Form("reason", ch.reason+" "+strconv.Itoa(i)))
		officer.Expect(http.StatusOK)
		done := time.Now() // A answered: the change is committed
		for {
			start := time.Now()
			v.Get(unitPath)
			if v.Last.Status == http.StatusOK && strings.Contains(v.Last.Body, suspended) == ch.suspended {
				took = append(took, start.Sub(done))
				break
			}
			if start.Sub(done) >= scan.WatermarkWindow {
				t.Fatalf("change %d (%s): a scan on B started %v after A committed it still shows the old page; the bound is %v",
					i+1, ch.action, start.Sub(done), scan.WatermarkWindow)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if i == 0 {
			t.Logf("suspension made on A shown by a scan on B started %v after A answered", took[0])
			if uses() == before {
				// The counter is live: the page that changed was queried for
				// and rendered again.
				t.Fatal("B showed the change without using its database")
			}
		}
	}
	slices.Sort(took)
	t.Logf("%d changes on A, first scan on B showing each started after: median %v, max %v (bound %v; all %v)",
		len(took), took[len(took)/2], took[len(took)-1], scan.WatermarkWindow, took)
}

// sharedDatabase is one migrated database and the DSNs two instances use
// for it: the same SQLite file (or HM_TEST_MYSQL_DSN database), or nodes 1
// and 2 of the Galera cluster when HM_TEST_GALERA_DSNS is set.
func sharedDatabase(t *testing.T) (driver, dsnA, dsnB string) {
	t.Helper()
	if len(dbtest.GaleraDSNs()) >= 2 {
		nodes := dbtest.GaleraNodes(t)
		driver, dsnA, dsnB = "mysql", nodes[0], nodes[1]
	} else {
		driver, dsnA = dbtest.Options(t)
		dsnB = dsnA
	}
	if _, err := database.Migrate(context.Background(), dbtest.OpenEmpty(t, driver, dsnA)); err != nil {
		t.Fatal(err)
	}
	return driver, dsnA, dsnB
}

// poolUses counts every use of db's connections from now on: a pool that
// keeps no idle connection closes each one it gets back, so each statement
// (or transaction) run through db — by GORM or by a prepared statement
// like storage.ScanStamp — adds one.
func poolUses(t *testing.T, db *gorm.DB) func() int64 {
	t.Helper()
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxIdleConns(0)
	return func() int64 { return sqlDB.Stats().MaxIdleClosed }
}

// waitForUnqueried scans path until a scan uses no connection: the first
// scans after the page was rendered, or before B's watermark has its first
// reading, still validate by query (and mark the page current).
func waitForUnqueried(t *testing.T, v *apptest.Browser, path string, uses func() int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		before := uses()
		v.Get(path)
		if v.Last.Status != http.StatusOK {
			t.Fatalf("scan: %d", v.Last.Status)
		}
		if uses() == before {
			return
		}
		time.Sleep(scan.WatermarkInterval / 5)
	}
	t.Fatal("no scan was served without a query within 10 s")
}
