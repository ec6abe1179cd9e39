package sheet

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
)

const (
	// maxDirectoryBytes bounds the zip central directory: archive/zip
	// keeps a File of some 250 bytes for each 46-byte entry, so a directory
	// of a million entries would cost a quarter of a gigabyte. An XLSX
	// has a few dozen entries, a directory of a few kilobytes.
	maxDirectoryBytes = 1 << 20
	// eocdSearchBytes is what archive/zip reads to find the directory.
	eocdSearchBytes = 66 << 10
	// maxPartBytes bounds the small parts: relationships and workbook.xml.
	maxPartBytes = 4 << 20
	// maxTokenBytes bounds one XML token (a tag, a text node), which
	// encoding/xml buffers whole. Excel's own ceiling for a cell is 32,767
	// characters, under 100 KB even escaped.
	maxTokenBytes = 1 << 20
	// ratioFloor is the uncompressed size below which the compression
	// ratio is not checked: small parts of repeated markup compress well
	// and cost nothing to read.
	ratioFloor = 16 << 20
	// maxSheets and maxRels bound what is kept of workbook.xml and of a
	// relationships part; the first visible worksheet is among them.
	maxSheets = 256
	maxRels   = 4096
	// maxColumn is Excel's last column, XFD.
	maxColumn = 16384
)

// Relationship types, by their last path segment: transitional and strict
// OOXML differ in the namespace before it.
const (
	relOfficeDocument = "/officeDocument"
	relWorksheet      = "/worksheet"
	relSharedStrings  = "/sharedStrings"
)

var (
	errDirectoryTooLarge = errors.New("zip directory too large")
	errEntryTooLarge     = errors.New("zip entry too large")
	errTokenTooLarge     = errors.New("xml token too large")
	errTooDeep           = errors.New("xml nested too deep")
	errTextTooLong       = errors.New("text too long")
)

// xlsxSource streams the rows of the first visible worksheet.
type xlsxSource struct {
	x        *xmlStream
	lim      Limits
	sst      []string
	date1904 bool
	// row is the number of the last row read.
	row int
	// width is the last row's cell count, a capacity hint for the next.
	width int
	vbuf  []byte
}

func openXLSX(r io.ReaderAt, size int64, lim Limits) (*xlsxSource, error) {
	br := &budgetReaderAt{r: r, budget: maxDirectoryBytes + eocdSearchBytes}
	zr, err := zip.NewReader(br, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// Entry names are never used as paths here.
		if errors.Is(err, errDirectoryTooLarge) {
			return nil, &Error{Kind: TooLarge, Err: err}
		}
		return nil, &Error{Kind: Corrupt, Err: err}
	}
	br.budget = -1
	a := &archive{zr: zr, lim: lim}

	wbPath := "xl/workbook.xml"
	if rels, err := a.readRels("_rels/.rels", ""); err != nil {
		return nil, err
	} else {
		for _, rel := range rels {
			if strings.HasSuffix(rel.typ, relOfficeDocument) {
				wbPath = rel.target
				break
			}
		}
	}
	wbDir := path.Dir(wbPath)
	date1904, sheets, err := a.readWorkbook(wbPath)
	if err != nil {
		return nil, err
	}
	rels, err := a.readRels(path.Join(wbDir, "_rels", path.Base(wbPath)+".rels"), wbDir)
	if err != nil {
		return nil, err
	}
	sheetPath := ""
	for _, hidden := range []bool{false, true} {
		// The first sheet the user sees; a hidden one only if all are.
		for _, sh := range sheets {
			if rel, ok := rels[sh.rid]; ok && sh.hidden == hidden && strings.HasSuffix(rel.typ, relWorksheet) {
				sheetPath = rel.target
				break
			}
		}
		if sheetPath != "" {
			break
		}
	}
	if sheetPath == "" {
		return nil, &Error{Kind: NoSheet}
	}

	s := &xlsxSource{lim: lim, date1904: date1904}
	for _, rel := range rels {
		if strings.HasSuffix(rel.typ, relSharedStrings) {
			if s.sst, err = a.readSharedStrings(rel.target); err != nil {
				return nil, err
			}
			break
		}
	}
	f := a.file(sheetPath)
	if f == nil {
		return nil, &Error{Kind: Corrupt, Err: errors.New("worksheet part missing")}
	}
	if s.x, err = a.openXML(f, lim.MaxEntryBytes); err != nil {
		return nil, err
	}
	return s, nil
}

