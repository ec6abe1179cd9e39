package sheet

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// readAll opens data and reads every row.
func readAll(data []byte, lim Limits) (*Reader, []Row, error) {
	r, err := Open(bytes.NewReader(data), int64(len(data)), lim)
	if err != nil {
		return nil, nil, err
	}
	var rows []Row
	for {
		row, err := r.Next()
		if err == io.EOF {
			return r, rows, nil
		}
		if err != nil {
			return r, rows, err
		}
		rows = append(rows, row)
	}
}

// table is a row number and values, for comparing.
type table struct {
	n []int
	v [][]string
}

func tableOf(header Row, rows []Row) table {
	var t table
	for _, r := range append([]Row{header}, rows...) {
		t.n = append(t.n, r.Number)
		t.v = append(t.v, r.Values())
	}
	return t
}

func wantKind(t *testing.T, err error, kind ErrorKind, row, col int) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want a *Error of kind %v", err, kind)
	}
	if e.Kind != kind || (row >= 0 && e.Row != row) || (col >= 0 && e.Column != col) {
		t.Fatalf("err = %v (kind %v row %d column %d), want kind %v row %d column %d", err, e.Kind, e.Row, e.Column, kind, row, col)
	}
}

// chineseCSVSep is a small certificate file with the separator sep: a
// blank line, a quoted separator, a quoted line break, an empty cell.
func chineseCSVSep(sep string) string {
	j := func(f ...string) string { return strings.Join(f, sep) + "\r\n" }
	return j("证书编号", "器具名称", "检定日期", "备注") +
		j("JD-2026-001", "电子计价秤", "2026-03-05", "") +
		"\r\n" + // a blank line: Excel shows it as row 3
		j("JD-2026-002", `"燃油加油机`+sep+`双枪"`, "2026/3/6", "\"两行\r\n备注\"") +
		j("JD-2026-003", "出租汽车计价器", "", "-12")
}

var chineseCSV = chineseCSVSep(",")

func chineseWant(sep string) table {
	return table{
		n: []int{1, 2, 4, 5},
		v: [][]string{
			{"证书编号", "器具名称", "检定日期", "备注"},
			{"JD-2026-001", "电子计价秤", "2026-03-05"},
			{"JD-2026-002", "燃油加油机" + sep + "双枪", "2026/3/6", "两行\n备注"},
			{"JD-2026-003", "出租汽车计价器", "", "-12"},
		},
	}
}

func TestCSVEncodings(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(chineseCSV)
	if err != nil {
		t.Fatal(err)
	}
	gb18030, err := simplifiedchinese.GB18030.NewEncoder().String(chineseCSV + "JD-2026-004,𠀀\r\n")
	if err != nil {
		t.Fatal(err)
	}
	utf16le, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(chineseCSVSep("\t"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, data, sep string
		extra           []string
	}{
		{"utf-8", chineseCSV, ",", nil},
		{"utf-8 bom", "\xEF\xBB\xBF" + chineseCSV, ",", nil},
		{"lf", strings.ReplaceAll(chineseCSV, "\r\n", "\n"), ",", nil},
		{"gbk", gbk, ",", nil},
		// A character outside GBK, in GB18030's four-byte form.
		{"gb18030", gb18030, ",", []string{"JD-2026-004", "𠀀"}},
		{"utf-16le tab", utf16le, "\t", nil},
		{"semicolon", chineseCSVSep(";"), ";", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, rows, err := readAll([]byte(tc.data), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Format() != CSV {
				t.Errorf("format %v", r.Format())
			}
			want := chineseWant(tc.sep)
			if tc.extra != nil {
				want.n = append(want.n, 6)
				want.v = append(want.v, tc.extra)
			}
			if got := tableOf(r.Header(), rows); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+q\nwant %+q", got.v, want.v)
				t.Errorf("numbers %v, want %v", got.n, want.n)
			}
		})
	}
}

