package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"honestmeasure/internal/cluster"
	"honestmeasure/internal/database"
)

// clusterCommand measures several instances on a Galera cluster behind
// nginx (issue 16):
//
//	go run ./cmd/hmbench cluster -dsns "$(.ci/galera dsns)" -single-dsn 'hm:hm@tcp(127.0.0.1:3306)/hm_bench_single'
//
// It creates a database of its own on the cluster (-db-name, dropped and
// created again) and seeds the city in it (-units, no reports), starts one
// cmd/honestmeasure per node (instance i on node i) and measures
//   - scan throughput straight to instance 1, then through nginx in front of
//     1, 2 and 3 instances (every instance has served every code once
//     before, so each has its pages cached);
//   - report intake with a 1 MB photo through nginx in front of 1 and of 3
//     instances, and, with -single-dsn, through nginx in front of one
//     instance on a single MariaDB server seeded alike, checking that every
//     201 is a stored report.
//
// Every instance, nginx, the load generator and (usually) the database
// nodes share this machine's cores: the figures say what adding instances
// costs here, not what a cluster of machines would do.
const clusterCommand = "cluster"

type clusterOptions struct {
	dsns        []string
	singleDSN   string
	dbName      string
	units       int
	duration    time.Duration
	conns       int
	intakeConns int
	keep        bool
}

