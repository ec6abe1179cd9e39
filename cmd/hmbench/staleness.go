package main

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
	"honestmeasure/internal/scan"
)

// stalenessChanges is how many status changes the staleness phase makes.
const stalenessChanges = 50

// suspendedText is what a suspended unit's scan page says (zh-CN).
const suspendedText = "示范资格已暂停"

// measureStaleness runs two cmd/honestmeasure instances on the bench
// database: an officer suspends and reinstates one unit through A, 50 times,
// while a citizen scans the unit's code through B over and over. Before each
// change B must be sending the page from memory without a query (its
// metrics say so); the figure is the time from A's answer to the start of
// the first scan on B that showed the change. The bound
// (scan.WatermarkWindow) is what the product promises.
func measureStaleness(ctx context.Context, b *bench, a, other *proc, otherMetrics string, t *table, p *progress) error {
	unitID, token, err := b.stalenessUnit(ctx)
	if err != nil {
		return err
	}
	officer, err := signIn(ctx, a.base, officerLogin(b.agency.Code))
	if err != nil {
		return err
	}
	scanURL := other.base + "/q/" + token
	citizen := newClient(1)
	defer citizen.CloseIdleConnections()
	scans := 0
	shows := func() (bool, error) {
		scans++
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, scanURL, nil)
		req.Header.Set("Accept-Language", "zh-CN")
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := citizen.Do(req)
		if err != nil {
			return false, err
		}
		defer resp.Body.Close()
		var r io.Reader = resp.Body
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				return false, err
			}
			r = zr
		}
		body, err := io.ReadAll(r)
		if err != nil || resp.StatusCode != http.StatusOK {
			return false, fmt.Errorf("scan on B: HTTP %d %v", resp.StatusCode, err)
		}
		return strings.Contains(string(body), suspendedText), nil
	}
	unqueried := func() (float64, error) {
		return metricValue(ctx, otherMetrics, "honestmeasure_scan_cache_unqueried_hits_total")
	}
	p.say("staleness: %d changes of unit %d through %s, scanned through %s", stalenessChanges, unitID, a.name, other.name)
	var took []time.Duration
	for i := range stalenessChanges {
		action, suspended := "suspend", true
		if i%2 == 1 {
			action, suspended = "reinstate", false
		}
		// Scan until B answers two scans in a row without a query: the page
		// is cached and vouched for by a fresh reading.
		for served, deadline := 0, time.Now().Add(10*time.Second); served < 2; {
			before, err := unqueried()
			if err != nil {
				return err
			}
			if _, err := shows(); err != nil {
				return err
			}
			after, err := unqueried()
			if err != nil {
				return err
			}
			if after > before {
				served++
			} else {
				served = 0
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s never sent the page without a query in 10 s", other.name)
			}
			time.Sleep(20 * time.Millisecond)
		}
		done, err := officer.review(ctx, unitID, action, fmt.Sprintf("hmbench staleness %d", i+1))
		if err != nil {
			return err
		}
		for {
			start := time.Now()
			got, err := shows()
			if err != nil {
				return err
			}
			if got == suspended {
				took = append(took, start.Sub(done))
				break
			}
			if start.Sub(done) > 10*time.Second {
				return fmt.Errorf("change %d (%s) not shown on %s after 10 s", i+1, action, other.name)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	slices.Sort(took)
	median, highest := took[len(took)/2], took[len(took)-1]
	served, err := unqueried()
	if err != nil {
		return err
	}
	p.say("  shown on B after: median %s, max %s", ms(median), ms(highest))
	t.add(fmt.Sprintf("staleness: %d changes through instance A, first scan through B showing each", stalenessChanges),
		fmt.Sprintf("median %s, max %s (min %s; %d scans on B, %.0f of them without a query)", ms(median), ms(highest), ms(took[0]), scans, served),
		"≤ "+ms(scan.WatermarkWindow), highest <= scan.WatermarkWindow)
	return nil
}

// metricValue reads one unlabelled series from a Prometheus text endpoint.
func metricValue(ctx context.Context, endpoint, name string) (float64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("%s: no series %s", endpoint, name)
}

// stalenessUnit is a published unit in the bench officer's jurisdiction
// and its live code.
func (b *bench) stalenessUnit(ctx context.Context) (int64, string, error) {
	var row struct {
		ID      int64
		Version int
	}
	err := b.db.WithContext(ctx).Raw(`SELECT u.id, t.version FROM units u
		JOIN agency_districts ad ON ad.district_id = u.district_id AND ad.agency_id = ?
		JOIN qr_tokens t ON t.kind = ? AND t.target_id = u.id AND t.revoked_at IS NULL
		WHERE u.status = ? ORDER BY u.id LIMIT 1`, b.agency.ID, model.QRUnit, model.UnitApproved).Scan(&row).Error
	if err != nil || row.ID == 0 {
		return 0, "", fmt.Errorf("staleness: no published unit in %s's districts (%v)", b.agency.Code, err)
	}
	tok, err := b.signer.Token(qr.Ref{Kind: model.QRUnit, ID: row.ID, Version: row.Version})
	return row.ID, tok, err
}

// staffClient is a signed-in staff member's browser.
type staffClient struct {
	base string
	c    *http.Client
}

func signIn(ctx context.Context, base, login string) (*staffClient, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	c := newClient(1)
	c.Jar = jar
	form := url.Values{"login": {login}, "password": {benchPassword}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("signing in as %s: %w", login, err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(resp.Request.URL.Path, "/staff") {
		return nil, fmt.Errorf("signing in as %s: ended on %s with HTTP %d", login, resp.Request.URL.Path, resp.StatusCode)
	}
	return &staffClient{base: base, c: c}, nil
}

var reviewCSRF = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// review posts a status action on the unit's staff page, as the officer's
// browser does, and returns when the answer (the redirect that follows a
// committed change) arrived.
func (s *staffClient) review(ctx context.Context, unitID int64, action, reason string) (time.Time, error) {
	page := s.base + "/staff/units/" + strconv.FormatInt(unitID, 10)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, page, nil)
	resp, err := s.c.Do(req)
	if err != nil {
		return time.Time{}, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := reviewCSRF.FindSubmatch(body)
	if m == nil {
		return time.Time{}, fmt.Errorf("no CSRF token on %s (HTTP %d)", page, resp.StatusCode)
	}
	form := url.Values{"_csrf": {string(m[1])}, "reason": {reason}}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, page+"/"+action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	noFollow := *s.c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err = noFollow.Do(req)
	if err != nil {
		return time.Time{}, err
	}
	done := time.Now()
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return time.Time{}, errors.New(action + " of unit " + strconv.FormatInt(unitID, 10) + ": HTTP " + strconv.Itoa(resp.StatusCode))
	}
	return done, nil
}