// A GBK file whose Chinese starts after the sniffed 64 KB, and one cut in
// the middle of a character at that boundary.
func TestCSVSniffBoundary(t *testing.T) {
	for _, pad := range []int{0, 1} {
		var b strings.Builder
		b.WriteString("a,b\n")
		for b.Len() < sniffBytes-100 {
			b.WriteString("x,y\n")
		}
		b.WriteString(strings.Repeat("z", 100-1-pad))
		b.WriteString(",电子秤\n")
		gbk, _ := simplifiedchinese.GBK.NewEncoder().String(b.String())
		_, rows, err := readAll([]byte(gbk), Limits{MaxRows: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if got := rows[len(rows)-1].Value(1); got != "电子秤" {
			t.Errorf("pad %d: last value %q", pad, got)
		}
	}
	// UTF-8, the boundary inside a three-byte character.
	data := "a,b\n" + strings.Repeat("x", sniffBytes-5) + ",电子秤\n"
	_, rows, err := readAll([]byte(data), Limits{MaxCellBytes: 1 << 20, MaxRowBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[0].Value(1); got != "电子秤" {
		t.Errorf("utf-8 at the boundary: %q", got)
	}
}

func TestCSVEncodingErrors(t *testing.T) {
	// 0xFF is neither UTF-8 nor GB18030.
	_, _, err := readAll([]byte("证书编号,x\n\xff\xff,1\n"), Limits{})
	wantKind(t, err, Encoding, -1, -1)

	// Control characters: a binary file.
	_, _, err = readAll([]byte("a,b\n\x00\x01\x02,c\n"), Limits{})
	wantKind(t, err, Encoding, 2, -1)

	// UTF-8 for the first 64 KB of Chinese, then a GBK row: found by row.
	data := "a,b\n电子,y\n" + strings.Repeat("x,y\n", sniffBytes/4) + "\xb5\xe7\xd7\xd3,y\n"
	_, _, err = readAll([]byte(data), Limits{MaxRows: 1 << 20})
	wantKind(t, err, Encoding, 3+sniffBytes/4, 1)
}

func TestEmpty(t *testing.T) {
	headerOnly := &bytes.Buffer{}
	if err := WriteXLSX(headerOnly, []string{"证书编号", "名称"}, nil); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"empty":            "",
		"blank lines":      "\r\n\n\r\n",
		"empty cells":      ",,,\r\n,,\r\n",
		"csv header":       "证书编号,名称\r\n",
		"csv header blank": "证书编号,名称\r\n,,\r\n\r\n",
		"xlsx header":      headerOnly.String(),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := readAll([]byte(data), Limits{})
			wantKind(t, err, Empty, -1, -1)
		})
	}
}

func TestCSVLimits(t *testing.T) {
	lim := Limits{MaxColumns: 4, MaxCellBytes: 10, MaxRowBytes: 100}
	for _, tc := range []struct {
		name      string
		data      string
		kind      ErrorKind
		row, col  int
		wantValue string
	}{
		{"columns", "a,b\n1,2,3,4,5\n", TooManyColumns, 2, 5, ""},
		{"empty beyond the columns", "a,b\n1,2,3,4,,,,,\n", 0, 0, 0, "4"},
		{"cell", "a,b\n1,12345678901\n", CellTooLong, 2, 2, ""},
		{"row", "a,b\n" + strings.Repeat("1,", 60) + "\n", RowTooLong, 2, 0, ""},
		{"quoted newlines count", "a,b\n\"" + strings.Repeat("\n", 120) + "\"\n", RowTooLong, 2, 0, ""},
		{"bare quote", "a,b\n1,x\"y\n", Corrupt, 2, -1, ""},
		{"bare quote after blank lines", "a,b\n\n\n1,x\"y\n", Corrupt, 4, -1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rows, err := readAll([]byte(tc.data), lim)
			if tc.kind == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if got := rows[0].Values(); got[len(got)-1] != tc.wantValue || len(got) != 4 {
					t.Errorf("row %q", got)
				}
				return
			}
			wantKind(t, err, tc.kind, tc.row, tc.col)
		})
	}
}

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A 32 MB line must fail without encoding/csv buffering it.
func TestCSVEndlessLine(t *testing.T) {
	data := append([]byte("a,b\n"), bytes.Repeat([]byte("x"), 32<<20)...)
	var err error
	n := allocated(func() { _, _, err = readAll(data, Limits{}) })
	wantKind(t, err, RowTooLong, 2, -1)
	if n > 4<<20 {
		t.Errorf("allocated %d bytes for a 32 MB line", n)
	}
}

