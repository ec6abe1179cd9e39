package spotcheck_test

import (
	"context"
	"fmt"
	"strconv"
	"syscall"
	"testing"
	"time"

	"honestmeasure/configs"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/spotcheck"
	"honestmeasure/internal/storage"
)

// BenchmarkAnnounceAndDraw20000 announces and makes one draw of 200 units
// from a pool of 20,000 approved units in one agency's district with 50
// inspectors, storing everything (the pool's announcement, 200 drawn and
// 200 reserve positions, 200 inspections with two inspectors each), on
// SQLite or, with HM_TEST_MYSQL_DSN, MariaDB. It reports the peak RSS of the
// process after the runs.
func BenchmarkAnnounceAndDraw20000(b *testing.B) {
	ctx := context.Background()
	st := storage.New(dbtest.Open(b))
	ref, err := reference.Load(configs.Changzhou())
	if err != nil {
		b.Fatal(err)
	}
	if err := st.SeedReference(ctx, ref); err != nil {
		b.Fatal(err)
	}
	ag, err := st.AgencyByCode(ctx, "cz-tianning")
	if err != nil {
		b.Fatal(err)
	}
	var district model.District
	if err := st.DB().Where("code = ?", "320402").Take(&district).Error; err != nil {
		b.Fatal(err)
	}
	owner := &model.User{Login: "owner@example.org", DisplayName: "o", PasswordHash: "x", Role: model.RoleMerchant}
	if err := st.CreateUser(ctx, owner); err != nil {
		b.Fatal(err)
	}
	units := make([]model.Unit, 20_000)
	for i := range units {
		units[i] = model.Unit{OwnerUserID: owner.ID, Name: "摊位 " + strconv.Itoa(i), USCC: fmt.Sprintf("913204%012d", i), BusinessType: "market_stall",
			Address: "红梅农贸市场", DistrictID: district.ID, ContactName: "张三", ContactPhone: "13812345678", Status: model.UnitApproved}
	}
	if err := st.DB().CreateInBatches(&units, 500).Error; err != nil {
		b.Fatal(err)
	}
	var sup audit.Actor
	for i := range 50 {
		role := model.RoleOfficer
		if i == 0 {
			role = model.RoleSupervisor
		}
		u := &model.User{Login: fmt.Sprintf("o%d@example.org", i), DisplayName: "officer", PasswordHash: "x", Role: role, AgencyID: &ag.ID}
		if err := st.CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			sup = audit.Actor{User: u, IP: "192.0.2.1"}
		}
	}
	log, err := audit.New([]byte("bench-audit-key-of-at-least-thirty-two-bytes"))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	svc := &spotcheck.Service{Store: st, Audit: log, Now: func() time.Time { return now }}
	admin := audit.Actor{User: &model.User{ID: owner.ID, Role: model.RoleCityAdmin, Login: "admin"}, IP: "192.0.2.2"}
	it, err := svc.SaveItem(ctx, admin, 0, spotcheck.ItemForm{Code: "JL-01", NameZh: "检查", NameEn: "Check", Basis: "计量法", Subject: "经营者",
		Content: "计价秤检定有效", Method: "现场", Active: true})
	if err != nil {
		b.Fatal(err)
	}
	// 20,000 class-B units at 10‰ draw 200.
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		plan, err := svc.CreatePlan(ctx, sup, spotcheck.PlanForm{ItemID: strconv.FormatInt(it.ID, 10), Year: strconv.Itoa(now.In(model.Zone).Year()),
			Base: "10", A: "500", B: "1000", C: "2000", D: "4000", DueDays: "15"})
		if err != nil {
			// One plan per item and year: a new item per run.
			it2, err2 := svc.SaveItem(ctx, admin, 0, spotcheck.ItemForm{Code: "JL-" + strconv.Itoa(i+2), NameZh: "检查", NameEn: "Check", Basis: "计量法",
				Subject: "经营者", Content: "计价秤检定有效", Method: "现场", Active: true})
			if err2 != nil {
				b.Fatal(err, err2)
			}
			if plan, err = svc.CreatePlan(ctx, sup, spotcheck.PlanForm{ItemID: strconv.FormatInt(it2.ID, 10), Year: strconv.Itoa(now.In(model.Zone).Year()),
				Base: "10", A: "500", B: "1000", C: "2000", D: "4000", DueDays: "15"}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		d, err := svc.Announce(ctx, sup, plan.ID, "双色球 2026-12-10", 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Draw(ctx, sup, d.ID, "1 2 3 4 5 6 + 7"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	}
}