func parseClusterOptions(args []string, stderr io.Writer) (clusterOptions, error) {
	fs := flag.NewFlagSet("hmbench cluster", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o clusterOptions
	dsns := fs.String("dsns", os.Getenv("HM_TEST_GALERA_DSNS"), "the cluster's nodes, one MySQL DSN each, comma-separated (.ci/galera dsns; default $HM_TEST_GALERA_DSNS)")
	fs.StringVar(&o.singleDSN, "single-dsn", "", "a single MariaDB server's DSN to compare report intake with (its database is dropped and seeded; empty: no comparison)")
	fs.StringVar(&o.dbName, "db-name", "hm_bench_cluster", "database created (after dropping it) on the cluster")
	fs.IntVar(&o.units, "units", cityUnits, "published units to seed, 10 instruments each")
	fs.DurationVar(&o.duration, "duration", 15*time.Second, "length of every load phase")
	fs.IntVar(&o.conns, "conns", 32, "concurrent connections of the scan phases")
	fs.IntVar(&o.intakeConns, "intake-conns", 8, "concurrent submitters of the intake phases")
	fs.BoolVar(&o.keep, "keep", false, "keep the work folder (instance and nginx logs)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, d := range strings.Split(*dsns, ",") {
		if d = strings.TrimSpace(d); d != "" {
			o.dsns = append(o.dsns, d)
		}
	}
	switch {
	case len(o.dsns) < 3:
		return o, errors.New("-dsns must name three cluster nodes (or set HM_TEST_GALERA_DSNS)")
	case o.duration < time.Second:
		return o, errors.New("-duration must be at least 1s")
	case o.conns < 1 || o.intakeConns < 1:
		return o, errors.New("-conns and -intake-conns must be at least 1")
	case o.units < 10 || o.units > 100000 || o.units%10 != 0:
		return o, errors.New("-units must be a multiple of 10 from 10 to 100000")
	}
	if _, err := os.Stat(cluster.NginxPath); err != nil {
		return o, fmt.Errorf("nginx is needed at %s (Debian's nginx package)", cluster.NginxPath)
	}
	return o, nil
}

// runCluster is hmbench cluster.
func runCluster(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseClusterOptions(args, stderr)
	if err != nil {
		return err
	}
	p := newProgress(stderr)
	work, cleanup, err := workFolder(p, "hmbench-cluster-", o.keep)
	if err != nil {
		return err
	}
	defer cleanup()
	loadBefore := loadAverage()

	dsns, err := database.CreateOnNodes(ctx, o.dsns, o.dbName)
	if err != nil {
		return err
	}
	p.say("database %s created on the %d nodes", o.dbName, len(dsns))
	b, err := openSeeded(ctx, dsns[0], o, p)
	if err != nil {
		return err
	}
	defer b.close()
	t := newTable(b.machineLine() + fmt.Sprintf("; Galera cluster of %d nodes on this machine", len(dsns)))
	t.info("machine load before the run (uptime)", loadBefore)

	bin, err := buildServer(ctx, work, p)
	if err != nil {
		return err
	}
	var instances []*proc
	defer func() {
		for _, s := range instances {
			_ = s.stop()
		}
	}()
	for i, dsn := range dsns[:3] {
		s, err := startInstance(ctx, b, bin, work, fmt.Sprintf("instance-%d", i+1), dsn)
		if err != nil {
			return err
		}
		instances = append(instances, s)
	}
	// Each instance has its own page cache: fill all three, as an hour of
	// traffic would.
	for _, s := range instances {
		p.say("first scan of every code on %s", s.name)
		if first := b.scanEveryCode(ctx, s); first.failed > 0 {
			return fmt.Errorf("%s: %d of the first scans failed (first: %s)", s.name, first.failed, first.firstErr)
		}
	}

	p.say("scan straight to instance 1, %d connections, %s", o.conns, o.duration)
	direct := loadProcs(ctx, instances[:1], o.conns, o.duration, b.scanRequest(instances[0].base))
	t.info(fmt.Sprintf("scan GET /q/{token} straight to 1 instance @%d conns", o.conns),
		loadFigure(direct)+", "+cpuText(direct))
	for k := 1; k <= 3; k++ {
		out, err := throughNginx(ctx, work, instances[:k], func(base string) outcome {
			p.say("scan through nginx over %d instance(s), %d connections, %s", k, o.conns, o.duration)
			return loadProcs(ctx, instances[:k], o.conns, o.duration, b.scanRequest(base))
		})
		if err != nil {
			return err
		}
		t.info(fmt.Sprintf("scan through nginx over %d instance(s) @%d conns", k, o.conns),
			loadFigure(out)+fmt.Sprintf(", %s; %.0f%% of straight", cpuText(out), 100*out.rate()/direct.rate()))
		if out.failed > 0 {
			t.note(fmt.Sprintf("scan over %d instances: answers other than 200: %s", k, statusList(out.statuses)))
		}
	}

	photo, err := makePhoto(photoBytes)
	if err != nil {
		return err
	}
	label := fmt.Sprintf("%.1f MB photo", float64(len(photo))/(1<<20))
	for _, k := range []int{1, 3} {
		if err := measureIntakeVia(ctx, b, o, work, instances[:k], photo, t, p,
			fmt.Sprintf("report intake, %s, cluster, nginx over %d instance(s)", label, k)); err != nil {
			return err
		}
	}
	for _, s := range instances {
		if n, first := s.errorLines(); n > 0 {
			t.note(fmt.Sprintf("%s logged %d errors; first: %s", s.name, n, first))
		}
	}

	if o.singleDSN != "" {
		if err := measureSingle(ctx, o, bin, work, photo, label, t, p); err != nil {
			return err
		}
	} else {
		t.note("no -single-dsn: report intake on a single MariaDB server not measured")
	}
	t.info("machine load after the run (uptime)", loadAverage())
	t.print(stdout)
	return nil
}

// openSeeded opens the bench on dsn and seeds the city (units, instruments,
// codes, staff; no reports: neither scans nor intake need them).
func openSeeded(ctx context.Context, dsn string, o clusterOptions, p *progress) (*bench, error) {
	b, err := openBench(ctx, options{driver: "mysql", dsn: dsn, units: o.units}, p)
	if err != nil {
		return nil, err
	}
	if err := b.ensureCity(ctx); err != nil {
		b.close()
		return nil, err
	}
	if err := b.loadTargets(ctx); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// startInstance runs cmd/honestmeasure on dsn, trusting nginx on 127.0.0.1.
func startInstance(ctx context.Context, b *bench, bin, work, name, dsn string) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	b.progress.say("starting %s on %s (database %s)", name, addr, dbAddr(dsn))
	env := append(b.serverEnv(addr), "HM_DB_DSN="+dsn, "HM_TRUSTED_PROXIES=127.0.0.1")
	return startProc(ctx, name, bin, []string{"serve"}, env, addr, work)
}

func dbAddr(dsn string) string {
	if cfg, err := mysqldrv.ParseDSN(dsn); err == nil {
		return cfg.Addr
	}
	return "?"
}

// throughNginx runs measure against nginx in front of instances, and
// records the CPU time nginx (master and workers) used meanwhile.
func throughNginx(ctx context.Context, work string, instances []*proc, measure func(base string) outcome) (outcome, error) {
	var upstreams []string
	for _, s := range instances {
		upstreams = append(upstreams, strings.TrimPrefix(s.base, "http://"))
	}
	listen, err := freeAddr()
	if err != nil {
		return outcome{}, err
	}
	dir, err := os.MkdirTemp(work, "nginx-")
	if err != nil {
		return outcome{}, err
	}
	ng, err := cluster.StartNginx(ctx, dir, cluster.NginxConfig(upstreams, listen))
	if err != nil {
		return outcome{}, err
	}
	defer ng.Stop()
	// nginx opens its keep-alive connections to the instances on first use.
	warm := newClient(8)
	runLoad(ctx, warm, 8, time.Second, http.StatusOK, func(ctx context.Context, c *http.Client, _ *mrand.Rand) hit {
		return get(ctx, c, "http://"+listen+"/healthz")
	})
	warm.CloseIdleConnections()
	before := nginxCPU(ng.Pid())
	out := measure("http://" + listen)
	out.proxyCPU = nginxCPU(ng.Pid()) - before
	return out, nil
}

// nginxCPU is the CPU time nginx's master and its live workers have used.
func nginxCPU(master int) time.Duration {
	sum := pidCPU(master)
	raw, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", master, master))
	for _, f := range strings.Fields(string(raw)) {
		if pid, err := strconv.Atoi(f); err == nil {
			sum += pidCPU(pid)
		}
	}
	return sum
}

// cpuText is the CPU per request of a phase: the instances', and nginx's
// when it was in front.
func cpuText(o outcome) string {
	s := fmt.Sprintf("instances' CPU %s/req", ms(o.cpuPerRequest()))
	if o.proxyCPU > 0 && o.ok+o.failed > 0 {
		s += fmt.Sprintf(", nginx %s/req", ms(o.proxyCPU/time.Duration(o.ok+o.failed)))
	}
	return s
}

// loadProcs runs a load phase and records the CPU time the instances used.
func loadProcs(ctx context.Context, procs []*proc, conns int, d time.Duration, do request) outcome {
	client := newClient(conns)
	defer client.CloseIdleConnections()
	cpu := func() (sum time.Duration) {
		for _, s := range procs {
			sum += s.cpuTime()
		}
		return sum
	}
	before := cpu()
	out := runLoad(ctx, client, conns, d, http.StatusOK, do)
	out.serverCPU = cpu() - before
	return out
}

// measureIntakeVia submits reports with photo through nginx in front of
// instances for the load duration and checks every 201 is stored.
func measureIntakeVia(ctx context.Context, b *bench, o clusterOptions, work string, instances []*proc, photo []byte, t *table, p *progress, what string) error {
	photosBefore, err := b.countPhotos(ctx)
	if err != nil {
		return err
	}
	got := &receipts{}
	out, err := throughNginx(ctx, work, instances, func(base string) outcome {
		p.say("%s, %d submitters, %s", what, o.intakeConns, o.duration)
		client := newClient(o.intakeConns)
		defer client.CloseIdleConnections()
		var cpuBefore time.Duration
		for _, s := range instances {
			cpuBefore += s.cpuTime()
		}
		out := runLoad(ctx, client, o.intakeConns, o.duration, http.StatusCreated, b.submit(base, photo, got))
		for _, s := range instances {
			out.serverCPU += s.cpuTime()
		}
		out.serverCPU -= cpuBefore
		return out
	})
	if err != nil {
		return err
	}
	found, err := b.countTracking(ctx, got.nos)
	if err != nil {
		return err
	}
	photosAfter, err := b.countPhotos(ctx)
	if err != nil {
		return err
	}
	p.say("  %.1f/s, %d answered 201, %d of their tracking numbers stored, %d photos stored", out.rate(), out.ok, found, photosAfter-photosBefore)
	t.info(fmt.Sprintf("%s @%d conns", what, o.intakeConns),
		fmt.Sprintf("%.1f/s (%d × 201 in %.1f s; p50 %s, p99 %s; %s), %s", out.rate(), out.ok, out.elapsed.Seconds(),
			ms(out.pct(50)), ms(out.pct(99)), out.errorsText(), cpuText(out)))
	ok := found == int64(out.ok) && photosAfter-photosBefore == int64(out.ok)
	t.add(what+": every 201 stored", fmt.Sprintf("%d × 201, %d tracking numbers and %d photos stored", out.ok, found, photosAfter-photosBefore),
		"equal (nothing lost)", ok)
	if out.failed > 0 {
		t.note(fmt.Sprintf("%s: answers other than 201: %s", what, statusList(out.statuses)))
	}
	return nil
}

// measureSingle seeds the same city on the single server and measures the
// same intake through nginx in front of one instance on it.
func measureSingle(ctx context.Context, o clusterOptions, bin, work string, photo []byte, label string, t *table, p *progress) error {
	cfg, err := mysqldrv.ParseDSN(o.singleDSN)
	if err != nil {
		return fmt.Errorf("-single-dsn: %v", err)
	}
	dsns, err := database.CreateOnNodes(ctx, []string{o.singleDSN}, cfg.DBName)
	if err != nil {
		return err
	}
	b, err := openSeeded(ctx, dsns[0], o, p)
	if err != nil {
		return err
	}
	defer b.close()
	var version string
	b.db.Raw("SELECT VERSION()").Scan(&version)
	s, err := startInstance(ctx, b, bin, work, "instance-single", dsns[0])
	if err != nil {
		return err
	}
	defer s.stop()
	if err := measureIntakeVia(ctx, b, o, work, []*proc{s}, photo, t, p,
		fmt.Sprintf("report intake, %s, single MariaDB %s (%s), nginx over 1 instance", label, version, dbAddr(dsns[0]))); err != nil {
		return err
	}
	if n, first := s.errorLines(); n > 0 {
		t.note(fmt.Sprintf("%s logged %d errors; first: %s", s.name, n, first))
	}
	return nil
}

// loadAverage is /proc/loadavg's first three fields.
func loadAverage() string {
	raw, err := os.ReadFile(filepath.Join("/proc", "loadavg"))
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "unknown"
	}
	return "load average " + strings.Join(f[:3], ", ")
}