func TestFormulaLike(t *testing.T) {
	for s, want := range map[string]bool{
		"":                   false,
		"-12":                false,
		"+86":                false,
		"-1.5e3":             false,
		"JD-001":             false,
		"=1+1":               true,
		"@SUM(A1)":           true,
		"+86 138 0000 0000":  true,
		"-2+3+cmd|' /C calc": true,
		"\t=1":               true,
		"电子秤=1":              false,
	} {
		if got := FormulaLike(s); got != want {
			t.Errorf("FormulaLike(%q) = %v", s, got)
		}
	}
}

func roundTripRows() [][]string {
	return [][]string{
		{"JD-2026-001", "电子计价秤", "", "", "46086"},
		{"JD-2026-002", "", "上海某某衡器有限公司", "=HYPERLINK(\"http://x\")", "-12"},
		{"  leading and trailing  ", "两行\n备注", "tab\there", "<&>\"'", strings.Repeat("长", 1300)},
		{"only first"},
	}
}

var roundTripHeader = []string{"证书编号", "器具名称", "制造单位", "备注", "数值"}

func TestXLSXRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, roundTripHeader, slices.Values(roundTripRows())); err != nil {
		t.Fatal(err)
	}
	r, rows, err := readAll(buf.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Format() != XLSX || r.Date1904() {
		t.Errorf("format %v date1904 %v", r.Format(), r.Date1904())
	}
	if got := r.Header().Values(); !slices.Equal(got, roundTripHeader) {
		t.Errorf("header %q", got)
	}
	for i, want := range roundTripRows() {
		if rows[i].Number != i+2 {
			t.Errorf("row %d numbered %d", i, rows[i].Number)
		}
		if got := rows[i].Values(); !slices.Equal(got, want) {
			t.Errorf("row %d:\n got %q\nwant %q", i+2, got, want)
		}
		if rows[i].FormulaColumn() != 0 {
			t.Errorf("row %d has a formula", i+2)
		}
	}
	if len(rows) != len(roundTripRows()) {
		t.Errorf("%d rows", len(rows))
	}

	// excelize, the library the rest of the code base uses, reads it too.
	x, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	got, err := x.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if got[3][4] != strings.Repeat("长", 1300) || got[2][3] != "=HYPERLINK(\"http://x\")" {
		t.Errorf("excelize reads %q", got)
	}
}

func TestCSVRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, roundTripHeader, slices.Values(roundTripRows())); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), utf8BOM) {
		t.Error("no BOM")
	}
	r, rows, err := readAll(buf.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Header().Values(); !slices.Equal(got, roundTripHeader) {
		t.Errorf("header %q", got)
	}
	for i, want := range roundTripRows() {
		want = slices.Clone(want)
		for j, v := range want {
			if FormulaLike(v) {
				want[j] = "'" + v
			}
		}
		for len(want) > 0 && want[len(want)-1] == "" {
			want = want[:len(want)-1]
		}
		if got := rows[i].Values(); !slices.Equal(got, want) {
			t.Errorf("row %d:\n got %q\nwant %q", i+2, got, want)
		}
	}
}

