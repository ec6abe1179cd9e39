// Package sheet reads the tabular files verification bodies upload (CSV and
// XLSX) and writes the ones they download (the import template, the
// per-row error report).
//
// An upload is hostile until proven otherwise. A 10 KB XLSX can inflate to
// gigabytes, declare a million-entry zip directory, hold a shared-strings
// table larger than the server's memory, nest XML a million levels deep or
// put a million characters in one cell; a CSV can be one endless line.
// The general-purpose libraries trust their input: excelize reads the whole
// workbook into memory, encoding/csv buffers a record of any length,
// encoding/xml buffers a text node of any length. So this package does not
// hand them the raw input; it bounds every resource first:
//
//   - the zip directory is read under a byte budget;
//   - a zip entry is refused when its declared size or compression ratio is
//     absurd, and is read through a limit on what it really inflates to;
//   - XML is streamed token by token, each token and the nesting depth
//     bounded, so the decoder never buffers more than a megabyte;
//   - the shared strings (the only part held in memory) are charged
//     against Limits.MaxSharedStringsBytes, string headers included;
//   - a CSV record is bounded before encoding/csv can buffer it;
//   - rows, columns, cells and row sizes are checked as they are read.
//
// The reader holds one row and the shared strings at a time: a 20,000-row
// certificate file is read in a few megabytes (BenchmarkReadXLSX20000
// measures it). Errors carry a Kind and the row and column as the user sees
// them in Excel; the caller words the message in the user's language, this
// package has no user-facing text.
package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Limits bound what reading one file may cost. A zero field takes the
// DefaultLimits value, so Limits{MaxColumns: 20} is a valid setting.
type Limits struct {
	// MaxRows is the highest row number accepted, header included.
	MaxRows int
	// MaxColumns is the highest column holding a value. Empty cells beyond
	// it (a formatted but empty column) are ignored.
	MaxColumns int
	// MaxCellBytes bounds one cell's value, in UTF-8 bytes.
	MaxCellBytes int
	// MaxRowBytes bounds one row: the sum of its cells (XLSX), or the
	// record as it appears in the file, blank lines before it included
	// (CSV).
	MaxRowBytes int
	// MaxSharedStringsBytes bounds the XLSX shared-strings table held in
	// memory: the text plus 16 bytes a string for its header.
	MaxSharedStringsBytes int64
	// MaxEntryBytes bounds the uncompressed size of the worksheet part. It
	// is streamed, so this bounds time rather than memory.
	MaxEntryBytes int64
	// MaxCompressionRatio refuses a zip entry that inflates more than this
	// many times its compressed size, once it is larger than 16 MB
	// uncompressed. Worksheet XML compresses 5 to 30 times; deflate's
	// ceiling, which zip bombs reach, is about 1000.
	MaxCompressionRatio int64
	// MaxDepth bounds the XML nesting depth. A worksheet needs about 10
	// (rich text in a cell, or Excel's extension lists).
	MaxDepth int
}