// budgetReaderAt fails once budget bytes were read, while budget >= 0.
type budgetReaderAt struct {
	r      io.ReaderAt
	budget int64
}

func (b *budgetReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if b.budget >= 0 {
		if int64(len(p)) > b.budget {
			return 0, errDirectoryTooLarge
		}
		b.budget -= int64(len(p))
	}
	return b.r.ReadAt(p, off)
}

type archive struct {
	zr  *zip.Reader
	lim Limits
}

// file finds a part by name, exactly or else ignoring case (some writers
// disagree with their own content types on case).
func (a *archive) file(name string) *zip.File {
	for _, f := range a.zr.File {
		if f.Name == name {
			return f
		}
	}
	for _, f := range a.zr.File {
		if strings.EqualFold(f.Name, name) {
			return f
		}
	}
	return nil
}

// openXML opens a part for streaming, refusing it when it claims more than
// limit bytes or inflates absurdly.
func (a *archive) openXML(f *zip.File, limit int64) (*xmlStream, error) {
	size := f.UncompressedSize64
	if size > uint64(limit) {
		return nil, &Error{Kind: TooLarge, Err: errEntryTooLarge}
	}
	if size > ratioFloor && size/max(f.CompressedSize64, 1) > uint64(a.lim.MaxCompressionRatio) {
		return nil, &Error{Kind: TooLarge, Err: errEntryTooLarge}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, &Error{Kind: Corrupt, Err: err}
	}
	// archive/zip already fails an entry that inflates beyond its declared
	// size; the limit here does not depend on that.
	e := &entryReader{r: io.LimitReader(rc, limit+1), max: limit}
	return newXMLStream(e, a.lim.MaxDepth), nil
}

// entryReader reads a zip entry, failing with errEntryTooLarge past max
// bytes or past its declared size.
type entryReader struct {
	r      io.Reader
	n, max int64
}

func (e *entryReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.n += int64(n)
	if e.n > e.max {
		return 0, &Error{Kind: TooLarge, Err: errEntryTooLarge}
	}
	if errors.Is(err, zip.ErrFormat) {
		// archive/zip's only ErrFormat once an entry is open: it inflates
		// to more than it declared, a zip bomb lying about its size.
		return n, &Error{Kind: TooLarge, Err: errEntryTooLarge}
	}
	if err != nil && err != io.EOF {
		return n, &Error{Kind: Corrupt, Err: err}
	}
	return n, err
}

type rel struct{ typ, target string }

// readRels reads a relationships part into a map by Id, targets resolved
// against dir. A missing part has no relationships.
func (a *archive) readRels(name, dir string) (map[string]rel, error) {
	rels := map[string]rel{}
	f := a.file(name)
	if f == nil {
		return rels, nil
	}
	x, err := a.openXML(f, maxPartBytes)
	if err != nil {
		return nil, err
	}
	for {
		t, err := x.token()
		if err == io.EOF {
			return rels, nil
		}
		if err != nil {
			return nil, err
		}
		st, ok := t.(xml.StartElement)
		if !ok || st.Name.Local != "Relationship" || len(rels) >= maxRels {
			continue
		}
		if attr(st, "TargetMode") == "External" {
			continue
		}
		target := attr(st, "Target")
		if strings.HasPrefix(target, "/") {
			target = path.Clean(target[1:])
		} else {
			target = path.Join(dir, target)
		}
		rels[attr(st, "Id")] = rel{typ: attr(st, "Type"), target: target}
	}
}

type sheetRef struct {
	rid    string
	hidden bool
}