// An XLSX as Excel writes it: shared strings, a formula, a date serial, a
// rich-text run, a boolean, rows and columns skipped.
func TestExcelizeWorkbook(t *testing.T) {
	x := excelize.NewFile()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(x.SetSheetRow("Sheet1", "A1", &[]any{"证书编号", "器具名称", "检定日期", "合计"}))
	must(x.SetCellValue("Sheet1", "A2", "JD-001"))
	must(x.SetCellValue("Sheet1", "B2", "电子秤"))
	must(x.SetCellValue("Sheet1", "C2", 46086))
	must(x.SetCellFormula("Sheet1", "D2", "1+2"))
	must(x.SetCellValue("Sheet1", "A5", "JD-002"))
	must(x.SetCellRichText("Sheet1", "B5", []excelize.RichTextRun{{Text: "电子"}, {Text: "台秤", Font: &excelize.Font{Bold: true}}}))
	must(x.SetCellValue("Sheet1", "C5", 46087.5))
	must(x.SetCellValue("Sheet1", "F5", true))
	var buf bytes.Buffer
	_, err := x.WriteTo(&buf)
	must(err)

	r, rows, err := readAll(buf.Bytes(), Limits{})
	must(err)
	want := table{
		n: []int{1, 2, 5},
		v: [][]string{
			{"证书编号", "器具名称", "检定日期", "合计"},
			{"JD-001", "电子秤", "46086", ""},
			{"JD-002", "电子台秤", "46087.5", "", "", "TRUE"},
		},
	}
	if got := tableOf(r.Header(), rows); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+q\nwant %+q", got.v, want.v)
		t.Errorf("numbers %v, want %v", got.n, want.n)
	}
	if c := rows[0].FormulaColumn(); c != 4 {
		t.Errorf("formula column %d, want 4", c)
	}
	if rows[1].FormulaColumn() != 0 {
		t.Error("formula in row 5")
	}
	for i, wantDate := range []time.Time{time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC)} {
		d, err := ParseDate(rows[i].Value(2), r.Date1904())
		if err != nil || !d.Equal(wantDate) {
			t.Errorf("date %q = %v, %v", rows[i].Value(2), d, err)
		}
	}
}