// DefaultLimits suit an import of verification certificates: tens of
// thousands of rows of a few dozen short columns.
var DefaultLimits = Limits{
	MaxRows:               100_000,
	MaxColumns:            64,
	MaxCellBytes:          4 << 10,
	MaxRowBytes:           64 << 10,
	MaxSharedStringsBytes: 32 << 20,
	MaxEntryBytes:         256 << 20,
	MaxCompressionRatio:   100,
	MaxDepth:              64,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxRows <= 0 {
		l.MaxRows = d.MaxRows
	}
	if l.MaxColumns <= 0 {
		l.MaxColumns = d.MaxColumns
	}
	if l.MaxCellBytes <= 0 {
		l.MaxCellBytes = d.MaxCellBytes
	}
	if l.MaxRowBytes <= 0 {
		l.MaxRowBytes = d.MaxRowBytes
	}
	if l.MaxSharedStringsBytes <= 0 {
		l.MaxSharedStringsBytes = d.MaxSharedStringsBytes
	}
	if l.MaxEntryBytes <= 0 {
		l.MaxEntryBytes = d.MaxEntryBytes
	}
	if l.MaxCompressionRatio <= 0 {
		l.MaxCompressionRatio = d.MaxCompressionRatio
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	return l
}

// ErrorKind says why a file was refused; the caller maps it to a message.
type ErrorKind int

const (
	// Corrupt: not a valid CSV or XLSX (bad quoting, bad zip, bad XML, a
	// shared string index out of range, cells out of order).
	Corrupt ErrorKind = iota + 1
	// Empty: the file has no rows, or only a header.
	Empty
	// Encoding: a CSV that is neither UTF-8, GB18030/GBK nor UTF-16 with a
	// byte-order mark, or a cell that does not decode.
	Encoding
	// TooLarge: a zip entry, the shared strings, the zip directory, an XML
	// token or the number of rows exceeds its limit.
	TooLarge
	// TooManyColumns: a value beyond Limits.MaxColumns; Column says where.
	TooManyColumns
	// RowTooLong: a row beyond Limits.MaxRowBytes.
	RowTooLong
	// CellTooLong: a cell beyond Limits.MaxCellBytes.
	CellTooLong
	// XLSUnsupported: a legacy binary .xls (OLE2) workbook; it should be
	// saved as XLSX or CSV. A password-protected XLSX is an OLE2 file too
	// and is refused the same way.
	XLSUnsupported
	// NoSheet: the workbook has no visible worksheet.
	NoSheet
	// BadDate: ParseDate refused its input.
	BadDate
)

var kindNames = map[ErrorKind]string{
	Corrupt:        "corrupt",
	Empty:          "empty",
	Encoding:       "encoding",
	TooLarge:       "too large",
	TooManyColumns: "too many columns",
	RowTooLong:     "row too long",
	CellTooLong:    "cell too long",
	XLSUnsupported: "xls not supported, save as xlsx or csv",
	NoSheet:        "no sheet",
	BadDate:        "bad date",
}

// String names the kind in English, for logs.
func (k ErrorKind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// Error is every error this package returns about a file's content. Row and
// Column are 1-based as Excel shows them (column 3 is C); 0 when unknown or
// not about one row or column. Err, if any, is the underlying cause.
type Error struct {
	Kind   ErrorKind
	Row    int
	Column int
	Err    error
}

func (e *Error) Error() string {
	s := "sheet: " + e.Kind.String()
	if e.Row > 0 {
		s += fmt.Sprintf(" at row %d", e.Row)
	}
	if e.Column > 0 {
		s += fmt.Sprintf(" column %d", e.Column)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err if it is or wraps an *Error, else 0.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// Format is the format Open detected.
type Format int

const (
	CSV Format = iota + 1
	XLSX
)

func (f Format) String() string {
	switch f {
	case CSV:
		return "csv"
	case XLSX:
		return "xlsx"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Cell is one cell's value as text. For XLSX it is the stored value, not
// the displayed one: a number is its shortest decimal form ("46086",
// "0.1"), a boolean TRUE or FALSE, an error "#N/A"; text is returned
// exactly as stored, never trimmed.
type Cell struct {
	Value string
	// Formula is true for an XLSX cell computed by a formula; Value is then
	// the result Excel last cached, possibly empty. CSV has no formulas: a
	// CSV value starting with '=' is returned as it is, Formula false.
	Formula bool
}

// Row is one non-blank row. Cells has no trailing empty cells, so rows of
// one file may differ in length; Value reads past the end as empty.
type Row struct {
	// Number is the row number Excel shows, header counted: blank rows and
	// rows skipped in the file are counted, a multi-line CSV record is one.
	Number int
	Cells  []Cell
}

// Value returns the value of the 0-based column i, "" past the end.
func (r Row) Value(i int) string {
	if i < 0 || i >= len(r.Cells) {
		return ""
	}
	return r.Cells[i].Value
}

// Values returns the cell values.
func (r Row) Values() []string {
	v := make([]string, len(r.Cells))
	for i, c := range r.Cells {
		v[i] = c.Value
	}
	return v
}

// FormulaColumn returns the 1-based column of the row's first formula cell,
// or 0 when the row has none.
func (r Row) FormulaColumn() int {
	for i, c := range r.Cells {
		if c.Formula {
			return i + 1
		}
	}
	return 0
}

// source yields a format's rows in order, io.EOF after the last. Rows may
// be blank or have trailing empty cells; Reader drops those.
type source interface {
	next() (Row, error)
}

// Reader reads one file's rows. It is not safe for concurrent use.
type Reader struct {
	src      source
	format   Format
	date1904 bool
	header   Row
	peeked   *Row
	err      error
}

var (
	zipMagic = []byte("PK\x03\x04")
	// An empty zip archive starts with its end-of-directory record.
	emptyZipMagic = []byte("PK\x05\x06")
	oleMagic      = []byte{0xD0, 0xCF, 0x11, 0xE0}
)

// Open detects the format of the size bytes of r by their content (a file
// name says nothing about what the file is) and reads the header: the
// first non-blank row. Header returns it; Next returns the rows after it.
//
// Open fails with Kind Empty when there is no row after the header, and
// with any error Next could return for the first data row, so a caller
// that gets a Reader has at least one row to import.
//
// r must stay readable until the last Next call; Reader never closes it.
func Open(r io.ReaderAt, size int64, lim Limits) (*Reader, error) {
	lim = lim.withDefaults()
	if size <= 0 {
		return nil, &Error{Kind: Empty}
	}
	var magic [4]byte
	n, err := r.ReadAt(magic[:], 0)
	if n < len(magic) && err != nil && err != io.EOF {
		return nil, err // the spool file failed us, not the upload
	}
	rd := &Reader{}
	switch m := magic[:n]; {
	case bytes.Equal(m, zipMagic), bytes.Equal(m, emptyZipMagic):
		x, err := openXLSX(r, size, lim)
		if err != nil {
			return nil, err
		}
		rd.src, rd.format, rd.date1904 = x, XLSX, x.date1904
	case bytes.Equal(m, oleMagic):
		return nil, &Error{Kind: XLSUnsupported}
	default:
		c, err := openCSV(r, size, lim)
		if err != nil {
			return nil, err
		}
		rd.src, rd.format = c, CSV
	}
	header, err := rd.nextRow()
	if err == io.EOF {
		return nil, &Error{Kind: Empty}
	}
	if err != nil {
		return nil, err
	}
	first, err := rd.nextRow()
	if err == io.EOF {
		return nil, &Error{Kind: Empty, Row: header.Number}
	}
	if err != nil {
		return nil, err
	}
	rd.header, rd.peeked = header, &first
	return rd, nil
}

// Header returns the header row.
func (r *Reader) Header() Row { return r.header }

// Format returns the detected format.
func (r *Reader) Format() Format { return r.format }

// Date1904 reports whether the workbook counts date serials from 1904
// (old Excel for Mac); pass it to ParseDate. Always false for CSV.
func (r *Reader) Date1904() bool { return r.date1904 }

// Next returns the next non-blank row after the header, io.EOF after the
// last one. An error is final: Next returns it again on every later call.
func (r *Reader) Next() (Row, error) {
	if r.peeked != nil {
		row := *r.peeked
		r.peeked = nil
		return row, nil
	}
	if r.err != nil {
		return Row{}, r.err
	}
	row, err := r.nextRow()
	if err != nil {
		r.err = err
	}
	return row, err
}

// nextRow returns the source's next row that has a value, trailing empty
// cells dropped.
func (r *Reader) nextRow() (Row, error) {
	for {
		row, err := r.src.next()
		if err != nil {
			return Row{}, err
		}
		n := len(row.Cells)
		for n > 0 && row.Cells[n-1].Value == "" && !row.Cells[n-1].Formula {
			n--
		}
		if n > 0 {
			row.Cells = row.Cells[:n]
			return row, nil
		}
	}
}
