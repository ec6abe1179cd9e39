package main

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
)

// Scan targets (issue 6 §2).
const (
	scanCeilingShare = 0.5
	scanP99          = 25 * time.Millisecond
	scanMaxRSSMB     = 150
)

var scanConns = []int{32, 128}

// scanRequest GETs the page of a random code: half unit posters, half
// instrument labels, as citizens scan them.
func (b *bench) scanRequest(base string) request {
	return func(ctx context.Context, c *http.Client, rng *mrand.Rand) hit {
		var tok string
		if rng.IntN(2) == 0 {
			tok = b.unitTokens[rng.IntN(len(b.unitTokens))]
		} else {
			tok = b.instrumentTokens[rng.IntN(len(b.instrumentTokens))]
		}
		return get(ctx, c, base+"/q/"+tok)
	}
}

func ceilingRequest(url string) request {
	return func(ctx context.Context, c *http.Client, _ *mrand.Rand) hit {
		return get(ctx, c, url)
	}
}

// ceilingToken picks the code whose page stands for the average scan: an
// instrument label of a unit with as many instruments as the pages the scan
// phase renders have on average (a random unit has the mean count; a random
// label's unit is weighted by its count).
func (b *bench) ceilingToken(ctx context.Context) (string, int, error) {
	var counts []struct {
		UnitID int64
		N      int
	}
	err := b.db.WithContext(ctx).Model(&model.Instrument{}).Select("unit_id, COUNT(*) AS n").
		Where("status = ?", model.InstrumentInUse).Group("unit_id").Scan(&counts).Error
	if err != nil || len(counts) == 0 {
		return "", 0, fmt.Errorf("choosing the ceiling page: %v", err)
	}
	var sum, sumSq float64
	for _, c := range counts {
		sum += float64(c.N)
		sumSq += float64(c.N * c.N)
	}
	want := (sum/float64(len(counts)) + sumSq/sum) / 2
	best := counts[0]
	for _, c := range counts {
		if abs(float64(c.N)-want) < abs(float64(best.N)-want) {
			best = c
		}
	}
	var tok model.QRToken
	err = b.db.WithContext(ctx).Raw(`SELECT t.* FROM qr_tokens t JOIN instruments i ON i.id = t.target_id
		WHERE t.kind = ? AND t.revoked_at IS NULL AND i.unit_id = ? AND i.status = ? ORDER BY i.id LIMIT 1`,
		model.QRInstrument, best.UnitID, model.InstrumentInUse).Scan(&tok).Error
	if err != nil || tok.ID == 0 {
		return "", 0, fmt.Errorf("choosing the ceiling page: no live label in unit %d (%v)", best.UnitID, err)
	}
	t, err := b.signer.Token(qr.Ref{Kind: tok.Kind, ID: tok.TargetID, Version: tok.Version})
	return t, best.N, err
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// measureScanVsCeiling loads the scan page and the ceiling on the ceiling
// server, side by side at each connection count.
func measureScanVsCeiling(ctx context.Context, b *bench, o options, work string, t *table, p *progress) error {
	token, n, err := b.ceilingToken(ctx)
	if err != nil {
		return err
	}
	srv, err := b.startCeiling(ctx, work, token)
	if err != nil {
		return err
	}
	defer srv.stop()
	p.say("scan vs ceiling: ceiling page is the label page of a unit with %d instruments", n)
	mode := "off: every scan validates its cached page with one query"
	if o.scanWatermark {
		mode = "on: a cached page current by a reading under 1 s old is sent without a query"
	}
	t.info("scan watermark on the ceiling server (-scan-watermark)", mode)
	first := b.scanEveryCode(ctx, srv)
	p.say("  first scan of each code: %s", loadFigure(first))
	t.info(fmt.Sprintf("first scan of each of the %d codes (fills the page cache) @%d conns", first.ok+first.failed, scanConns[0]),
		loadFigure(first)+fmt.Sprintf(", server CPU %s/req", ms(first.cpuPerRequest())))
	warm := newClient(scanConns[0])
	runLoad(ctx, warm, scanConns[0], time.Second, http.StatusOK, ceilingRequest(srv.base+ceilingPath))
	runLoad(ctx, warm, scanConns[0], time.Second, http.StatusOK, ceilingRequest(srv.base+ceilingGzipPath))
	warm.CloseIdleConnections()
	for _, conns := range scanConns {
		p.say("scan page, %d connections, %s", conns, o.duration)
		scan := loadServer(ctx, srv, conns, o.duration, b.scanRequest(srv.base))
		p.say("ceiling, %d connections, %s", conns, o.duration)
		ceil := loadServer(ctx, srv, conns, o.duration, ceilingRequest(srv.base+ceilingPath))
		p.say("ceiling pre-compressed, %d connections, %s", conns, o.duration)
		ceilGz := loadServer(ctx, srv, conns, o.duration, ceilingRequest(srv.base+ceilingGzipPath))
		p.say("  scan %.0f req/s p99 %s; ceiling %.0f req/s p99 %s; pre-compressed %.0f req/s p99 %s",
			scan.rate(), ms(scan.pct(99)), ceil.rate(), ms(ceil.pct(99)), ceilGz.rate(), ms(ceilGz.pct(99)))

		label := fmt.Sprintf("scan GET /q/{token} @%d conns", conns)
		t.info(label, loadFigure(scan)+fmt.Sprintf(", %.1f KB gz/page, server CPU %s/req", scan.meanBytes()/1024, ms(scan.cpuPerRequest())))
		t.info(fmt.Sprintf("ceiling %s (same router) @%d conns", ceilingPath, conns),
			loadFigure(ceil)+fmt.Sprintf(", %.1f KB gz/page, server CPU %s/req", ceil.meanBytes()/1024, ms(ceil.cpuPerRequest())))
		t.info(fmt.Sprintf("ceiling %s, pre-compressed @%d conns", ceilingGzipPath, conns),
			loadFigure(ceilGz)+fmt.Sprintf(", server CPU %s/req; scan is %.0f%% of it", ms(ceilGz.cpuPerRequest()), 100*scan.rate()/ceilGz.rate()))
		share := scan.rate() / ceil.rate()
		t.add(fmt.Sprintf("scan throughput / ceiling @%d conns", conns),
			fmt.Sprintf("%.0f%% (%.0f / %.0f req/s)", share*100, scan.rate(), ceil.rate()),
			fmt.Sprintf("≥ %.0f%%", scanCeilingShare*100), share >= scanCeilingShare)
		if conns == scanConns[0] {
			t.add(fmt.Sprintf("scan p99 latency @%d conns", conns), fmt.Sprintf("%s (p50 %s)", ms(scan.pct(99)), ms(scan.pct(50))),
				"≤ "+ms(scanP99), scan.pct(99) <= scanP99)
		}
		t.add(fmt.Sprintf("scan errors @%d conns", conns), fmt.Sprintf("%s of %d", scan.errorsText(), scan.ok+scan.failed),
			"0", scan.failed == 0)
	}
	if n, first := srv.errorLines(); n > 0 {
		t.note(fmt.Sprintf("ceiling server logged %d errors; first: %s", n, first))
	}
	return srv.stop()
}

// measureScanMemory repeats the scan load on cmd/honestmeasure itself and
// reads its peak resident memory.
func measureScanMemory(ctx context.Context, b *bench, o options, srv *proc, t *table, p *progress) error {
	failed := b.scanEveryCode(ctx, srv).failed
	for _, conns := range scanConns {
		p.say("scan page on cmd/honestmeasure, %d connections, %s", conns, o.duration)
		scan := loadServer(ctx, srv, conns, o.duration, b.scanRequest(srv.base))
		failed += scan.failed
		t.info(fmt.Sprintf("scan on cmd/honestmeasure @%d conns", conns),
			loadFigure(scan)+fmt.Sprintf(", server CPU %s/req", ms(scan.cpuPerRequest())))
	}
	kb, err := vmHWM(srv.cmd.Process.Pid)
	if err != nil {
		return fmt.Errorf("reading the server's peak RSS: %w", err)
	}
	mb := float64(kb) / 1024
	p.say("  cmd/honestmeasure peak RSS %.1f MB", mb)
	t.add("server peak RSS (VmHWM) after scan load", fmt.Sprintf("%.1f MB", mb), fmt.Sprintf("≤ %d MB", scanMaxRSSMB), mb <= scanMaxRSSMB)
	if failed > 0 {
		t.note(fmt.Sprintf("cmd/honestmeasure answered %d scan requests with an error", failed))
	}
	return nil
}

// scanEveryCode scans each unit and instrument code once, in random order,
// at the first connection count: what the timed phases see afterwards is a
// server that has served every page before, as one does an hour after it
// starts. Its own figures show what a cold page costs.
func (b *bench) scanEveryCode(ctx context.Context, srv *proc) outcome {
	all := append(append([]string(nil), b.unitTokens...), b.instrumentTokens...)
	mrand.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	var next atomic.Int64
	client := newClient(scanConns[0])
	defer client.CloseIdleConnections()
	before := srv.cpuTime()
	out := runCount(ctx, client, scanConns[0], len(all), http.StatusOK, func(ctx context.Context, c *http.Client, _ *mrand.Rand) hit {
		return get(ctx, c, srv.base+"/q/"+all[next.Add(1)-1])
	})
	out.serverCPU = srv.cpuTime() - before
	return out
}

// loadServer runs a GET load phase on srv with a client of its own and
// records the server's CPU time over it.
func loadServer(ctx context.Context, srv *proc, conns int, d time.Duration, do request) outcome {
	client := newClient(conns)
	defer client.CloseIdleConnections()
	before := srv.cpuTime()
	out := runLoad(ctx, client, conns, d, http.StatusOK, do)
	out.serverCPU = srv.cpuTime() - before
	return out
}

// loadFigure is a load phase in one line.
func loadFigure(o outcome) string {
	return fmt.Sprintf("%.0f req/s, p50 %s, p99 %s, %s", o.rate(), ms(o.pct(50)), ms(o.pct(99)), o.errorsText())
}
