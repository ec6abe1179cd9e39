// Command hmbench measures honestmeasure against the performance targets of
// issue 6 §2 on a realistic city, and prints one table: each target with its
// figure, MET or NOT MET.
//
//	go run ./cmd/hmbench                        SQLite, 100,000 reports
//	go run ./cmd/hmbench -reports 1000000       also 1,000,000 reports (queue ratio)
//	go run ./cmd/hmbench -db mysql -dsn 'hm:hm@tcp(127.0.0.1:3306)/hm_bench'
//	go run ./cmd/hmbench -skip-seed             reuse the database seeded last time
//	go run ./cmd/hmbench cluster -dsns "$(.ci/galera dsns)" -single-dsn DSN
//	                                            1, 2, 3 instances on a Galera cluster behind
//	                                            nginx (see cluster.go)
//
// Flags:
//
//	-db sqlite|mysql    database engine (default sqlite)
//	-dsn DSN            SQLite file (default $TMPDIR/hmbench/hmbench.db) or MySQL DSN
//	-reports N          reports to seed: 100000 (default) or 1000000; with 1000000 the
//	                    queue is measured at 100,000, then 900,000 are added and it is
//	                    measured again, and the ratio printed
//	-duration D         length of every load phase: scan, ceiling, intake (default 30s)
//	-queue-duration D   length of each officer-queue phase (default 10s)
//	-intake-conns N     concurrent submitters in the intake phases (default 16)
//	-skip-seed          reuse an already seeded database
//	-fresh              drop everything in the database first (needed to re-seed a
//	                    MySQL database or a -dsn file that already holds data)
//	-keep               keep the work folder (server logs, built binary)
//	-seed-only          seed (up to -reports) and stop, to prepare a database for -skip-seed
//	-only LIST          measure only these phases, comma-separated: qr, scan, staleness, queue, intake,
//	                    import, risk, draw (default all; the table then lacks the others' rows)
//	-scan-watermark=false
//	                    run the ceiling server's scan pages without the scan watermark (every
//	                    scan validates its cached page with one query, as before issue 16)
//	-units N            published units to seed, 10 instruments each (default 2000; the
//	                    risk phase of issue 14 is meant for -units 20000, in a database of
//	                    its own: -dsn another file, or -fresh)
//	-cpuprofile FILE    write hmbench's own CPU profile (seeding, QR, load generation)
//	-server-cpuprofile FILE
//	                    write the ceiling server's CPU profile: the product's handler
//	                    under the scan and ceiling load
//
// What it does, in order:
//
//  1. Seeds the city through GORM batch inserts in transactions: 2,000
//     published units with pledges and owners, 20,000 instruments with
//     verification records, live QR tokens for every unit and instrument
//     (a few reprinted), staff for every agency, and the reports with their
//     cases spread over agencies, districts, statuses, categories and three
//     years of dates.
//
//  2. QR: renders the label sheet of 2,000 instrument codes with qr.SVG and all
//     20,000 codes with qr.PNG at the label size the instrument page offers,
//     against go-qrcode on the same payloads.
//
//  3. Scan page: starts a second copy of this program as a server process
//     ("hmbench ceiling-server": database.Open, Migrate, SeedReference and
//     app.New exactly as cmd/honestmeasure does, plus one route,
//     /bench/ceiling, that serves the bytes of one real scan page rendered
//     at start-up from memory), and loads GET /q/{token} for random unit and
//     instrument tokens and the ceiling side by side at 32 and 128
//     connections.
//
//  4. Builds cmd/honestmeasure with go build, runs it as its own process on
//     the seeded database with the report limits off, repeats the scan load
//     and reads the server's peak RSS (VmHWM); starts a second instance on
//     the same database and measures staleness: an officer suspends and
//     reinstates a unit through the first 50 times, and a citizen scans it
//     through the second until each change shows; then measures the officer
//     queue as a signed-in officer (in the 1M mode again after adding
//     900,000 closed reports: history grows, each agency's open backlog does
//     not), and last the report intake (JSON, and multipart with a 1 MB
//     photo), checking that every 201 is a stored row.
//
//  5. Last, on a server process of its own (so that its peak RSS is the
//     import's alone), a verification body's staff member uploads a
//     20,000-row XLSX of certificates for the seeded instruments, confirms
//     the preview and drives the import as the page's script does; then
//     uploads the same file again, whose preview must add nothing.
//
//  6. Risk (-only risk, or first in a full run): a child process of this
//     program ("hmbench risk-worker") recomputes every unit's risk class
//     with risk.Service exactly as the product's hourly job does, first
//     from scratch (every class written and audited), then again (nothing
//     changes); each run's time and the child's peak RSS are reported.
//
// -skip-seed reuses the database as the last run left it, including the
// open cases its intake phases added.
//
// Every load phase runs for a fixed time and stops by itself; everything
// listens on and talks to 127.0.0.1 only. The load generator shares the
// machine with the server: figures are for this machine, which the table
// names.
//
// hmbench is a measuring tool, not part of the product: it must never be
// pointed at a production database (it creates users with a known password
// and, with -fresh, drops every table).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

