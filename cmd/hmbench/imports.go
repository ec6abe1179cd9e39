package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"honestmeasure/internal/accounts"
	"honestmeasure/internal/model"
	"honestmeasure/internal/sheet"
	"honestmeasure/internal/verification"
)

// Import targets (issue 12): a 20,000-row XLSX goes through, the import
// holds no more than about 50 MB above the server's baseline, and the same
// file again adds nothing.
const (
	importRows     = 20000
	importMemoryMB = 50
	bodyLogin      = "hmbench-body@example.org"
)

// importRecord is one instrument of the seeded city as a body's record.
type importRecord struct {
	USCC, Name, Serial string
}

// measureImport uploads a 20,000-row XLSX of certificates for the seeded
// instruments as a verification body's staff do — check (preview), confirm,
// import in steps as the page's script does — on a server process of its
// own, so its peak RSS is the import's alone; then uploads the same file
// again and checks that the preview adds nothing.
func measureImport(ctx context.Context, b *bench, bin, work string, t *table, p *progress) error {
	if err := b.ensureBodyUser(ctx); err != nil {
		return err
	}
	var recs []importRecord
	if err := b.db.WithContext(ctx).Table("instruments i").Select("u.uscc, u.name, i.serial_no AS serial").
		Joins("JOIN units u ON u.id = i.unit_id").Where("i.status = ?", model.InstrumentInUse).
		Order("i.id").Limit(importRows).Scan(&recs).Error; err != nil {
		return err
	}
	if len(recs) < importRows {
		return fmt.Errorf("the seeded city has %d instruments in use, the import needs %d", len(recs), importRows)
	}
	run := time.Now().Format("150405")
	file, err := importFile(recs, run)
	if err != nil {
		return err
	}
	srv, err := b.startProduct(ctx, bin, work, "honestmeasure-import")
	if err != nil {
		return err
	}
	defer func() { _ = srv.stop() }()
	jar, _ := cookiejar.New(nil)
	client := newClient(1)
	client.Jar, client.Timeout = jar, 10*time.Minute
	resp, err := client.PostForm(srv.base+"/login", url.Values{"login": {bodyLogin}, "password": {benchPassword}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/body" {
		return fmt.Errorf("signing in as the body: ended on %s with HTTP %d", resp.Request.URL.Path, resp.StatusCode)
	}
	baseline, err := vmRSS(srv.cmd.Process.Pid)
	if err != nil {
		return err
	}
	var peak atomic.Int64
	stop := make(chan struct{})
	go func() {
		for {
			if kb, err := vmRSS(srv.cmd.Process.Pid); err == nil && kb > peak.Load() {
				peak.Store(kb)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	p.say("import: checking a %d-row XLSX (%.1f MB)", importRows, float64(len(file))/(1<<20))
	started := time.Now()
	importPath, err := uploadFile(ctx, client, srv.base, file)
	if err != nil {
		close(stop)
		return err
	}
	checked := time.Since(started)
	p.say("import: importing")
	started = time.Now()
	if err := postForm(ctx, client, srv.base, importPath+"/confirm"); err != nil {
		close(stop)
		return err
	}
	token, err := csrfOf(ctx, client, srv.base)
	if err != nil {
		close(stop)
		return err
	}
	for {
		status, err := step(ctx, client, srv.base+importPath+"/step", token)
		if err != nil {
			close(stop)
			return err
		}
		if status == string(model.ImportDone) {
			break
		}
	}
	imported := time.Since(started)
	close(stop)
	var added int64
	if err := b.db.WithContext(ctx).Model(&model.VerificationRecord{}).Where("certificate_no LIKE ?", "HMB"+run+"-%").Count(&added).Error; err != nil {
		return err
	}
	if added != importRows {
		return fmt.Errorf("the import stored %d records, want %d", added, importRows)
	}
	p.say("import: the same file again")
	started = time.Now()
	againPath, err := uploadFile(ctx, client, srv.base, file)
	if err != nil {
		return err
	}
	rechecked := time.Since(started)
	var again model.VerificationImport
	if err := b.db.WithContext(ctx).Take(&again, "id = ?", strings.TrimPrefix(againPath, "/body/imports/")).Error; err != nil {
		return err
	}
	// VmHWM covers the moments between samples too; it also holds the
	// server's start-up, so the figure is an upper bound of the import's.
	hwm, err := vmHWM(srv.cmd.Process.Pid)
	if err != nil {
		return err
	}
	grewMB := float64(max(hwm, peak.Load())-baseline) / 1024
	rate := func(d time.Duration) string {
		return fmt.Sprintf("%.0f rows/s (%s)", float64(importRows)/d.Seconds(), d.Round(10*time.Millisecond))
	}
	t.info(fmt.Sprintf("verification upload, %d-row XLSX: check (preview, nothing written)", importRows), rate(checked))
	t.info(fmt.Sprintf("verification upload, %d-row XLSX: import after confirmation", importRows), rate(imported))
	t.add("verification upload: server peak RSS (VmHWM) above its baseline", fmt.Sprintf("%.1f MB (baseline %.1f MB, highest sampled %.1f MB)",
		grewMB, float64(baseline)/1024, float64(peak.Load())/1024),
		fmt.Sprintf("≤ %d MB", importMemoryMB), grewMB <= importMemoryMB)
	t.add("verification upload: the same file again", fmt.Sprintf("%d to add, %d already recorded (check %s)", again.NewRows, again.UnchangedRows,
		rechecked.Round(10*time.Millisecond)), "0 to add", again.NewRows == 0 && again.UnchangedRows == importRows)
	return nil
}

// ensureBodyUser makes the bench's verification-body user (known password).
func (b *bench) ensureBodyUser(ctx context.Context) error {
	var body model.VerificationBody
	if err := b.db.WithContext(ctx).Order("id").Take(&body).Error; err != nil {
		return fmt.Errorf("no verification body seeded: %w", err)
	}
	hash, err := accounts.HashPassword(benchPassword)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	u := model.User{Login: bodyLogin, Email: bodyLogin, DisplayName: "检定员", PasswordHash: hash, Role: model.RoleVerificationBody,
		VerificationBodyID: &body.ID, Locale: "zh-CN", PasswordChangedAt: &now, CreatedAt: now, UpdatedAt: now}
	return b.db.WithContext(ctx).Where("login = ?", bodyLogin).Attrs(u).FirstOrCreate(&u).Error
}

// importFile is the XLSX a body would upload: a certificate for each
// instrument, in the template's columns.
func importFile(recs []importRecord, run string) ([]byte, error) {
	var header []string
	for _, c := range verification.Columns {
		header = append(header, c.Header)
	}
	verified := time.Now().AddDate(0, 0, -10)
	until := verified.AddDate(1, 0, -1)
	var buf bytes.Buffer
	err := sheet.WriteXLSX(&buf, header, func(yield func([]string) bool) {
		for i, r := range recs {
			row := map[string]string{"kind": "检定证书", "certificate_no": fmt.Sprintf("HMB%s-%06d", run, i), "submitter_name": r.Name,
				"submitter_uscc": r.USCC, "instrument_serial": r.Serial, "instrument_name": "电子计价秤", "conclusion": "合格",
				"accuracy_class": "Ⅲ", "regulation": "JJG 539-2016", "verified_on": verified.Format("2006/1/2"),
				"valid_until": until.Format(time.DateOnly), "verifier": "王检定", "checker": "李核验", "approver": "张批准"}
			cells := make([]string, len(verification.Columns))
			for k, c := range verification.Columns {
				cells[k] = row[c.Field]
			}
			if !yield(cells) {
				return
			}
		}
	})
	return buf.Bytes(), err
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrfOf reads the CSRF token from the body's workspace page.
func csrfOf(ctx context.Context, c *http.Client, base string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/body", nil)
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	m := csrfField.FindSubmatch(page)
	if m == nil {
		return "", errors.New("no CSRF token on /body")
	}
	return string(m[1]), nil
}

// uploadFile posts file to /body/imports and returns the preview's path.
func uploadFile(ctx context.Context, c *http.Client, base string, file []byte) (string, error) {
	token, err := csrfOf(ctx, c, base)
	if err != nil {
		return "", err
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", token)
	part, _ := w.CreateFormFile("file", "hmbench-certificates.xlsx")
	_, _ = part.Write(file)
	_ = w.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/body/imports", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/body/imports/") {
		return "", fmt.Errorf("upload answered %d on %s", resp.StatusCode, resp.Request.URL.Path)
	}
	return resp.Request.URL.Path, nil
}

func postForm(ctx context.Context, c *http.Client, base, path string) error {
	token, err := csrfOf(ctx, c, base)
	if err != nil {
		return err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(url.Values{"_csrf": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", path, resp.StatusCode)
	}
	return nil
}

// step asks the server to import the next rows, as the page's script does.
func step(ctx context.Context, c *http.Client, target, token string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(url.Values{"_csrf": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var p struct{ Status string }
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("step answered %d: %v", resp.StatusCode, err)
	}
	return p.Status, nil
}
