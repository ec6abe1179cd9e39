package ui_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/audit"
	"honestmeasure/internal/model"
	"honestmeasure/internal/sheet"
	"honestmeasure/internal/verification"
)

// bodyFile is an upload in the template's columns with one row per
// record: the registered scale, its certificate; a bad credit code; a
// formula is not possible in CSV, so XLSX rows are checked elsewhere.
func bodyFile(t *testing.T, rows ...map[string]string) []byte {
	t.Helper()
	var header []string
	for _, c := range verification.Columns {
		header = append(header, c.Header)
	}
	var buf bytes.Buffer
	var data [][]string
	for _, r := range rows {
		var cells []string
		for _, c := range verification.Columns {
			cells = append(cells, r[c.Field])
		}
		data = append(data, cells)
	}
	if err := sheet.WriteXLSX(&buf, header, func(yield func([]string) bool) {
		for _, d := range data {
			if !yield(d) {
				return
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A body's staff upload a file with a good and a bad row: the preview
// writes nothing and names the bad row's column and reason; confirming
// imports in steps; the error report lists the refused row; the scan page
// shows the certificate as confirmed; the same file again adds nothing;
// a merchant cannot reach the page.
func TestBodyUploadFlow(t *testing.T) {
	a := apptest.New(t)
	_, unitID, ins := a.ApprovedUnit("常州检定测试店")
	a.CreateUser("body@example.org", "body-pass-123456", model.RoleVerificationBody, "")
	b := a.Browser()
	b.Login("body@example.org", "body-pass-123456")
	b.Get("/body")
	b.Expect(http.StatusOK, "下载模板")
	tpl := b.Get("/body/template.xlsx")
	if tpl.Status != http.StatusOK || !strings.HasPrefix(tpl.Body, "PK") {
		t.Fatalf("template: %d", tpl.Status)
	}
	good := map[string]string{"kind": "检定证书", "certificate_no": "JD2026-777", "submitter_name": "常州检定测试店",
		"submitter_uscc": apptest.GoodUSCC, "instrument_serial": ins[0].SerialNo, "verified_on": "2026/3/5", "valid_until": "2027年3月4日"}
	bad := map[string]string{"kind": "检定证书", "certificate_no": "JD2026-778", "submitter_name": "x", "submitter_uscc": "123",
		"instrument_serial": "S-1", "verified_on": "2026-03-05"}
	file := bodyFile(t, good, bad)
	count := func() int64 {
		var n int64
		a.DB.Model(&model.VerificationRecord{}).Where("source = ?", model.SourceConfirmed).Count(&n)
		return n
	}
	b.Get("/body")
	b.PostMultipart("/body/imports", url.Values{"_csrf": {b.CSRF()}}, apptest.File{Field: "file", Name: "三月.xlsx", Data: file})
	b.Expect(http.StatusOK, "待确认", "送检单位统一社会信用代码", "统一社会信用代码不正确")
	if count() != 0 {
		t.Fatal("the preview wrote records")
	}
	importPath := strings.TrimPrefix(b.Last.URL, a.URL)
	b.Post(importPath+"/confirm", nil)
	b.Expect(http.StatusOK, "import-progress")
	for range 20 {
		r := b.Post(importPath+"/step", nil)
		var p struct{ Status string }
		if err := json.Unmarshal([]byte(r.Body), &p); err != nil {
			t.Fatalf("step answered %q", r.Body)
		}
		if p.Status == "done" {
			break
		}
	}
	b.Get(importPath)
	b.Expect(http.StatusOK, "导入完成：新增 1 条")
	if count() != 1 {
		t.Fatalf("%d confirmed records after the import, want 1", count())
	}
	report := b.Get(importPath + "/errors.csv")
	if !strings.Contains(report.Body, "3,送检单位统一社会信用代码,") {
		t.Errorf("error report:\n%s", report.Body)
	}
	scan := a.Browser().Get(a.ScanPath(model.QRUnit, unitID))
	if !strings.Contains(scan.Body, "JD2026-777") || !strings.Contains(scan.Body, "检定机构确认") {
		t.Errorf("scan page does not show the confirmed certificate:\n%s", scan.Body)
	}
	// The body's fail notice reaches the (cached) scan page on the next
	// request.
	log, err := audit.New([]byte(apptest.AuditKey))
	if err != nil {
		t.Fatal(err)
	}
	svc := &verification.Service{Store: a.Store, Audit: log, Now: a.Now}
	body, err := a.Store.VerificationBodyByCode(t.Context(), a.Ref.VerificationBodies[0].Code)
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.SubmitBatch(t.Context(), verification.Sender{Body: body}, "fail-1", []verification.Record{{Kind: "fail_notice",
		CertificateNo: "TZ2026-9", SubmitterUSCC: apptest.GoodUSCC, InstrumentSerial: ins[0].SerialNo,
		VerifiedOn: model.DateOf(a.Now()).Format("2006-01-02")}})
	if err != nil || res.New != 1 {
		t.Fatalf("fail notice: %+v %v", res, err)
	}
	failed := a.Browser().Get(a.ScanPath(model.QRUnit, unitID))
	if strings.Contains(scan.Body, "state-failed") || !strings.Contains(failed.Body, "state-failed") {
		t.Errorf("the scan page after the fail notice does not show the instrument failed:\n%s", failed.Body)
	}

	b.Get("/body")
	b.PostMultipart("/body/imports", url.Values{"_csrf": {b.CSRF()}}, apptest.File{Field: "file", Name: "三月.xlsx", Data: file})
	b.Expect(http.StatusOK, "待确认")
	if !strings.Contains(b.Last.Body, `id="confirm-import" disabled`) {
		t.Error("the same file again offers records to import")
	}
	m := a.Browser()
	m.Login(apptest.MerchantLogin, apptest.MerchantPass)
	if r := m.Get(importPath); r.Status == http.StatusOK {
		t.Error("a merchant opened a body's import")
	}
}

// Bad files are refused with a message saying what is wrong, and nothing
// is written: a wrong header, a GBK CSV works, an empty file, an .xls.
func TestBodyUploadBadFiles(t *testing.T) {
	a := apptest.New(t)
	a.CreateUser("body@example.org", "body-pass-123456", model.RoleVerificationBody, "")
	b := a.Browser()
	b.Login("body@example.org", "body-pass-123456")
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("证书编号,颜色\nJD-1,红\n")
	var header []string
	for _, c := range verification.Columns {
		header = append(header, c.Header)
	}
	goodGBK, _ := simplifiedchinese.GBK.NewEncoder().String(strings.Join(header, ",") + "\n" +
		"检定证书,JD-9,,某店," + apptest.GoodUSCC + ",,,,SN-9,,,,,,2026-03-05,,,,,,\n")
	for _, tc := range []struct {
		name, file string
		data       []byte
		status     int
		want       string
	}{
		{"wrong header", "a.csv", []byte(gbk), http.StatusUnprocessableEntity, "无法识别的列：颜色"},
		{"empty", "a.csv", nil, http.StatusUnprocessableEntity, "文件是空的"},
		{"header only", "a.csv", []byte(strings.Join(header, ",") + "\n"), http.StatusUnprocessableEntity, "文件是空的"},
		{"xls", "a.xls", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"), http.StatusUnprocessableEntity, "不支持旧版 Excel"},
		{"GBK CSV from Excel", "a.csv", []byte(goodGBK), http.StatusOK, "待确认"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.Get("/body")
			b.PostMultipart("/body/imports", url.Values{"_csrf": {b.CSRF()}}, apptest.File{Field: "file", Name: tc.file, Data: tc.data})
			b.Expect(tc.status, tc.want)
		})
	}
	t.Run("50 MB file", func(t *testing.T) {
		b.Get("/body")
		b.PostMultipart("/body/imports", url.Values{"_csrf": {b.CSRF()}},
			apptest.File{Field: "file", Name: "big.csv", Data: bytes.Repeat([]byte("a,"), 25<<20)})
		b.Expect(http.StatusRequestEntityTooLarge, "20 MB 的上限")
	})
	t.Run("formula and Excel dates", func(t *testing.T) {
		x := excelize.NewFile()
		for i, h := range header {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			_ = x.SetCellStr("Sheet1", cell, h)
		}
		col := func(field string) int {
			for i, c := range verification.Columns {
				if c.Field == field {
					return i + 1
				}
			}
			t.Fatalf("no column %s", field)
			return 0
		}
		for row, cert := range []string{"JD-F1", "JD-F2"} {
			set := func(field string, v any) {
				cell, _ := excelize.CoordinatesToCellName(col(field), row+2)
				_ = x.SetCellValue("Sheet1", cell, v)
			}
			set("kind", "检定证书")
			set("certificate_no", cert)
			set("submitter_name", "某店")
			set("submitter_uscc", apptest.GoodUSCC)
			set("instrument_serial", "SN-F")
			set("verified_on", 46086) // 2026-03-05 as Excel stores a date
		}
		cell, _ := excelize.CoordinatesToCellName(col("valid_until"), 3)
		_ = x.SetCellFormula("Sheet1", cell, "=EDATE(O3,12)-1")
		var buf bytes.Buffer
		if err := x.Write(&buf); err != nil {
			t.Fatal(err)
		}
		b.Get("/body")
		b.PostMultipart("/body/imports", url.Values{"_csrf": {b.CSRF()}}, apptest.File{Field: "file", Name: "f.xlsx", Data: buf.Bytes()})
		b.Expect(http.StatusOK, "待确认", "此单元格是公式", "有效期至")
		if !strings.Contains(b.Last.Body, "确认导入 1 条记录") {
			t.Errorf("the row with an Excel date serial is not importable:\n%s", b.Last.Body)
		}
	})
	var n int64
	a.DB.Model(&model.VerificationRecord{}).Count(&n)
	if n != 0 {
		t.Errorf("%d records written by refused files and a preview", n)
	}
	_ = strconv.Itoa
}
