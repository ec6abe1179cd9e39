package faults

// Several instances of the real program on a Galera cluster behind nginx
// (issue 16): what one instance does, the others see and do not repeat.
// These tests run when HM_TEST_GALERA_DSNS names the shared cluster's nodes;
// TestFailoverUnderReportLoad stops one database node, so it runs only on a
// cluster of its own (HM_TEST_GALERA_CHAOS_DIR and _OFFSET, as .ci/galera
// was started with).

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"honestmeasure/internal/cluster"
	"honestmeasure/internal/database"
	"honestmeasure/internal/database/dbtest"
	"honestmeasure/internal/demo"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/storage"
)

const (
	clusterSecret   = "cluster-test-secret-0123456789abcdefghij"
	webhookSecret   = "cluster-test-webhook-secret"
	clusterSMTPFrom = "常州诚信计量 <noreply@hm.example.cn>"
)

// deployment is instances of the real program, instance i on node
// i mod len(dsns) of one database, behind one nginx.
type deployment struct {
	dsns      []string
	instances []*server
	nginx     *cluster.Nginx
	url       string // nginx
}

func requireNginx(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(cluster.NginxPath); err != nil {
		t.Skip("no nginx at " + cluster.NginxPath + " (Debian's nginx package)")
	}
}

// clusterEnv is one instance's environment on dsn; extra entries win.
func clusterEnv(t *testing.T, dsn string, extra []string) []string {
	return append([]string{"HM_DB_DRIVER=mysql", "HM_DB_DSN=" + dsn, "HM_DATA_DIR=" + t.TempDir(),
		"HM_SECRET=" + clusterSecret, "HM_REPORT_LIMIT_PER_IP=0", "HM_REPORT_BURST_PER_UNIT=0",
		"HM_LOG_LEVEL=warn", "HM_DB_MAX_OPEN_CONNS=8", "HM_TRUSTED_PROXIES=127.0.0.1"}, extra...)
}

// deploy starts n instances and nginx in front of them. The first
// instance migrates (and loads the demo, when extra asks for it) before the
// others start, so they find the schema in place; two instances migrating
// at once on two nodes is internal/database's test.
func deploy(t *testing.T, dsns []string, n int, extra ...string) *deployment {
	t.Helper()
	requireNginx(t)
	d := &deployment{dsns: dsns}
	var upstreams []string
	for i := range n {
		s := start(t, clusterEnv(t, dsns[i%len(dsns)], extra))
		d.instances = append(d.instances, s)
		upstreams = append(upstreams, strings.TrimPrefix(s.url, "http://"))
	}
	listen := freePort(t)
	ng, err := cluster.StartNginx(context.Background(), t.TempDir(), cluster.NginxConfig(upstreams, listen))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ng.Stop() })
	d.nginx, d.url = ng, "http://"+listen
	return d
}

// db opens the deployment's database through node i (0-based).
func (d *deployment) db(t *testing.T, i int) *gorm.DB {
	t.Helper()
	return dbtest.OpenEmpty(t, "mysql", d.dsns[i])
}

// TestCluster runs three instances, one per node, with the demo city and
// the per-address report limit on, and checks what must hold across them.
func TestCluster(t *testing.T) {
	dsns := dbtest.GaleraNodes(t)
	requireNginx(t)
	smtp := startSMTPSink(t)
	hooks := startWebhookSink(t, webhookSecret)
	d := deploy(t, dsns, 3, "HM_DEMO=1", "HM_REPORT_LIMIT_PER_IP=5",
		"HM_SMTP_ADDR="+smtp.addr, "HM_SMTP_FROM="+clusterSMTPFrom, "HM_WEBHOOK_SECRET="+webhookSecret)

	t.Run("OutboxDeliversEachMessageOnce", func(t *testing.T) { outboxExactlyOnce(t, d, smtp, hooks) })
	t.Run("SuspensionOnAShowsOnBWithin1s", func(t *testing.T) { suspensionSeenElsewhere(t, d) })
	t.Run("ReportLimitHoldsAcrossInstances", func(t *testing.T) { reportLimitAcrossInstances(t, d) })
}