// readWorkbook reads the date system and the sheets, in tab order.
func (a *archive) readWorkbook(name string) (date1904 bool, sheets []sheetRef, err error) {
	f := a.file(name)
	if f == nil {
		return false, nil, &Error{Kind: Corrupt, Err: errors.New("no workbook part")}
	}
	x, err := a.openXML(f, maxPartBytes)
	if err != nil {
		return false, nil, err
	}
	for {
		t, err := x.token()
		if err == io.EOF {
			return date1904, sheets, nil
		}
		if err != nil {
			return false, nil, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "workbookPr":
				v := attr(t, "date1904")
				date1904 = v == "1" || v == "true"
			case "sheet":
				if len(sheets) < maxSheets {
					// r:id, in whichever relationships namespace.
					var rid string
					for _, at := range t.Attr {
						if at.Name.Local == "id" && at.Name.Space != "" {
							rid = at.Value
						}
					}
					state := attr(t, "state")
					sheets = append(sheets, sheetRef{rid: rid, hidden: state == "hidden" || state == "veryHidden"})
				}
			}
		case xml.EndElement:
			if t.Name.Local == "sheets" {
				// workbookPr comes before sheets; nothing after matters.
				return date1904, sheets, nil
			}
		}
	}
}

// readSharedStrings reads the shared-strings table, charging each string
// its length plus a string header against MaxSharedStringsBytes.
func (a *archive) readSharedStrings(name string) ([]string, error) {
	f := a.file(name)
	if f == nil {
		return nil, nil // a t="s" cell will then be corrupt
	}
	x, err := a.openXML(f, a.lim.MaxEntryBytes)
	if err != nil {
		return nil, err
	}
	tooLarge := &Error{Kind: TooLarge, Err: errors.New("shared strings too large")}
	budget := a.lim.MaxSharedStringsBytes
	var sst []string
	for {
		t, err := x.token()
		if err == io.EOF {
			return sst, nil
		}
		if err != nil {
			return nil, err
		}
		st, ok := t.(xml.StartElement)
		if !ok || st.Name.Local != "si" {
			continue
		}
		if sst == nil {
			// uniqueCount is only a hint, and the attacker's: capped.
			n, _ := strconv.Atoi(attr(st, "uniqueCount"))
			sst = make([]string, 0, min(max(n, 16), 1<<16))
		}
		s, err := x.richText(int(min(budget, 1<<30)))
		if errors.Is(err, errTextTooLong) {
			return nil, tooLarge
		}
		if err != nil {
			return nil, err
		}
		if budget -= int64(len(s)) + 16; budget < 0 {
			return nil, tooLarge
		}
		sst = append(sst, s)
	}
}

func (s *xlsxSource) next() (Row, error) {
	for {
		t, err := s.x.token()
		if err == io.EOF {
			return Row{}, io.EOF
		}
		if err != nil {
			return Row{}, at(err, s.row+1, 0)
		}
		switch t := t.(type) {
		case xml.StartElement:
			// worksheet > sheetData > row
			if t.Name.Local == "row" && s.x.depth == 3 {
				return s.readRow(t)
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				// Nothing after the data matters, but the entry is read to
				// its end for archive/zip to check its CRC: a damaged
				// upload is refused rather than half imported.
				if err := s.x.drain(); err != nil {
					return Row{}, at(err, s.row+1, 0)
				}
				return Row{}, io.EOF
			}
		}
	}
}

// readRow reads the row just started.
func (s *xlsxSource) readRow(start xml.StartElement) (Row, error) {
	num := s.row + 1
	if r := attr(start, "r"); r != "" {
		n, err := strconv.Atoi(r)
		if err != nil || n <= s.row {
			return Row{}, &Error{Kind: Corrupt, Row: num, Err: errors.New("row number out of order")}
		}
		num = n
	}
	if num > s.lim.MaxRows {
		return Row{}, &Error{Kind: TooLarge, Row: num}
	}
	s.row = num
	cells := make([]Cell, 0, s.width)
	col, rowBytes := 0, 0
	depth := s.x.depth
	for {
		t, err := s.x.token()
		if err != nil {
			return Row{}, at(err, num, 0)
		}
		switch t := t.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				if err := s.x.skip(); err != nil {
					return Row{}, at(err, num, 0)
				}
				continue
			}
			c, cell, err := s.readCell(t, col)
			if err != nil {
				return Row{}, at(err, num, c)
			}
			col = c
			if cell.Value == "" && !cell.Formula {
				continue // a formatted empty cell; no need to place it
			}
			if c > s.lim.MaxColumns {
				return Row{}, &Error{Kind: TooManyColumns, Row: num, Column: c}
			}
			if rowBytes += len(cell.Value); rowBytes > s.lim.MaxRowBytes {
				return Row{}, &Error{Kind: RowTooLong, Row: num, Column: c}
			}
			for len(cells) < c-1 {
				cells = append(cells, Cell{})
			}
			cells = append(cells, cell)
		case xml.EndElement:
			if s.x.depth < depth {
				s.width = len(cells)
				return Row{Number: num, Cells: cells}, nil
			}
		}
	}
}

