package demo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"honestmeasure/configs"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/demo"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/storage"
)

func TestDemoCoversEveryStateAndRole(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	st := storage.New(db)
	ref, err := reference.Load(configs.Changzhou())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SeedReference(ctx, ref); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	res, err := demo.Load(ctx, st, ref, []byte("0123456789abcdef0123456789abcdef"), demoAudit(t), now)
	if err != nil {
		t.Fatal(err)
	}

	if res.Units < 30 {
		t.Errorf("%d units, want a few dozen", res.Units)
	}
	var perDistrict []struct {
		DistrictID int64
		N          int
	}
	db.Raw("SELECT district_id, COUNT(*) AS n FROM units WHERE status = 'approved' GROUP BY district_id").Scan(&perDistrict)
	if len(perDistrict) != len(ref.Districts) {
		t.Errorf("published units in %d districts, want all %d", len(perDistrict), len(ref.Districts))
	}

	// A spot check of the year: a draw made, its inspections, one result
	// published and one waiting.
	var drawn, done, published int64
	db.Model(&model.Draw{}).Where("status = ?", model.DrawDrawn).Count(&drawn)
	db.Model(&model.Inspection{}).Where("status = ?", model.InspectionDone).Count(&done)
	db.Model(&model.Inspection{}).Where("spot_check_id IS NOT NULL").Count(&published)
	if drawn != 1 || done != 2 || published != 1 {
		t.Errorf("demo spot checks: %d draws, %d inspections done, %d published; want 1, 2, 1", drawn, done, published)
	}

	roles := map[model.Role]bool{}
	for _, l := range res.Logins {
		roles[l.Role] = true
	}
	for _, r := range model.Roles {
		if !roles[r] {
			t.Errorf("no demo login for role %s", r)
		}
	}

	// Derive every instrument's state from its latest record, as the scan
	// page will.
	var instruments []model.Instrument
	db.Find(&instruments)
	states := map[model.VerificationState]int{}
	for _, in := range instruments {
		var latest []model.VerificationRecord
		db.Where("instrument_id = ?", in.ID).Order("verified_on DESC, id DESC").Limit(1).Find(&latest)
		var rec *model.VerificationRecord
		if len(latest) == 1 {
			rec = &latest[0]
		}
		var typ model.InstrumentType
		db.Take(&typ, in.TypeID)
		states[model.StateOf(rec, typ, now)]++
	}
	for _, s := range []model.VerificationState{model.StateValid, model.StateExpiring, model.StateExpired, model.StateFailed, model.StateNeverChecked} {
		if states[s] == 0 {
			t.Errorf("no demo instrument in state %s (got %v)", s, states)
		}
	}

	statuses := map[model.CaseStatus]bool{}
	for _, r := range res.Reports {
		statuses[r.Status] = true
	}
	if len(res.Reports) < 5 || len(statuses) < 4 {
		t.Errorf("%d reports in %d states, want a few in different states", len(res.Reports), len(statuses))
	}
	var unitStatuses []string
	db.Raw("SELECT DISTINCT status FROM units").Scan(&unitStatuses)
	if len(unitStatuses) < 6 {
		t.Errorf("unit statuses %v: want draft, submitted, returned, approved, suspended, revoked, expired", unitStatuses)
	}
	var revoked int64
	db.Model(&model.QRToken{}).Where("revoked_at IS NOT NULL").Count(&revoked)
	if revoked == 0 {
		t.Error("no reprinted (revoked) QR code in the demo")
	}

	if _, err := demo.Load(ctx, st, ref, nil, demoAudit(t), now); !errors.Is(err, demo.ErrNotEmpty) {
		t.Fatalf("second load: %v, want ErrNotEmpty", err)
	}
}

func demoAudit(t *testing.T) *audit.Log {
	t.Helper()
	log, err := audit.New([]byte("demo-test-audit-key-of-at-least-32-bytes"))
	if err != nil {
		t.Fatal(err)
	}
	return log
}