// zipOf builds a zip of name, content pairs, deflated.
func zipOf(t testing.TB, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(files); i += 2 {
		w, err := zw.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, files[i+1])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	nsMain = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	relsWB = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/>` +
		`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>` +
		`</Relationships>`
	workbook1900 = `<workbook ` + nsMain + `><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>`
)

// handXLSX is a workbook with the given sheet and shared strings XML.
func handXLSX(t testing.TB, workbook, sheetData, sst string) []byte {
	return zipOf(t,
		"xl/workbook.xml", workbook,
		"xl/_rels/workbook.xml.rels", relsWB,
		"xl/sharedStrings.xml", `<sst `+nsMain+`>`+sst+`</sst>`,
		"xl/worksheets/sheet1.xml", `<worksheet `+nsMain+`><sheetData>`+sheetData+`</sheetData></worksheet>`,
		"xl/worksheets/sheet2.xml", `<worksheet `+nsMain+`><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>second</t></is></c></row><row><c t="inlineStr"><is><t>sheet</t></is></c></row></sheetData></worksheet>`,
	)
}

func TestHandMadeXLSX(t *testing.T) {
	sst := `<si><t>证书编号</t></si>` +
		`<si><r><rPr><b/></rPr><t>电子</t></r><r><t xml:space="preserve"> 计价秤 </t></r></si>` +
		`<si><t>かな</t><rPh sb="0" eb="2"><t>カナ</t></rPh></si>`
	sheet := `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>名称</t></is></c></row>` +
		`<row r="3" spans="1:5"><c r="A3" t="s"><v>1</v></c><c r="C3" t="s"><v>2</v></c>` +
		`<c r="D3" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="E3" t="e"><f>1/0</f><v>#DIV/0!</v></c>` +
		`<c r="F3" t="b"><v>0</v></c><c r="G3" s="1"/><c r="Z3" s="2"/></row>` +
		`<row r="4"><c r="A4"><v>1.5</v></c><c><v>2</v></c></row>`
	wb1904 := `<workbook ` + nsMain + `><workbookPr date1904="1"/><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>`
	r, rows, err := readAll(handXLSX(t, wb1904, sheet, sst), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := table{
		n: []int{1, 3, 4},
		v: [][]string{
			{"证书编号", "名称"},
			{"电子 计价秤 ", "", "かな", "ab", "#DIV/0!", "FALSE"},
			{"1.5", "2"},
		},
	}
	if got := tableOf(r.Header(), rows); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+q\nwant %+q", got.v, want.v)
		t.Errorf("numbers %v, want %v", got.n, want.n)
	}
	if !r.Date1904() {
		t.Error("date1904 not seen")
	}
	if c := rows[0].FormulaColumn(); c != 4 || !rows[0].Cells[4].Formula {
		t.Errorf("formula column %d", c)
	}

	// A hidden first sheet: the visible second one is read.
	wbHidden := `<workbook ` + nsMain + `><sheets><sheet name="A" sheetId="1" state="hidden" r:id="rId1"/><sheet name="B" sheetId="2" r:id="rId2"/></sheets></workbook>`
	r, rows, err = readAll(handXLSX(t, wbHidden, sheet, sst), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Header().Value(0) != "second" || rows[0].Value(0) != "sheet" || rows[0].Number != 2 {
		t.Errorf("hidden sheet: header %q, row %v", r.Header().Values(), rows[0])
	}

	_, _, err = readAll(handXLSX(t, `<workbook `+nsMain+`><sheets/></workbook>`, sheet, sst), Limits{})
	wantKind(t, err, NoSheet, -1, -1)
}

func TestXLSXHostile(t *testing.T) {
	header := `<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row>`
	for _, tc := range []struct {
		name     string
		sheet    string
		sst      string
		lim      Limits
		kind     ErrorKind
		row, col int
	}{
		{"too many columns", header + `<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>`, "", Limits{}, TooManyColumns, 2, 16384},
		{"beyond XFD", header + `<row r="2"><c r="XFE2"><v>1</v></c></row>`, "", Limits{}, Corrupt, 2, -1},
		{"cells out of order", header + `<row r="2"><c r="C2"><v>1</v></c><c r="B2"><v>1</v></c></row>`, "", Limits{}, Corrupt, 2, -1},
		{"rows out of order", header + `<row r="1"><c><v>1</v></c></row>`, "", Limits{}, Corrupt, 2, -1},
		{"row number too large", header + `<row r="1000000"><c><v>1</v></c></row>`, "", Limits{}, TooLarge, 1000000, -1},
		{"cell too long", header + `<row r="2"><c t="inlineStr"><is><t>` + strings.Repeat("x", 5000) + `</t></is></c></row>`, "", Limits{}, CellTooLong, 2, 1},
		{"cell too long in runs", header + `<row r="2"><c t="inlineStr"><is>` + strings.Repeat("<r><t>xxxxxxxxxx</t></r>", 500) + `</is></c></row>`, "", Limits{}, CellTooLong, 2, 1},
		{"million-character cell", header + `<row r="2"><c><v>` + strings.Repeat("9", 2<<20) + `</v></c></row>`, "", Limits{}, CellTooLong, 2, 1},
		{"long shared string used", header + `<row r="2"><c t="s"><v>0</v></c></row>`, `<si><t>` + strings.Repeat("x", 5000) + `</t></si>`, Limits{}, CellTooLong, 2, 1},
		{"shared strings over budget", header, strings.Repeat(`<si><t>0123456789</t></si>`, 1000), Limits{MaxSharedStringsBytes: 10000}, TooLarge, 0, 0},
		{"shared string index", header + `<row r="2"><c t="s"><v>7</v></c></row>`, `<si><t>a</t></si>`, Limits{}, Corrupt, 2, 1},
		{"row too long", header + `<row r="2">` + strings.Repeat(`<c t="inlineStr"><is><t>xxxxxxxxxx</t></is></c>`, 20) + `</row>`, "", Limits{MaxRowBytes: 100, MaxColumns: 100}, RowTooLong, 2, 11},
		{"nested deep", header + `<row r="2"><c><v>1</v></c>` + strings.Repeat("<x>", 100000) + `</row>`, "", Limits{}, Corrupt, 2, -1},
		{"huge tag", header + `<row r="2" ` + strings.Repeat("a", 2<<20) + `="1"></row>`, "", Limits{}, TooLarge, 2, -1},
		{"truncated", header + `<row r="2"><c><v>1</v>`, "", Limits{}, Corrupt, -1, -1},
		{"entity", header + `<row r="2"><c><v>&lol;</v></c></row>`, "", Limits{}, Corrupt, 2, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := handXLSX(t, workbook1900, tc.sheet, tc.sst)
			var err error
			n := allocated(func() { _, _, err = readAll(data, tc.lim) })
			wantKind(t, err, tc.kind, tc.row, tc.col)
			if n > 16<<20 {
				t.Errorf("allocated %d MB", n>>20)
			}
		})
	}
}

