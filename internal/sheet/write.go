package sheet

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"encoding/xml"
	"io"
	"iter"
	"strconv"
	"strings"
	"unicode/utf16"
)

// FormulaLike reports whether a spreadsheet would take s for a formula if
// it were typed or opened from a CSV: it starts with = + - or @ (or a tab
// or carriage return, which Excel skips before them) and is not simply a
// number. Exports prefix such values with an apostrophe so a hostile value
// ("=HYPERLINK(...)", "@SUM(...)", "-2+3+cmd|...") stays text; "-12" and
// "+86" are left alone.
func FormulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return true
	case '+', '-':
		_, err := strconv.ParseFloat(s, 64)
		return err != nil
	}
	return false
}

// WriteCSV writes header and rows as CSV for Excel: UTF-8 with a byte-order
// mark (without one Excel reads UTF-8 as the ANSI code page and the Chinese
// turns to mojibake), CRLF line ends, formula-like values prefixed with an
// apostrophe. Rows are written as they come; memory does not grow with
// their number.
func WriteCSV(w io.Writer, header []string, rows iter.Seq[[]string]) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	rec := make([]string, 0, len(header))
	write := func(row []string) error {
		rec = rec[:0]
		for _, v := range row {
			if FormulaLike(v) {
				v = "'" + v
			}
			rec = append(rec, v)
		}
		return cw.Write(rec)
	}
	if err := write(header); err != nil {
		return err
	}
	var err error
	if rows != nil {
		for row := range rows {
			if err = write(row); err != nil {
				break
			}
		}
	}
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// Styles of the written workbook (indexes into cellXfs below).
const (
	styleText       = 1 // the Text number format: typed values stay text
	styleHeader     = 2 // bold, Text
	styleTextQuoted = 3 // Text with the quote prefix
)

// maxExcelCell is the most characters (UTF-16 code units) Excel accepts in
// a cell; it refuses to open a file with more.
const maxExcelCell = 32767

// WriteXLSX writes header and rows as a one-sheet workbook, streamed: rows
// are written as they come and memory does not grow with their number.
//
// Values are written as inline strings, which Excel never evaluates, in
// the Text number format, which makes Excel keep typed values as text too:
// an empty template filled in by hand keeps leading zeros and long serial
// numbers and does not turn dates into day numbers. A formula-like value
// (FormulaLike) also gets Excel's quote prefix, so it stays text when the
// cell is edited; the stored value is unchanged. The header is bold, its
// row frozen, columns sized to it. Values longer than Excel's cell limit
// are cut to it.
func WriteXLSX(w io.Writer, header []string, rows iter.Seq[[]string]) error {
	zw := zip.NewWriter(w)
	for _, p := range staticParts {
		f, err := zw.Create(p.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return err
		}
	}
	f, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	sw := &sheetWriter{w: bufio.NewWriterSize(f, 64<<10)}
	sw.start(header)
	sw.row(header, styleHeader)
	if rows != nil {
		for row := range rows {
			if sw.row(row, styleText); sw.err != nil {
				break
			}
		}
	}
	sw.str("</sheetData></worksheet>")
	if sw.err == nil {
		sw.err = sw.w.Flush()
	}
	if sw.err != nil {
		return sw.err
	}
	return zw.Close()
}

// sheetWriter writes worksheet XML, keeping the first error.
type sheetWriter struct {
	w   *bufio.Writer
	n   int // rows written
	ref []byte
	err error
}

func (s *sheetWriter) str(v string) {
	if s.err == nil {
		_, s.err = s.w.WriteString(v)
	}
}

func (s *sheetWriter) start(header []string) {
	s.str(xml.Header)
	s.str(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	s.str(`<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>`)
	s.str(`<sheetFormatPr defaultRowHeight="15"/>`)
	if len(header) > 0 {
		s.str("<cols>")
		for i, h := range header {
			n := strconv.Itoa(i + 1)
			s.str(`<col min="` + n + `" max="` + n + `" width="` + strconv.Itoa(columnWidth(h)) + `" style="` + strconv.Itoa(styleText) + `" customWidth="1"/>`)
		}
		s.str("</cols>")
	}
	s.str("<sheetData>")
}

func (s *sheetWriter) row(values []string, style int) {
	s.n++
	num := strconv.Itoa(s.n)
	s.str(`<row r="` + num + `">`)
	for i, v := range values {
		if v == "" {
			continue // an absent cell reads as empty
		}
		st := style
		if style == styleText && FormulaLike(v) {
			st = styleTextQuoted
		}
		s.ref = appendColumn(s.ref[:0], i+1)
		s.str(`<c r="` + string(s.ref) + num + `" s="` + strconv.Itoa(st) + `" t="inlineStr"><is><t`)
		v = cutToExcelLimit(v)
		if v != strings.TrimSpace(v) {
			s.str(` xml:space="preserve"`)
		}
		s.str(">")
		if s.err == nil {
			s.err = xml.EscapeText(s.w, []byte(v))
		}
		s.str("</t></is></c>")
	}
	s.str("</row>")
}

// appendColumn appends the letters of the 1-based column c.
func appendColumn(b []byte, c int) []byte {
	var tmp [4]byte
	i := len(tmp)
	for c > 0 {
		c--
		i--
		tmp[i] = byte('A' + c%26)
		c /= 26
	}
	return append(b, tmp[i:]...)
}

// cutToExcelLimit cuts v to maxExcelCell UTF-16 code units, at a rune.
func cutToExcelLimit(v string) string {
	if len(v) <= maxExcelCell {
		return v // a UTF-8 byte is at most one UTF-16 unit
	}
	units := 0
	for i, r := range v {
		if units += utf16.RuneLen(r); units > maxExcelCell {
			return v[:i]
		}
	}
	return v
}

// columnWidth sizes a column to its header, in Excel's character widths:
// a Chinese character is two.
func columnWidth(h string) int {
	w := 2
	for _, r := range h {
		if r >= 0x2E80 {
			w += 2
		} else {
			w++
		}
	}
	return min(max(w, 10), 60)
}

type part struct{ name, body string }

// staticParts are the workbook's parts other than the worksheet.
var staticParts = []part{
	{"[Content_Types].xml", xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
		`</Types>`},
	{"_rels/.rels", xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`},
	{"xl/workbook.xml", xml.Header + `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
	{"xl/_rels/workbook.xml.rels", xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
		`</Relationships>`},
	// cellXfs: 0 default, 1 Text (numFmtId 49 is "@"), 2 bold Text, 3 Text
	// with the quote prefix.
	{"xl/styles.xml", xml.Header + `<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
		`<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
		`<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
		`<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/>` +
		`<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/>` +
		`</cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
		`</styleSheet>`},
}