// benchSecret is HM_SECRET of the benchmark deployment. Tokens in a seeded
// database are signed with it, so -skip-seed needs the same one.
const benchSecret = "hmbench-secret-not-for-production-0123456789"

// options are the command-line flags.
type options struct {
	driver        string
	dsn           string
	reports       int
	duration      time.Duration
	queueDuration time.Duration
	intakeConns   int
	skipSeed      bool
	fresh         bool
	keep          bool
	seedOnly      bool
	cpuProfile    string
	serverProfile string
	scanWatermark bool            // the ceiling server's scans use the watermark
	units         int             // published units to seed (multiple of 10)
	only          map[string]bool // phases to run; all when empty
	defaultDSN    bool            // dsn is the bench's own file, which may be replaced freely
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == ceilingCommand:
		err = serveCeiling(ctx, os.Args[2:], os.Stdout)
	case len(os.Args) > 1 && os.Args[1] == riskCommand:
		err = riskWorker(ctx, os.Args[2:], os.Stdout)
	case len(os.Args) > 1 && os.Args[1] == drawCommand:
		err = drawWorker(ctx, os.Args[2:], os.Stdout)
	case len(os.Args) > 1 && os.Args[1] == clusterCommand:
		err = runCluster(ctx, os.Args[2:], os.Stdout, os.Stderr)
	default:
		err = run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "hmbench: "+strings.Join(strings.Fields(err.Error()), " "))
		os.Exit(1)
	}
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("hmbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.driver, "db", "sqlite", "database engine: sqlite or mysql")
	fs.StringVar(&o.dsn, "dsn", "", "SQLite file or MySQL DSN (default $TMPDIR/hmbench/hmbench.db for SQLite)")
	fs.IntVar(&o.reports, "reports", 100000, "reports to seed: 100000 or 1000000")
	fs.IntVar(&o.units, "units", cityUnits, "published units to seed, 10 instruments each (a multiple of 10, at most 100000)")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "length of every load phase (scan, ceiling, intake)")
	fs.DurationVar(&o.queueDuration, "queue-duration", 10*time.Second, "length of each officer-queue phase")
	fs.IntVar(&o.intakeConns, "intake-conns", 16, "concurrent submitters in the intake phases")
	fs.BoolVar(&o.skipSeed, "skip-seed", false, "reuse an already seeded database")
	fs.BoolVar(&o.fresh, "fresh", false, "drop everything in the database before seeding")
	fs.BoolVar(&o.keep, "keep", false, "keep the work folder (server logs, binary)")
	fs.BoolVar(&o.seedOnly, "seed-only", false, "seed the database and stop (for later runs with -skip-seed)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write hmbench's own CPU profile (seeding, QR, load generator) to this file")
	fs.StringVar(&o.serverProfile, "server-cpuprofile", "", "write the ceiling server's CPU profile (scan and ceiling phases) to this file")
	fs.BoolVar(&o.scanWatermark, "scan-watermark", true, "the ceiling server's scans skip the query while the scan watermark shows nothing changed")
	only := fs.String("only", "", "measure only these phases, comma-separated: qr, scan, staleness, queue, intake, import, risk, draw")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, p := range strings.Split(*only, ",") {
		switch p = strings.TrimSpace(p); p {
		case "":
		case "qr", "scan", "staleness", "queue", "intake", "import", "risk", "draw":
			if o.only == nil {
				o.only = map[string]bool{}
			}
			o.only[p] = true
		default:
			return o, fmt.Errorf("-only: unknown phase %q (qr, scan, staleness, queue, intake, import, risk or draw)", p)
		}
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch o.driver {
	case "sqlite":
		if o.dsn == "" {
			o.dsn = filepath.Join(os.TempDir(), "hmbench", "hmbench.db")
			o.defaultDSN = true
		}
	case "mysql":
		if o.dsn == "" {
			return o, errors.New("-db mysql needs -dsn, e.g. 'hm:hm@tcp(127.0.0.1:3306)/hm_bench'")
		}
	default:
		return o, fmt.Errorf("-db must be sqlite or mysql, got %q", o.driver)
	}
	if o.reports < seedLevel {
		return o, fmt.Errorf("-reports must be at least %d", seedLevel)
	}
	if o.duration < time.Second || o.queueDuration < time.Second {
		return o, errors.New("-duration and -queue-duration must be at least 1s")
	}
	if o.units < 10 || o.units > 100000 || o.units%10 != 0 {
		return o, errors.New("-units must be a multiple of 10 from 10 to 100000")
	}
	if o.intakeConns < 1 {
		return o, errors.New("-intake-conns must be at least 1")
	}
	return o, nil
}

// seedLevel is the first size the queue is measured at; -reports above it
// adds a second measurement at that size.
const seedLevel = 100000