// deflated compresses n zero bytes, returning the data and its CRC.
func deflated(t testing.TB, prefix string, n int) ([]byte, uint32) {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	crc := crc32.NewIEEE()
	w := io.MultiWriter(fw, crc)
	io.WriteString(w, prefix)
	zeros := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, len(zeros))
		w.Write(zeros[:k])
		n -= k
	}
	fw.Close()
	return buf.Bytes(), crc.Sum32()
}

func TestZipBomb(t *testing.T) {
	const bomb = 200 << 20
	data, crc := deflated(t, "<worksheet><sheetData>", bomb)
	t.Logf("a %d MB entry compressed to %d KB", bomb>>20, len(data)>>10)

	build := func(declared uint64) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, f := range [][2]string{{"xl/workbook.xml", workbook1900}, {"xl/_rels/workbook.xml.rels", relsWB}} {
			w, _ := zw.Create(f[0])
			io.WriteString(w, f[1])
		}
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(len(data)), UncompressedSize64: declared,
		})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
		zw.Close()
		return buf.Bytes()
	}
	for _, tc := range []struct {
		name     string
		declared uint64
		lim      Limits
	}{
		{"honest size, absurd ratio", bomb + 22, Limits{}},
		{"honest size over the limit", bomb + 22, Limits{MaxEntryBytes: 100 << 20, MaxCompressionRatio: 1 << 20}},
		{"lies about its size", 10 << 10, Limits{}},
		{"lies, limit below the declared size", 100 << 20, Limits{MaxEntryBytes: 1 << 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := build(tc.declared)
			start := time.Now()
			var err error
			n := allocated(func() { _, _, err = readAll(file, tc.lim) })
			if KindOf(err) != TooLarge {
				t.Fatalf("err = %v, want TooLarge", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			if n > 8<<20 {
				t.Errorf("allocated %d MB", n>>20)
			}
		})
	}
}

// The entry reader's own limit, which archive/zip's size check makes
// unreachable through a zip.
func TestEntryReaderLimit(t *testing.T) {
	e := &entryReader{r: io.LimitReader(strings.NewReader(strings.Repeat("x", 3000)), 1001), max: 1000}
	_, err := io.Copy(io.Discard, e)
	wantKind(t, err, TooLarge, 0, 0)
}

// An entry whose CRC does not match is corrupt: the sheet stored again
// with one byte changed and its old CRC.
func TestZipChecksum(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, []string{"a"}, slices.Values([][]string{{"b"}})); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if f.Name != "xl/worksheets/sheet1.xml" {
			zw.Copy(f)
			continue
		}
		rc, _ := f.Open()
		body, _ := io.ReadAll(rc)
		body = bytes.Replace(body, []byte("<t>b</t>"), []byte("<t>c</t>"), 1)
		w, _ := zw.CreateRaw(&zip.FileHeader{Name: f.Name, Method: zip.Store, CRC32: f.CRC32,
			CompressedSize64: uint64(len(body)), UncompressedSize64: uint64(len(body))})
		w.Write(body)
	}
	zw.Close()
	_, _, err = readAll(out.Bytes(), Limits{})
	wantKind(t, err, Corrupt, -1, -1)
}

// A zip directory of 30,000 entries is refused before archive/zip builds
// a File for each.
func TestZipDirectoryBudget(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range 30000 {
		zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("%d", i), Method: zip.Store})
	}
	zw.Close()
	_, _, err := readAll(buf.Bytes(), Limits{})
	wantKind(t, err, TooLarge, 0, 0)
}

