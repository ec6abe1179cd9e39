package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"honestmeasure/internal/app/apptest"
	"honestmeasure/internal/model"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

var importPageRe = regexp.MustCompile(`^/body/imports/(\d+)$`)

// TestBodyUploadInTheBrowser walks issue 12's upload as a verification
// body's clerk does it, on a 360 px phone and on a 1366 px desktop: sign in,
// download the XLSX template, fill it with a good and a bad row, upload it,
// read the preview (the bad row's column and reason, one record to import),
// confirm and watch the progress bar until the import is done, download the
// error report; then a shopper's scan of the stall shows the certificate as
// 检定机构确认. No page may be wider than the window.
func TestBodyUploadInTheBrowser(t *testing.T) {
	for _, w := range []struct {
		name  string
		setup chromedp.Action[chromedp.Void]
	}{
		{"phone-360", phone()},
		{"desktop-1366", chromedp.EmulateViewport(1366, 900)},
	} {
		t.Run(w.name, func(t *testing.T) { walkUpload(t, w.setup) })
	}
}

func walkUpload(t *testing.T, viewport chromedp.Action[chromedp.Void]) {
	a := apptest.New(t)
	_, unitID, ins := a.ApprovedUnit(unitName)
	a.CreateUser("body@example.org", "body-pass-123456", model.RoleVerificationBody, "")
	unitPath := a.ScanPath(model.QRUnit, unitID)
	verified := a.Now().AddDate(0, -1, 0) // a month ago
	const (
		goodCert = "JD2026-777"
		badCert  = "JD2026-778"
	)

	b := newBrowser(t)
	clerk := b.person(t, "clerk", viewport)
	citizen := b.person(t, "citizen", viewport)

	// Before the upload, the stall's scales carry no certificate.
	citizen.step(t, "scan-before",
		open(a.URL+unitPath, 200),
		hasText("ul.instruments", ins[0].SerialNo, ins[1].SerialNo),
		lacks("ul.instruments", goodCert),
		fitsWidth(),
	)

	// 1. Sign in: a body's staff land on their workspace.
	clerk.step(t, "login",
		open(a.URL+"/login", 200),
		chromedp.SendKeys(chromedp.CSS("#login"), "body@example.org"),
		chromedp.SendKeys(chromedp.CSS("#password"), "body-pass-123456"),
		follow(`form[action="/login"] button[type=submit]`, 200),
		onPage(regexp.MustCompile(`^/body$`), nil),
		hasText("main", "上传文件", "下载模板"),
		holds(`!!document.querySelector('form[action="/body/imports"] input#file[type=file]')`, "no file input in the upload form"),
		fitsWidth(),
	)

	// 2. The template, downloaded with the clerk's cookies.
	var tpl download
	clerk.step(t, "template",
		fetchLink(`a[href="/body/template.xlsx"]`, &tpl),
	)
	if !bytes.HasPrefix(tpl.Data, []byte("PK")) || !strings.HasPrefix(tpl.Type, xlsxType) {
		t.Fatalf("template: %s answered %q, %d bytes starting %q; want an XLSX", tpl.URL, tpl.Type, len(tpl.Data), head(tpl.Data))
	}

	// 3. Filled in as a clerk would: the example row replaced by two
	// records, the second with a credit code one digit short.
	file := fillTemplate(t, tpl.Data, filepath.Join(t.TempDir(), "三月检定记录.xlsx"),
		map[string]string{
			"记录类别": "检定证书", "证书编号": goodCert, "送检单位": unitName, "送检单位统一社会信用代码": apptest.GoodUSCC,
			"出厂编号": ins[0].SerialNo, "检定日期": verified.Format("2006/1/2"),
			"有效期至": verified.AddDate(1, 0, -1).Format("2006年1月2日"),
		},
		map[string]string{
			"记录类别": "检定证书", "证书编号": badCert, "送检单位": unitName, "送检单位统一社会信用代码": apptest.GoodUSCC[:17],
			"出厂编号": ins[1].SerialNo, "检定日期": verified.Format("2006-01-02"),
		},
	)
	clerk.step(t, "file-chosen",
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		holds(`document.querySelector('#file').files[0]?.name === '三月检定记录.xlsx'`, "the file is not chosen"),
	)

	// 4. The preview: nothing written yet, the bad row named, one record
	// to import.
	var importID int64
	clerk.step(t, "preview",
		follow(`form[action="/body/imports"] button[type=submit]`, 200),
		onPage(importPageRe, &importID),
		hasText("main h1", "三月检定记录.xlsx"),
		hasText("main .badge", "待确认"),
		detail("行数", "2"), detail("将新增", "1"), detail("未通过", "1"),
		refusedRows([][]string{{"3", "送检单位统一社会信用代码", "统一社会信用代码不正确"}}),
		hasText("#confirm-import", "确认导入 1 条记录"),
		holds(`!document.querySelector('#confirm-import').disabled`, "the confirm button is disabled"),
		fitsWidth(),
	)
	var n int64
	a.DB.Model(&model.VerificationRecord{}).Where("source = ?", model.SourceConfirmed).Count(&n)
	if n != 0 {
		t.Fatalf("the preview wrote %d records", n)
	}

	// 5. Confirm: the page shows a progress bar and its script posts the
	// steps until the import is done, then reloads. What each page load
	// showed is kept in sessionStorage, so the bar is seen however fast
	// the steps run.
	var watched importWatch
	clerk.step(t, "imported",
		watchImport(),
		follow("#confirm-import", 200),
		hasText("#import-done", "导入完成：新增 1 条", "未通过 1 行"),
		hasText("main .badge", "已完成"),
		watchedImport(&watched),
		fitsWidth(),
	)
	if err := watched.check(importID); err != nil {
		t.Fatalf("imported: %v\nwhat the tab saw: %+v", err, watched)
	}
	t.Logf("imported: %d page loads, %d steps posted, percent %v", len(watched.Loads), len(watched.Steps), watched.Percents())

	// 6. The error report: an XLSX listing the refused row.
	var report download
	clerk.step(t, "error-report",
		hasText("#refused-rows", "送检单位统一社会信用代码"),
		fetchLink("#error-report", &report),
	)
	if !bytes.HasPrefix(report.Data, []byte("PK")) || !strings.HasPrefix(report.Type, xlsxType) {
		t.Fatalf("error report: %s answered %q, %d bytes starting %q; want an XLSX", report.URL, report.Type, len(report.Data), head(report.Data))
	}
	if rows := xlsxRows(t, report.Data); !anyRowHolds(rows, "3", "送检单位统一社会信用代码", "统一社会信用代码不正确") {
		t.Fatalf("error report %s does not list row 3's credit code:\n%q", report.URL, rows)
	}

	// 7. A shopper scans the stall: the first scale now shows the body's
	// certificate, confirmed; the refused row added nothing to the second.
	citizen.step(t, "scan-after",
		open(a.URL+unitPath, 200),
		reload(200), // the page may be cached from before the upload
		instrumentLine(ins[0].SerialNo, goodCert, "检定机构确认"),
		lacks("ul.instruments", badCert),
		lacks("ul.instruments", "自行申报"),
		fitsWidth(),
	)
}