// workFolder makes the temporary folder a run keeps its servers' logs and
// binaries in; cleanup removes it unless keep asks for it to stay.
func workFolder(p *progress, prefix string, keep bool) (dir string, cleanup func(), err error) {
	dir, err = os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, err
	}
	if keep {
		p.say("work folder %s is kept", dir)
		return dir, func() {}, nil
	}
	return dir, func() { _ = os.RemoveAll(dir) }, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	progress := newProgress(stderr)
	work, cleanup, err := workFolder(progress, "hmbench-run-", o.keep)
	if err != nil {
		return err
	}
	defer cleanup()

	stopProfile, err := startCPUProfile(o.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	b, err := openBench(ctx, o, progress)
	if err != nil {
		return err
	}
	defer b.close()
	t := newTable(b.machineLine())

	levels := []int{seedLevel}
	if o.reports > seedLevel {
		levels = append(levels, o.reports)
	}
	if err := b.ensureCity(ctx); err != nil {
		return err
	}
	seeded, err := b.ensureReports(ctx, levels[0])
	if err != nil {
		return err
	}
	seeded.record(t)
	if o.seedOnly {
		for _, level := range levels[1:] {
			if _, err := b.ensureReports(ctx, level); err != nil {
				return err
			}
		}
		progress.say("seeded the %s database", o.driver)
		return nil
	}
	if err := b.loadTargets(ctx); err != nil {
		return err
	}

	if o.runs("risk") {
		if err := measureRisk(ctx, b, t, progress); err != nil {
			return err
		}
	}
	if o.runs("draw") { // after risk: the pool is drawn by the classes it wrote
		if err := measureDraw(ctx, b, t, progress); err != nil {
			return err
		}
	}
	if o.only != nil && !o.runs("qr") && !o.runs("scan") && !o.runs("staleness") && !o.runs("queue") && !o.runs("intake") && !o.runs("import") {
		t.print(stdout) // nothing else needs the server
		return nil
	}
	if o.runs("qr") {
		if err := measureQR(ctx, b, t, progress); err != nil {
			return err
		}
	}
	if o.runs("scan") {
		if err := measureScanVsCeiling(ctx, b, o, work, t, progress); err != nil {
			return err
		}
	}

	bin, err := buildServer(ctx, work, progress)
	if err != nil {
		return err
	}
	srv, err := b.startProduct(ctx, bin, work, "honestmeasure")
	if err != nil {
		return err
	}
	defer func() { _ = srv.stop() }()
	if o.runs("scan") {
		if err := measureScanMemory(ctx, b, o, srv, t, progress); err != nil {
			return err
		}
	}
	if o.runs("staleness") {
		metricsAddr, err := freeAddr()
		if err != nil {
			return err
		}
		other, err := b.startProduct(ctx, bin, work, "honestmeasure-b", "HM_METRICS_ADDR="+metricsAddr)
		if err != nil {
			return err
		}
		err = measureStaleness(ctx, b, srv, other, "http://"+metricsAddr+"/metrics", t, progress)
		if stopErr := other.stop(); err == nil {
			err = stopErr
		}
		if err != nil {
			return err
		}
	}
	var queues []queueFigures
	if o.runs("queue") {
		q, err := measureQueue(ctx, b, o, srv, t, progress)
		if err != nil {
			return err
		}
		queues = append(queues, q)
	}

	// The 1M mode: grow the same database and measure the queue again on a
	// freshly started server. Intake comes last, so the reports it adds are
	// not part of any queue measurement.
	for _, level := range levels[1:] {
		if len(queues) == 0 {
			break
		}
		if int64(level) <= queues[len(queues)-1].reports {
			t.note(fmt.Sprintf("the database already held %s reports: the queue was not measured at %s as well, so no ratio",
				countLabel(queues[len(queues)-1].reports), countLabel(int64(level))))
			continue
		}
		if err := srv.stop(); err != nil {
			return err
		}
		seeded, err := b.ensureReports(ctx, level)
		if err != nil {
			return err
		}
		seeded.record(t)
		if srv, err = b.startProduct(ctx, bin, work, fmt.Sprintf("honestmeasure-%d", level)); err != nil {
			return err
		}
		q, err := measureQueue(ctx, b, o, srv, t, progress)
		if err != nil {
			return err
		}
		queues = append(queues, q)
	}
	compareQueues(queues, t)

	if o.runs("intake") {
		if err := measureIntake(ctx, b, o, srv, t, progress); err != nil {
			return err
		}
	}
	t.info("server peak RSS after all its phases (VmHWM)", srv.peakRSS())
	if err := srv.stop(); err != nil {
		return err
	}
	if o.runs("import") {
		if err := measureImport(ctx, b, bin, work, t, progress); err != nil {
			return err
		}
	}

	t.print(stdout)
	return nil
}

// runs reports whether phase is measured in this run.
func (o options) runs(phase string) bool { return len(o.only) == 0 || o.only[phase] }

// startCPUProfile writes a CPU profile to path until the returned function
// is called; an empty path profiles nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