func TestNotXLSX(t *testing.T) {
	_, _, err := readAll([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"+strings.Repeat("\x00", 504)), Limits{})
	wantKind(t, err, XLSUnsupported, 0, 0)

	// A zip that is not a workbook (a .docx, an .ods).
	_, _, err = readAll(zipOf(t, "word/document.xml", "<w/>"), Limits{})
	wantKind(t, err, Corrupt, 0, 0)

	// Zip magic, then garbage.
	_, _, err = readAll([]byte("PK\x03\x04garbage"), Limits{})
	wantKind(t, err, Corrupt, 0, 0)
}

func TestParseDate(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		in       string
		date1904 bool
		want     time.Time // zero: refused
	}{
		{"2026-03-05", false, d(2026, 3, 5)},
		{"2026/3/5", false, d(2026, 3, 5)},
		{"2026.3.5", false, d(2026, 3, 5)},
		{"2026年3月5日", false, d(2026, 3, 5)},
		{"2026年03月05号", false, d(2026, 3, 5)},
		{" 20260305 ", false, d(2026, 3, 5)},
		{"２０２６－０３－０５", false, d(2026, 3, 5)},
		{"2026-03-05 00:00:00", false, d(2026, 3, 5)},
		{"2026-03-05T14:30", false, d(2026, 3, 5)},
		{"46086", false, d(2026, 3, 5)},
		{"46086.75", false, d(2026, 3, 5)},
		{"44624", true, d(2026, 3, 5)},
		{"2024-02-29", false, d(2024, 2, 29)},
		{"2100-12-31", false, d(2100, 12, 31)},
		{"1990-01-01", false, d(1990, 1, 1)},
		{"2026-02-30", false, time.Time{}},
		{"2025-02-29", false, time.Time{}},
		{"2026-13-01", false, time.Time{}},
		{"20260230", false, time.Time{}},
		{"2026-3-5 25:00", false, time.Time{}},
		{"2026-03/05", false, time.Time{}},
		{"05/03/2026", false, time.Time{}},
		{"1989-12-31", false, time.Time{}},
		{"2101-01-01", false, time.Time{}},
		{"32873", false, time.Time{}}, // 1989-12-31
		{"32874", false, d(1990, 1, 1)},
		{"73415", false, d(2100, 12, 31)},
		{"73416", false, time.Time{}},
		{"60", false, time.Time{}},
		{"-1", false, time.Time{}},
		{"", false, time.Time{}},
		{"合格", false, time.Time{}},
	} {
		got, err := ParseDate(tc.in, tc.date1904)
		if tc.want.IsZero() {
			if err == nil {
				t.Errorf("ParseDate(%q) = %v, want an error", tc.in, got)
			} else if KindOf(err) != BadDate {
				t.Errorf("ParseDate(%q) error kind %v", tc.in, KindOf(err))
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q, %v) = %v, %v; want %v", tc.in, tc.date1904, got, err, tc.want)
		}
	}
}

// The serial boundary Excel inherited from Lotus: day 60 is 1900-02-29.
func TestExcelSerialDate(t *testing.T) {
	for _, tc := range []struct {
		serial   int
		date1904 bool
		want     string // "" refused
	}{
		{0, false, ""},
		{1, false, "1900-01-01"},
		{59, false, "1900-02-28"},
		{60, false, ""},
		{61, false, "1900-03-01"},
		{46086, false, "2026-03-05"},
		{0, true, "1904-01-01"},
		{1, true, "1904-01-02"},
		{44624, true, "2026-03-05"},
	} {
		got, ok := excelSerialDate(tc.serial, tc.date1904)
		s := ""
		if ok {
			s = got.Format("2006-01-02")
		}
		if s != tc.want {
			t.Errorf("excelSerialDate(%d, %v) = %q, want %q", tc.serial, tc.date1904, s, tc.want)
		}
	}
}

func FuzzOpenAndRead(f *testing.F) {
	var x bytes.Buffer
	WriteXLSX(&x, roundTripHeader, slices.Values(roundTripRows()))
	f.Add(x.Bytes())
	f.Add([]byte(chineseCSV))
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(chineseCSV)
	f.Add([]byte(gbk))
	f.Add([]byte("\xD0\xCF\x11\xE0"))
	f.Add(handXLSX(f, workbook1900, `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1"><f>1</f><v>2</v></c></row><row r="3"><c t="inlineStr"><is><t>x</t></is></c></row>`, `<si><r><t>a</t></r></si>`))
	lim := Limits{MaxEntryBytes: 1 << 20, MaxSharedStringsBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r, err := Open(bytes.NewReader(data), int64(len(data)), lim)
		if err == nil {
			for range 100_000 {
				if _, err = r.Next(); err != nil {
					break
				}
			}
		}
		if err != nil && err != io.EOF && KindOf(err) == 0 {
			t.Fatalf("error without a kind: %v", err)
		}
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > 64<<20 {
			t.Fatalf("allocated %d MB for %d bytes", n>>20, len(data))
		}
	})
}