// fillTemplate writes to path the downloaded template with its example
// row replaced by rows, each a value per column header, and returns path.
// It fails if the template is not one header row and one example row, or
// lacks a column a row fills.
func fillTemplate(t *testing.T, template []byte, path string, rows ...map[string]string) string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(template))
	if err != nil {
		t.Fatalf("template: %v", err)
	}
	defer x.Close()
	sheet := x.GetSheetList()[0]
	have, err := x.GetRows(sheet)
	if err != nil {
		t.Fatalf("template: %v", err)
	}
	if len(have) != 2 {
		t.Fatalf("template: %d rows, want a header and an example", len(have))
	}
	col := map[string]int{}
	for i, h := range have[0] {
		col[strings.TrimSpace(h)] = i + 1
	}
	for r, row := range rows {
		for h := range row {
			if col[h] == 0 {
				t.Fatalf("template: no column %q in %q", h, have[0])
			}
		}
		for h, c := range col {
			cell, _ := excelize.CoordinatesToCellName(c, r+2)
			if err := x.SetCellStr(sheet, cell, row[h]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// xlsxRows is the first sheet of an XLSX file, row by row.
func xlsxRows(t *testing.T, data []byte) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not an XLSX: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// anyRowHolds reports whether some row has a cell equal to first and cells
// holding each of want.
func anyRowHolds(rows [][]string, first string, want ...string) bool {
	for _, r := range rows {
		line := strings.Join(r, "\t")
		if !containsCell(r, first) {
			continue
		}
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(line, w)
		}
		if ok {
			return true
		}
	}
	return false
}

func containsCell(r []string, v string) bool {
	for _, c := range r {
		if strings.TrimSpace(c) == v {
			return true
		}
	}
	return false
}

// head is the first bytes of data, for a message.
func head(data []byte) []byte { return data[:min(len(data), 16)] }

// detail fails unless the page's list of details (a dl.details) gives
// label the value want.
func detail(label, want string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => {
		const dt = [...document.querySelectorAll('dl.details dt')].find(dt => dt.textContent.trim() === %s);
		return dt && dt.nextElementSibling ? dt.nextElementSibling.textContent.trim() : null;
	})()`, jsString(label))
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		got, err := chromedp.Evaluate[*string](js)(ctx, t)
		if err != nil {
			return fmt.Errorf("detail %s: %w", label, err)
		}
		switch {
		case got == nil:
			return fmt.Errorf("the page shows no detail %q", label)
		case *got != want:
			return fmt.Errorf("%s shows %q, want %q", label, *got, want)
		}
		return nil
	})
}

// refusedRows fails unless the table of refused rows has exactly want's
// rows: row number and column exactly, the reason starting with want's.
func refusedRows(want [][]string) chromedp.Action[chromedp.Void] {
	const js = `[...document.querySelectorAll('#refused-rows tbody tr')].map(tr => [...tr.cells].map(td => td.innerText.trim()))`
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := chromedp.WaitVisible(chromedp.CSS("#refused-rows"))(ctx, t); err != nil {
			return fmt.Errorf("#refused-rows: %w", err)
		}
		got, err := chromedp.Evaluate[[][]string](js)(ctx, t)
		if err != nil {
			return fmt.Errorf("#refused-rows: %w", err)
		}
		ok := len(got) == len(want)
		for i := 0; ok && i < len(want); i++ {
			ok = len(got[i]) == 3 && got[i][0] == want[i][0] && got[i][1] == want[i][1] && strings.HasPrefix(got[i][2], want[i][2])
		}
		if !ok {
			return fmt.Errorf("#refused-rows shows %q, want %q", got, want)
		}
		return nil
	})
}

// instrumentLine fails unless the scan page's list of instruments has a
// line for the instrument serial that holds each of want.
func instrumentLine(serial string, want ...string) chromedp.Action[chromedp.Void] {
	js := fmt.Sprintf(`(() => {
		const li = [...document.querySelectorAll('ul.instruments li')].find(li => [...li.querySelectorAll('code')].some(c => c.textContent.trim() === %s));
		return li ? li.innerText : null;
	})()`, jsString(serial))
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := chromedp.WaitVisible(chromedp.CSS("ul.instruments"))(ctx, t); err != nil {
			return fmt.Errorf("ul.instruments: %w", err)
		}
		got, err := chromedp.Evaluate[*string](js)(ctx, t)
		if err != nil {
			return fmt.Errorf("instrument %s: %w", serial, err)
		}
		if got == nil {
			return fmt.Errorf("ul.instruments has no line for %s", serial)
		}
		for _, w := range want {
			if !strings.Contains(*got, w) {
				return fmt.Errorf("the line for %s shows %q, lacking %q", serial, *got, w)
			}
		}
		return nil
	})
}

// watchScript runs first in every document of the tab. It keeps in
// sessionStorage, which outlives the reloads, what each page load showed
// (the progress bar, the done notice) and every step the page posted with
// the progress it answered.
const watchScript = `(() => {
	if (window.__hmWatch) return;
	window.__hmWatch = true;
	const key = 'hm-e2e-import';
	const log = (kind, e) => {
		const w = JSON.parse(sessionStorage.getItem(key) || '{"loads":[],"steps":[]}');
		w[kind].push(e);
		sessionStorage.setItem(key, JSON.stringify(w));
	};
	const fetch0 = window.fetch;
	window.fetch = function (input, init) {
		const url = String(input && input.url || input);
		const res = fetch0.apply(this, arguments);
		if (init && init.method === 'POST' && url.endsWith('/step')) {
			res.then(r => r.clone().json()).then(p => log('steps', {url, status: p.status, percent: p.percent}),
				e => log('steps', {url, error: String(e)}));
		}
		return res;
	};
	document.addEventListener('DOMContentLoaded', () => {
		const bar = document.querySelector('#import-progress progress');
		log('loads', {path: location.pathname, bar: !!bar, max: bar ? bar.max : 0,
			stepURL: document.querySelector('#import-progress')?.dataset.stepUrl || '',
			done: !!document.querySelector('#import-done')});
	});
})();`

// importWatch is what watchScript kept.
type importWatch struct {
	Loads []struct {
		Path    string  `json:"path"`
		Bar     bool    `json:"bar"`
		Max     float64 `json:"max"`
		StepURL string  `json:"stepURL"`
		Done    bool    `json:"done"`
	} `json:"loads"`
	Steps []struct {
		URL     string  `json:"url"`
		Status  string  `json:"status"`
		Percent float64 `json:"percent"`
		Error   string  `json:"error"`
	} `json:"steps"`
}

// Percents is the progress each step answered.
func (w importWatch) Percents() []float64 {
	var p []float64
	for _, s := range w.Steps {
		p = append(p, s.Percent)
	}
	return p
}

// check fails unless the import's page first showed a progress bar whose
// script posted steps until one answered done at 100 %, and then, reloaded,
// showed the import done.
func (w importWatch) check(id int64) error {
	path := fmt.Sprintf("/body/imports/%d", id)
	var bar, done bool
	for _, l := range w.Loads {
		if l.Path != path {
			return fmt.Errorf("a page load of %s, want only %s", l.Path, path)
		}
		switch {
		case l.Bar && done:
			return fmt.Errorf("the progress bar came back after the import was done")
		case l.Bar:
			if l.Max != 100 || l.StepURL != path+"/step" {
				return fmt.Errorf("the progress bar: max %v, steps at %q", l.Max, l.StepURL)
			}
			bar = true
		case l.Done:
			done = true
		}
	}
	if !bar {
		return fmt.Errorf("no page load showed #import-progress with a <progress>")
	}
	if !done {
		return fmt.Errorf("no page load showed #import-done")
	}
	if len(w.Steps) == 0 {
		return fmt.Errorf("the page posted no step")
	}
	last := w.Steps[len(w.Steps)-1]
	if last.Status != "done" || last.Percent != 100 {
		return fmt.Errorf("the last step answered %q at %v %%", last.Status, last.Percent)
	}
	return nil
}

// watchImport starts watchScript in the tab's next documents, with a
// fresh record.
func watchImport() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := chromedp.Evaluate[chromedp.Void](`sessionStorage.removeItem('hm-e2e-import')`)(ctx, t); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument,
			page.AddScriptToEvaluateOnNewDocumentParams{Source: watchScript})
		return err
	})
}

// watchedImport reads what watchScript kept into w.
func watchedImport(w *importWatch) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		s, err := chromedp.Evaluate[string](`sessionStorage.getItem('hm-e2e-import') || '{}'`)(ctx, t)
		if err != nil {
			return err
		}
		return json.Unmarshal([]byte(s), w)
	})
}