// outboxExactlyOnce queues 120 messages (60 e-mails, 60 webhooks) through
// all three nodes in waves while the workers of all three instances run,
// and checks that each reaches its receiver exactly once.
func outboxExactlyOnce(t *testing.T, d *deployment, smtp *smtpSink, hooks *webhookSink) {
	const waves, perWave = 6, 20
	stores := []*storage.Store{storage.New(d.db(t, 0)), storage.New(d.db(t, 1)), storage.New(d.db(t, 2))}
	ctx := context.Background()
	var before int64
	if err := d.db(t, 0).Model(&model.OutboxMessage{}).Count(&before).Error; err != nil {
		t.Fatal(err)
	}
	for w := range waves {
		var msgs []model.OutboxMessage
		for i := range perWave {
			n := w*perWave + i
			if n%2 == 0 {
				msgs = append(msgs, outbox.Email(fmt.Sprintf("cluster-%03d@example.cn", n), fmt.Sprintf("集群测试 %d", n),
					"正文：诚信计量。", nil, "cluster.test"))
				continue
			}
			m, err := outbox.Webhook(hooks.url+"/hook", map[string]int{"n": n}, nil, "cluster.test")
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, m)
		}
		// The way callers enqueue: in a transaction, here on each node in turn.
		st := stores[w%len(stores)]
		if err := st.Tx(ctx, func(tx *storage.Store) error { return tx.Enqueue(ctx, msgs...) }); err != nil {
			t.Fatalf("enqueue wave %d on node %d: %v", w+1, w%len(stores)+1, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	var ids []int64
	if err := d.db(t, 0).Model(&model.OutboxMessage{}).Where("event = ?", "cluster.test").Order("id").Pluck("id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	if len(ids) != waves*perWave {
		t.Fatalf("%d messages queued, want %d", len(ids), waves*perWave)
	}
	started := time.Now()
	deadline := started.Add(90 * time.Second)
	for {
		var pending int64
		if err := d.db(t, 0).Model(&model.OutboxMessage{}).Where("event = ? AND status <> ?", "cluster.test", storage.OutboxDelivered).
			Count(&pending).Error; err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d messages not delivered after 90 s", pending, len(ids))
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("all %d messages recorded delivered %.1f s after the last wave", len(ids), time.Since(started).Seconds())
	// Two more polling rounds of every worker: a message sent twice would
	// show up now.
	time.Sleep(5 * time.Second)
	mails, posts := smtp.got.snapshot(), hooks.got.snapshot()
	for _, id := range ids {
		key := strconv.FormatInt(id, 10)
		if n := mails[key] + posts[key]; n != 1 {
			t.Errorf("message %d delivered %d times (e-mail %d, webhook %d)", id, n, mails[key], posts[key])
		}
	}
	t.Logf("%d e-mails and %d webhooks received, each once", len(mails), len(posts))
	var attempts int64
	d.db(t, 0).Table("outbox_attempts").Where("outbox_id IN ?", ids).Count(&attempts)
	t.Logf("%d delivery attempts recorded for %d messages", attempts, len(ids))
}

// suspensionSeenElsewhere suspends a published unit through instance A's
// staff page and scans its code through instance B until the page says so.
func suspensionSeenElsewhere(t *testing.T, d *deployment) {
	a, b := d.instances[0], d.instances[1]
	db := d.db(t, 1)
	var unit struct {
		ID      int64
		Version int
	}
	err := db.Raw(`SELECT u.id, t.version FROM units u JOIN qr_tokens t ON t.kind = ? AND t.target_id = u.id AND t.revoked_at IS NULL
		WHERE u.status = ? ORDER BY u.id LIMIT 1`, model.QRUnit, model.UnitApproved).Scan(&unit).Error
	if err != nil || unit.ID == 0 {
		t.Fatalf("no published unit with a live code in the demo city (%v)", err)
	}
	tok, err := qr.NewSigner([]byte(clusterSecret)).Token(qr.Ref{Kind: model.QRUnit, ID: unit.ID, Version: unit.Version})
	if err != nil {
		t.Fatal(err)
	}
	const suspended = "示范资格已暂停"
	scan := func() string {
		req, _ := http.NewRequest(http.MethodGet, b.url+"/q/"+tok, nil)
		req.Header.Set("Accept-Language", "zh-CN")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("scan on B: status %d", resp.StatusCode)
		}
		return string(body)
	}
	// B has the page cached before the change.
	for range 3 {
		if strings.Contains(scan(), suspended) {
			t.Fatal("the unit's page says suspended before the suspension")
		}
	}
	staff := newBrowser(t, a.url)
	staff.login("admin@demo.local", demo.Password)
	page := fmt.Sprintf("/staff/units/%d", unit.ID)
	staff.get(page)
	staff.post(page+"/suspend", url.Values{"reason": {"计价秤铅封破损（集群测试）"}})
	if staff.status != http.StatusOK || !strings.Contains(staff.body, suspended) {
		t.Fatalf("suspension on A: status %d at %s\n%s", staff.status, staff.at, excerpt(staff.body))
	}
	done := time.Now()
	scans := 0
	for {
		scans++
		if strings.Contains(scan(), suspended) {
			break
		}
		if time.Since(done) > 5*time.Second {
			t.Fatalf("B still shows the unit as published 5 s after A suspended it (%d scans)", scans)
		}
		time.Sleep(10 * time.Millisecond)
	}
	latency := time.Since(done)
	t.Logf("suspension made on A seen by a scan on B after %s (scan %d after the change)", latency.Round(time.Millisecond), scans)
	if latency > time.Second {
		t.Errorf("B showed the suspension after %s, over the 1 s bound", latency.Round(time.Millisecond))
	}
}

// reportLimitAcrossInstances sends reports from one address through nginx,
// which spreads them over the instances: the hourly limit (5 here) counts
// them together, because its count is in the database.
func reportLimitAcrossInstances(t *testing.T, d *deployment) {
	const limit, tries = 5, 9
	client := &http.Client{Timeout: 30 * time.Second}
	jpg := photo(t)
	statuses := map[int]int{}
	var order []int
	for i := range tries {
		status, _, err := submit(context.Background(), client, d.url, 900000+i, jpg)
		if err != nil {
			t.Fatal(err)
		}
		statuses[status]++
		order = append(order, status)
	}
	if statuses[http.StatusCreated] != limit || statuses[http.StatusTooManyRequests] != tries-limit {
		t.Errorf("through nginx, %d reports from one address were answered %v, want %d × 201 then 429", tries, order, limit)
	}
	// Which instance answered each: nginx's access log names the upstream.
	served := servedBy(t, d, "POST /api/v1/reports", tries)
	t.Logf("answers %v; served by %v", order, served)
	if len(served) < 2 {
		t.Errorf("nginx sent every report to one instance (%v): the test proves nothing about sharing", served)
	}
}

var upstreamField = regexp.MustCompile(`upstream=(\S+)`)

// servedBy counts, from nginx's access log, which upstream served the
// requests whose line contains what, waiting for the log's 1 s flush.
func servedBy(t *testing.T, d *deployment, what string, want int) map[string]int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		out := map[string]int{}
		total := 0
		if f, err := os.Open(d.nginx.Dir + "/logs/access.log"); err == nil {
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				if m := upstreamField.FindStringSubmatch(sc.Text()); m != nil && strings.Contains(sc.Text(), what) {
					out[m[1]]++
					total++
				}
			}
			f.Close()
		}
		if total >= want || time.Now().After(deadline) {
			return out
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestFailoverUnderReportLoad: reports with a photo through nginx to three
// instances; mid-load one instance is SIGKILLed and the database node of
// another is stopped, then started again. Every report answered 201 is in
// the database, the survivors keep answering 201, and the node rejoins.
func TestFailoverUnderReportLoad(t *testing.T) {
	chaos := os.Getenv("HM_TEST_GALERA_CHAOS_DIR")
	if chaos == "" {
		t.Skip("HM_TEST_GALERA_CHAOS_DIR not set: this test stops a database node, so it needs a cluster of its own " +
			"(HM_GALERA_DIR=/tmp/hm-galera-chaos HM_GALERA_OFFSET=100 .ci/galera start)")
	}
	requireNginx(t)
	offset := os.Getenv("HM_TEST_GALERA_CHAOS_OFFSET")
	if offset == "" {
		t.Fatal("HM_TEST_GALERA_CHAOS_OFFSET must be set with HM_TEST_GALERA_CHAOS_DIR: the port offset that cluster was started with")
	}
	galera := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("../../.ci/galera", args...)
		cmd.Env = append(os.Environ(), "HM_GALERA_DIR="+chaos, "HM_GALERA_OFFSET="+offset)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf(".ci/galera %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	nodes := strings.Split(galera("dsns"), ",")
	for _, shared := range dbtest.GaleraDSNs() {
		for _, n := range nodes {
			if shared == n {
				t.Fatalf("the chaos cluster (%s) is the shared one of %s: stopping its node would break other tests", n, dbtest.EnvGaleraDSNs)
			}
		}
	}
	// A run that failed half-way may have left node 2 stopped.
	galera("start", "2")
	var b [4]byte
	_, _ = rand.Read(b[:])
	dsns, err := database.CreateOnNodes(context.Background(), nodes, "hm_failover_"+hex.EncodeToString(b[:]))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.DropDatabase(context.Background(), dsns[0]) })
	d := deploy(t, dsns, 3)
	stopped := false
	t.Cleanup(func() {
		if stopped {
			galera("start", "2")
		}
	})

	jpg := photo(t)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	var (
		mu        sync.Mutex
		accepted  []string
		phase     atomic.Int32 // 0 before the faults, 1 during, 2 after the node is back
		perPhase  [3]struct{ ok, failed int }
		statuses  [3]map[int]int
		n         atomic.Int64
		wg        sync.WaitGroup
		firstFail [3]string
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 6 {
		wg.Go(func() {
			for ctx.Err() == nil {
				status, tracking, err := submit(ctx, client, d.url, int(n.Add(1)), jpg)
				p := phase.Load()
				mu.Lock()
				if tracking != "" {
					accepted = append(accepted, tracking)
					perPhase[p].ok++
				} else if ctx.Err() == nil {
					perPhase[p].failed++
					if statuses[p] == nil {
						statuses[p] = map[int]int{}
					}
					statuses[p][status]++
					if firstFail[p] == "" {
						firstFail[p] = fmt.Sprintf("status %d, %v", status, err)
					}
				}
				mu.Unlock()
			}
		})
	}
	count := func(p int) int {
		mu.Lock()
		defer mu.Unlock()
		return perPhase[p].ok
	}
	waitFor := func(p, want int, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for count(p) < want {
			if time.Now().After(deadline) {
				cancel()
				wg.Wait()
				t.Fatalf("phase %d: only %d reports answered 201 in %s (first failure: %s)\ninstance 1:\n%s", p, count(p), within, firstFail[p], d.instances[0].logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor(0, 30, 60*time.Second)

	// The faults: instance 3 dies without warning; node 2, under instance 2,
	// shuts down.
	phase.Store(1)
	killed := d.instances[2]
	if err := killed.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = killed.cmd.Process.Wait()
	stopped = true
	galera("stop", "2")
	faultAt := time.Now()
	waitFor(1, 30, 60*time.Second)
	time.Sleep(3 * time.Second)

	galera("start", "2")
	stopped = false
	phase.Store(2)
	rejoined := time.Since(faultAt)
	waitFor(2, 20, 60*time.Second)
	cancel()
	wg.Wait()

	mu.Lock()
	promised := append([]string(nil), accepted...)
	t.Logf("201s before the faults %d (failed %d), with an instance killed and node 2 down %d (failed %d; first: %s), after node 2 rejoined %d (failed %d; first: %s)",
		perPhase[0].ok, perPhase[0].failed, perPhase[1].ok, perPhase[1].failed, firstFail[1], perPhase[2].ok, perPhase[2].failed, firstFail[2])
	mu.Unlock()
	t.Logf("node 2 was down for %s; failed answers by status (0: no answer) per phase: %v", rejoined.Round(100*time.Millisecond), statuses)
	t.Logf("nginx error log: %s", d.nginx.ErrorLog())

	// Every promise is kept, on the node that was stopped too.
	for i, db := range []*gorm.DB{d.db(t, 0), d.db(t, 1)} {
		missing := 0
		for _, tr := range promised {
			var photos int64
			if err := db.Table("reports").Joins("JOIN report_photos ON report_photos.report_id = reports.id").
				Where("reports.tracking_no = ?", tr).Count(&photos).Error; err != nil {
				t.Fatal(err)
			}
			if photos != 1 {
				missing++
				if missing <= 5 {
					t.Errorf("node %d: report %s was answered 201 but has %d photos (or does not exist)", i+1, tr, photos)
				}
			}
		}
		if missing > 0 {
			t.Errorf("node %d: %d of %d reports answered 201 are missing", i+1, missing, len(promised))
		}
	}
	var size, state string
	d.db(t, 0).Raw("SELECT variable_value FROM information_schema.global_status WHERE variable_name = 'wsrep_cluster_size'").Scan(&size)
	d.db(t, 1).Raw("SELECT variable_value FROM information_schema.global_status WHERE variable_name = 'wsrep_local_state_comment'").Scan(&state)
	if size != "3" || state != "Synced" {
		t.Errorf("after the restart: cluster size %q, node 2 %q; want 3 and Synced", size, state)
	}
	// The instance whose node went away serves again without a restart.
	status, tracking, err := submit(context.Background(), client, d.instances[1].url, int(n.Add(1)), jpg)
	if err != nil || tracking == "" {
		t.Errorf("instance 2 after its node came back: status %d, %v", status, err)
	}
	t.Logf("%d reports answered 201, all stored with their photo on node 1 and on the restarted node 2", len(promised))
}

// browser is a visitor with cookies that posts forms with the CSRF token of
// the page it last fetched, as internal/app/apptest's does in-process.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
	status int
	at     string
	body   string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, client: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

func (b *browser) do(req *http.Request) {
	b.t.Helper()
	req.Header.Set("Accept-Language", "zh-CN")
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	b.status, b.at, b.body = resp.StatusCode, resp.Request.URL.Path, string(raw)
}

func (b *browser) get(path string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	b.do(req)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

func (b *browser) post(path string, form url.Values) {
	b.t.Helper()
	if m := csrfField.FindStringSubmatch(b.body); m != nil {
		form.Set("_csrf", m[1])
	}
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	b.do(req)
}

func (b *browser) login(login, password string) {
	b.t.Helper()
	b.get("/login")
	b.post("/login", url.Values{"login": {login}, "password": {password}})
	if b.status != http.StatusOK || strings.HasPrefix(b.at, "/login") {
		b.t.Fatalf("login %s: status %d at %s", login, b.status, b.at)
	}
}

func excerpt(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 2000 {
		body = body[:2000] + "…"
	}
	return body
}
