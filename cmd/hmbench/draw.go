package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/risk"
	"honestmeasure/internal/spotcheck"
	"honestmeasure/internal/storage"
)

// drawCommand is the child process that announces and makes one spot-check
// draw, so its peak RSS is the draw's alone.
const drawCommand = "draw-worker"

// drawRun is what one child run reports.
type drawRun struct {
	Pool, Inspectors, Drawn, Reserve int
	AnnounceSeconds, DrawSeconds     float64
	PeakMB                           float64
}

// drawInspectors is how many officers of the city bureau are drawn from.
const drawInspectors = 50

// measureDraw announces and makes a draw of about 1% of the seeded city's
// approved units (200 of 20,000 with -units 20000) by the city bureau, whose
// jurisdiction is every district, with 50 inspectors, everything stored as
// the product stores it (issue 14), in a child process.
func measureDraw(ctx context.Context, b *bench, t *table, p *progress) error {
	p.say("draw: announcing and drawing by the city bureau")
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, self, drawCommand, "-db", b.o.driver, "-dsn", b.o.dsn)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("draw worker: %v: %s", err, errOut.String())
	}
	var r drawRun
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return fmt.Errorf("draw worker said %q: %v", out.String(), err)
	}
	t.info(fmt.Sprintf("spot-check draw: %d drawn (+%d reserve) of %s units, %d inspectors, stored", r.Drawn, r.Reserve, countLabel(int64(r.Pool)), r.Inspectors),
		fmt.Sprintf("announce %.2f s, draw %.2f s, peak RSS %.1f MB", r.AnnounceSeconds, r.DrawSeconds, r.PeakMB))
	return nil
}

// drawWorker is the child: it makes sure the city bureau has a supervisor
// and 50 officers, adds a check item and a plan of 10‰ with every class at
// the base ratio, announces, draws and prints its figures as JSON.
func drawWorker(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(drawCommand, flag.ContinueOnError)
	driver := fs.String("db", "sqlite", "sqlite or mysql")
	dsn := fs.String("dsn", "", "database")
	if err := fs.Parse(args); err != nil {
		return err
	}
	w, err := openWorker(ctx, drawCommand, *driver, *dsn)
	if err != nil {
		return err
	}
	db, ref, auditLog, log := w.db, w.ref, w.audit, w.log
	st := storage.New(db)
	city, err := st.AgencyByCode(ctx, "cz-city")
	if err != nil {
		return err
	}
	staff := func(i int, role model.Role) (*model.User, error) {
		login := "draw-" + strconv.Itoa(i) + "@hmbench.local"
		var u model.User
		if err := db.WithContext(ctx).Where("login = ?", login).Take(&u).Error; err == nil {
			return &u, nil
		}
		u = model.User{Login: login, DisplayName: "抽查人员 " + strconv.Itoa(i), PasswordHash: "x", Role: role, AgencyID: &city.ID}
		return &u, st.CreateUser(ctx, &u)
	}
	sup, err := staff(0, model.RoleSupervisor)
	if err != nil {
		return err
	}
	for i := 1; i < drawInspectors; i++ {
		if _, err := staff(i, model.RoleOfficer); err != nil {
			return err
		}
	}
	rs := &risk.Service{Store: st, Audit: auditLog, Rule: ref.Risk, Logger: log}
	svc := &spotcheck.Service{Store: st, Audit: auditLog, Classes: rs.Classes}
	who := audit.Actor{User: sup, IP: "127.0.0.1"}
	admin := audit.Actor{User: &model.User{ID: sup.ID, Login: "hmbench", Role: model.RoleCityAdmin}, IP: "127.0.0.1"}
	code := "HMBENCH-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	item, err := svc.SaveItem(ctx, admin, 0, spotcheck.ItemForm{Code: code, NameZh: "基准测试检查", NameEn: "Benchmark check", Basis: "计量法",
		Subject: "经营者", Content: "计价秤检定有效\n无作弊装置", Method: "现场检查", Active: true})
	if err != nil {
		return err
	}
	plan, err := svc.CreatePlan(ctx, who, spotcheck.PlanForm{ItemID: strconv.FormatInt(item.ID, 10), Year: strconv.Itoa(time.Now().In(model.Zone).Year()),
		Base: "10", A: "1000", B: "1000", C: "1000", D: "1000", DueDays: "15"})
	if err != nil {
		return err
	}
	started := time.Now()
	d, err := svc.Announce(ctx, who, plan.ID, "hmbench 随机数", 0)
	if err != nil {
		return err
	}
	announced := time.Since(started).Seconds()
	started = time.Now()
	if _, err := svc.Draw(ctx, who, d.ID, "01 02 03 04 05 06 + 07"); err != nil {
		return err
	}
	drawn := time.Since(started).Seconds()
	hwm, err := statusKB(os.Getpid(), "VmHWM")
	if err != nil {
		return err
	}
	targets, err := st.DrawTargets(ctx, d.ID)
	if err != nil {
		return err
	}
	r := drawRun{Inspectors: drawInspectors, AnnounceSeconds: announced, DrawSeconds: drawn, PeakMB: float64(hwm) / 1024}
	for _, x := range targets {
		if x.Reserve {
			r.Reserve++
		} else {
			r.Drawn++
		}
	}
	pool, err := st.PoolUnits(ctx, city.ID)
	if err != nil {
		return err
	}
	r.Pool = len(pool)
	return json.NewEncoder(stdout).Encode(r)
}