// readCell reads the cell just started, after column prev, and returns its
// column.
func (s *xlsxSource) readCell(start xml.StartElement, prev int) (int, Cell, error) {
	col := prev + 1
	if r := attr(start, "r"); r != "" {
		c, ok := parseColumn(r)
		if !ok || c <= prev {
			return col, Cell{}, &Error{Kind: Corrupt, Err: errors.New("bad or out-of-order cell reference")}
		}
		col = c
	}
	typ := attr(start, "t")
	var (
		cell   Cell
		v      []byte
		inline string
		hasV   bool
	)
	depth := s.x.depth
	for {
		t, err := s.x.token()
		if errors.Is(err, errTokenTooLarge) {
			return col, Cell{}, &Error{Kind: CellTooLong, Err: err}
		}
		if err != nil {
			return col, Cell{}, err
		}
		st, ok := t.(xml.StartElement)
		if !ok {
			if _, end := t.(xml.EndElement); end && s.x.depth < depth {
				break
			}
			continue
		}
		switch st.Name.Local {
		case "f":
			cell.Formula = true
			err = s.x.skip()
		case "v":
			hasV = true
			v, err = s.x.plainText(s.vbuf[:0], s.lim.MaxCellBytes)
			s.vbuf = v
		case "is":
			inline, err = s.x.richText(s.lim.MaxCellBytes)
		default:
			err = s.x.skip()
		}
		if errors.Is(err, errTextTooLong) || errors.Is(err, errTokenTooLarge) {
			return col, Cell{}, &Error{Kind: CellTooLong, Err: err}
		}
		if err != nil {
			return col, Cell{}, err
		}
	}
	switch typ {
	case "s":
		if !hasV {
			break
		}
		i, err := strconv.Atoi(string(v))
		if err != nil || i < 0 || i >= len(s.sst) {
			return col, Cell{}, &Error{Kind: Corrupt, Err: errors.New("shared string index out of range")}
		}
		cell.Value = s.sst[i]
		if len(cell.Value) > s.lim.MaxCellBytes {
			return col, Cell{}, &Error{Kind: CellTooLong}
		}
	case "inlineStr":
		cell.Value = inline
	case "b":
		switch string(v) {
		case "1":
			cell.Value = "TRUE"
		case "0":
			cell.Value = "FALSE"
		}
	default:
		// n (or no type: a number), str (a formula's text), e (an error
		// such as #N/A), d (an ISO 8601 date): the stored text.
		cell.Value = string(v)
	}
	return col, cell, nil
}

// parseColumn returns the 1-based column of a cell reference such as
// "C7", requiring the row digits after the letters.
func parseColumn(ref string) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			break
		}
		if col = col*26 + int(c-'A'+1); col > maxColumn {
			return 0, false
		}
	}
	if i == 0 || i == len(ref) {
		return 0, false
	}
	for _, c := range ref[i:] {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	return col, true
}

// attr returns the value of the unqualified attribute name, "" if absent.
func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// at fills in the row and column of a located *Error that has none.
func at(err error, row, col int) error {
	var e *Error
	if errors.As(err, &e) {
		if e.Row == 0 {
			// The shared sentinels must not be changed: copy.
			c := *e
			c.Row = row
			if c.Column == 0 {
				c.Column = col
			}
			return &c
		}
		return err
	}
	return &Error{Kind: Corrupt, Row: row, Column: col, Err: err}
}
