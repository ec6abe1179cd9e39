package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"gorm.io/gorm"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"time"

	"honestmeasure/configs"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/database"
	"honestmeasure/internal/model"
	"honestmeasure/internal/reference"
	"honestmeasure/internal/risk"
	"honestmeasure/internal/storage"
)

// riskCommand is the child process that recomputes the risk classes, so its
// peak RSS is the recomputation's alone.
const riskCommand = "risk-worker"

// riskRun is what one child run reports.
type riskRun struct {
	Units   int     `json:"units"`
	Changed int     `json:"changed"`
	Seconds float64 `json:"seconds"`
	// PeakMB is the child's own VmHWM, read by itself before it exits (its
	// rusage would not do: Linux carries the parent's high-water mark across
	// the fork and exec into ru_maxrss).
	PeakMB float64 `json:"peak_mb"`
}

// measureRisk classifies every unit of the seeded city twice in child
// processes, as the product's hourly job does (issue 14): first from
// scratch — the stored classes are deleted, so every class is written and
// audited — then again on the same facts, when nothing is written.
func measureRisk(ctx context.Context, b *bench, t *table, p *progress) error {
	var units int64
	if err := b.db.WithContext(ctx).Model(&model.Unit{}).Where("status <> ?", model.UnitDraft).Count(&units).Error; err != nil {
		return err
	}
	if err := b.db.WithContext(ctx).Where("1 = 1").Delete(&model.UnitRisk{}).Error; err != nil {
		return err
	}
	p.say("risk: classifying %d units from scratch", units)
	first, err := runRiskWorker(ctx, b.o)
	if err != nil {
		return err
	}
	if int64(first.Units) != units || first.Changed != first.Units {
		return fmt.Errorf("the first recomputation classified %d units and wrote %d, want %d and %d", first.Units, first.Changed, units, units)
	}
	p.say("risk: again, on the same facts")
	again, err := runRiskWorker(ctx, b.o)
	if err != nil {
		return err
	}
	if again.Changed != 0 {
		return fmt.Errorf("recomputing on the same facts wrote %d classes, want none", again.Changed)
	}
	var classes []struct {
		Class model.RiskClass
		N     int
	}
	if err := b.db.WithContext(ctx).Model(&model.UnitRisk{}).Select("class, COUNT(*) AS n").Group("class").Order("class").Scan(&classes).Error; err != nil {
		return err
	}
	spread := ""
	for _, c := range classes {
		spread += fmt.Sprintf(" %s %d", c.Class, c.N)
	}
	t.info(fmt.Sprintf("risk classes of %s units from scratch (all written and audited)", countLabel(units)),
		fmt.Sprintf("%.2f s, peak RSS %.1f MB", first.Seconds, first.PeakMB))
	t.info(fmt.Sprintf("risk classes of %s units again, nothing changed", countLabel(units)),
		fmt.Sprintf("%.2f s, peak RSS %.1f MB", again.Seconds, again.PeakMB))
	t.info("risk classes: units per class", spread[1:])
	return nil
}

// runRiskWorker runs this program as the risk worker on the bench database
// and reads its figures and peak RSS.
func runRiskWorker(ctx context.Context, o options) (riskRun, error) {
	self, err := os.Executable()
	if err != nil {
		return riskRun{}, err
	}
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, self, riskCommand, "-db", o.driver, "-dsn", o.dsn)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return riskRun{}, fmt.Errorf("risk worker: %v: %s", err, errOut.String())
	}
	var r riskRun
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return riskRun{}, fmt.Errorf("risk worker said %q: %v", out.String(), err)
	}
	return r, nil
}

// riskWorker is the child: it opens the database as cmd/honestmeasure
// does, recomputes every unit's class once with the city's rule and prints
// its figures as JSON.
func riskWorker(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(riskCommand, flag.ContinueOnError)
	driver := fs.String("db", "sqlite", "sqlite or mysql")
	dsn := fs.String("dsn", "", "database")
	profile := fs.String("cpuprofile", "", "write the worker's CPU profile to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	stopProfile, perr := startCPUProfile(*profile)
	if perr != nil {
		return perr
	}
	defer stopProfile()
	w, err := openWorker(ctx, riskCommand, *driver, *dsn)
	if err != nil {
		return err
	}
	svc := &risk.Service{Store: storage.New(w.db), Audit: w.audit, Rule: w.ref.Risk, Logger: w.log}
	started := time.Now()
	sum, err := svc.Recompute(ctx, risk.AllUnits)
	if err != nil {
		return err
	}
	took := time.Since(started).Seconds()
	hwm, err := statusKB(os.Getpid(), "VmHWM")
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(riskRun{Units: sum.Units, Changed: sum.Changed, Seconds: took, PeakMB: float64(hwm) / 1024})
}

// worker is what a child process of hmbench works with: the bench database
// opened and migrated as cmd/honestmeasure does, the city's reference data
// and the audit log.
type worker struct {
	db    *gorm.DB
	ref   *reference.Data
	audit *audit.Log
	log   *slog.Logger
}

func openWorker(ctx context.Context, name, driver, dsn string) (*worker, error) {
	if dsn == "" {
		return nil, errors.New(name + " needs -dsn")
	}
	w := &worker{log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	var err error
	if w.db, err = database.Open(ctx, database.Options{Driver: driver, DSN: dsn, Logger: w.log}); err != nil {
		return nil, err
	}
	if _, err := database.Migrate(ctx, w.db); err != nil {
		return nil, err
	}
	if w.ref, err = reference.Load(configs.Changzhou()); err != nil {
		return nil, err
	}
	if w.audit, err = audit.New(audit.KeyFromSecret([]byte(benchSecret))); err != nil {
		return nil, err
	}
	return w, nil
}
