package faults

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/database/dbtest"
)

// TestKillNineLosesNothingAnswered201: SIGKILL the server in the middle of a
// report-submission load; after a restart, every tracking number that was
// answered 201 exists, with its photo.
func TestKillNineLosesNothingAnswered201(t *testing.T) {
	env := baseEnv(t)
	srv := start(t, env)
	jpg := photo(t)
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}

	var (
		mu       sync.Mutex
		accepted []string
		n        atomic.Int64
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				_, tracking, err := submit(ctx, client, srv.url, int(n.Add(1)), jpg)
				if err != nil && tracking == "" {
					continue // connection cut by the kill: not answered, so not promised
				}
				if tracking != "" {
					mu.Lock()
					accepted = append(accepted, tracking)
					mu.Unlock()
				}
			}
		}()
	}
	// Let the load run, then kill without warning.
	for {
		mu.Lock()
		got := len(accepted)
		mu.Unlock()
		if got >= 20 || ctx.Err() != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = srv.cmd.Process.Wait()
	cancel()
	wg.Wait()
	mu.Lock()
	promised := append([]string(nil), accepted...)
	mu.Unlock()
	if len(promised) < 20 {
		t.Fatalf("only %d reports accepted before the kill\n%s", len(promised), srv.logs)
	}

	// Restart on the same database and look every promise up.
	start(t, env)
	driver, dsn := driverDSN(env)
	db := dbtest.OpenEmpty(t, driver, dsn)
	for _, tr := range promised {
		var photos int64
		err := db.Table("reports").Joins("JOIN report_photos ON report_photos.report_id = reports.id").
			Where("reports.tracking_no = ?", tr).Count(&photos).Error
		if err != nil {
			t.Fatal(err)
		}
		if photos != 1 {
			t.Errorf("report %s was answered 201 but after the kill has %d photos (or does not exist)", tr, photos)
		}
		if !caseExists(db, tr) {
			t.Errorf("report %s has no case after the kill", tr)
		}
	}
	t.Logf("%d reports answered 201 before SIGKILL; all present with their photos and cases after restart", len(promised))
}

func caseExists(db *gorm.DB, tracking string) bool {
	var n int64
	db.Table("cases").Joins("JOIN reports ON reports.id = cases.report_id").Where("reports.tracking_no = ?", tracking).Count(&n)
	return n == 1
}

// driverDSN picks HM_DB_DRIVER and HM_DB_DSN out of env.
func driverDSN(env []string) (string, string) {
	var driver, dsn string
	for _, kv := range env {
		switch {
		case len(kv) > 13 && kv[:13] == "HM_DB_DRIVER=":
			driver = kv[13:]
		case len(kv) > 10 && kv[:10] == "HM_DB_DSN=":
			dsn = kv[10:]
		}
	}
	return driver, dsn
}
