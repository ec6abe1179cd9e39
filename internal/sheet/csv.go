package sheet

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffBytes is how much of a CSV decides its encoding and separator: the
// first 64 KB, and for the encoding the 64 KB from the first non-ASCII
// byte. Excel writes a whole file in one encoding, so that settles it;
// every cell is still checked as it is read.
const sniffBytes = 64 << 10

// csvBufSize is encoding/csv's read-ahead (the bufio default it uses): what
// it may hold beyond the record it is parsing.
const csvBufSize = 4096

type textEncoding int

const (
	encUTF8 textEncoding = iota
	encGB18030
	encUTF16
)

var (
	utf8BOM    = []byte{0xEF, 0xBB, 0xBF}
	utf16LEBOM = []byte{0xFF, 0xFE}
	utf16BEBOM = []byte{0xFE, 0xFF}
)

type csvSource struct {
	cr    *csv.Reader
	guard *feedGuard
	lim   Limits
	enc   textEncoding
	// row is the Excel row number of the last record, endLine the physical
	// line it ended on; the gap to the next record's first line is the
	// blank lines encoding/csv skipped, which Excel shows as rows.
	row, endLine int
	// offset is the input offset of the last record's end.
	offset int64
}

func openCSV(r io.ReaderAt, size int64, lim Limits) (*csvSource, error) {
	sample := make([]byte, min(size, sniffBytes))
	n, err := r.ReadAt(sample, 0)
	if n < len(sample) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	atEOF := int64(len(sample)) == size

	var (
		enc  textEncoding
		skip int
		dec  *encoding.Decoder
	)
	switch {
	case bytes.HasPrefix(sample, utf8BOM):
		enc, skip = encUTF8, len(utf8BOM)
	case bytes.HasPrefix(sample, utf16LEBOM):
		// Excel's "Unicode text": UTF-16LE with a BOM, tab-separated.
		enc, dec = encUTF16, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
	case bytes.HasPrefix(sample, utf16BEBOM):
		enc, dec = encUTF16, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
	default:
		isUTF8, err := sniffUTF8(r, size, sample)
		if err != nil {
			return nil, err
		}
		if !isUTF8 {
			// Excel on a Chinese Windows saves "CSV" in the ANSI code
			// page, 936 (GBK); GB18030 decodes it and is its superset.
			enc, dec = encGB18030, simplifiedchinese.GB18030.NewDecoder()
		}
	}

	text := sample[skip:]
	if dec != nil {
		text, err = decodePrefix(dec, sample, atEOF)
		if err != nil {
			return nil, &Error{Kind: Encoding, Err: err}
		}
		dec.Reset()
	}
	// Text has no control characters but tab and line ends: this catches
	// a binary file (a PDF, a photo) that happens to decode as GB18030.
	if i := bytes.IndexFunc(text, isBinaryRune); i >= 0 {
		return nil, &Error{Kind: Encoding, Row: 1 + bytes.Count(text[:i], []byte("\n"))}
	}

	var in io.Reader = io.NewSectionReader(r, int64(skip), size-int64(skip))
	if dec != nil {
		in = transform.NewReader(in, dec)
	}
	s := &csvSource{lim: lim, enc: enc}
	s.guard = &feedGuard{r: in, limit: int64(lim.MaxRowBytes) + csvBufSize}
	s.cr = csv.NewReader(s.guard)
	s.cr.Comma = sniffComma(text)
	s.cr.FieldsPerRecord = -1
	s.cr.LazyQuotes = false
	return s, nil
}

// sniffUTF8 decides between UTF-8 and GB18030 by the first sniffBytes
// from the first non-ASCII byte on: ASCII is the same in both, and a file
// may have thousands of ASCII rows before its first Chinese name. The file
// is on disk, so scanning for that byte costs little.
func sniffUTF8(r io.ReaderAt, size int64, sample []byte) (bool, error) {
	off := int64(firstNonASCII(sample))
	if off < 0 {
		buf := make([]byte, sniffBytes)
		for pos := int64(len(sample)); pos < size && off < 0; pos += sniffBytes {
			chunk := buf[:min(size-pos, sniffBytes)]
			if _, err := r.ReadAt(chunk, pos); err != nil && err != io.EOF {
				return false, err
			}
			if i := firstNonASCII(chunk); i >= 0 {
				off = pos + int64(i)
			}
		}
		if off < 0 {
			return true, nil // all ASCII
		}
	}
	window := make([]byte, min(size-off, sniffBytes))
	if _, err := r.ReadAt(window, off); err != nil && err != io.EOF {
		return false, err
	}
	return validUTF8Prefix(window, off+int64(len(window)) == size), nil
}

func firstNonASCII(b []byte) int {
	for i, c := range b {
		if c >= utf8.RuneSelf {
			return i
		}
	}
	return -1
}

// validUTF8Prefix reports whether b is valid UTF-8, allowing a rune cut at
// the end of the sample when the file goes on.
func validUTF8Prefix(b []byte, atEOF bool) bool {
	if !atEOF {
		// Drop the last rune if it is incomplete: at most 3 bytes back.
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	return utf8.Valid(b)
}

// decodePrefix decodes the sample, an incomplete sequence at its end
// allowed when the file goes on. Decoders write U+FFFD for what does not
// decode; the sample must have none.
func decodePrefix(dec *encoding.Decoder, b []byte, atEOF bool) ([]byte, error) {
	// GB18030 grows at most 3 times (0x80 is the euro sign), UTF-16 3/2.
	dst := make([]byte, len(b)*3+utf8.UTFMax)
	nDst, _, err := dec.Transform(dst, b, atEOF)
	if err != nil && !(errors.Is(err, transform.ErrShortSrc) && !atEOF) {
		return nil, err
	}
	dst = dst[:nDst]
	if bytes.ContainsRune(dst, utf8.RuneError) {
		return nil, errors.New("sample does not decode")
	}
	return dst, nil
}

func isBinaryRune(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r'
}

// sniffComma picks the separator that occurs most in the first record,
// outside quotes: ',' unless tabs (Excel's "Unicode text") or semicolons
// (a European-locale Excel) win.
func sniffComma(text []byte) rune {
	counts := map[byte]int{}
	quoted := false
	for _, b := range text {
		if b == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if b == '\n' {
			break
		}
		if b == ',' || b == '\t' || b == ';' {
			counts[b]++
		}
	}
	comma := byte(',')
	for _, b := range []byte{'\t', ';'} {
		if counts[b] > counts[comma] {
			comma = b
		}
	}
	return rune(comma)
}

func (s *csvSource) next() (Row, error) {
	rec, err := s.cr.Read()
	if err != nil {
		if s.guard.tripped {
			return Row{}, &Error{Kind: RowTooLong, Row: s.row + 1}
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Row{}, &Error{Kind: Corrupt, Row: s.row + pe.StartLine - s.endLine, Err: err}
		}
		// io.EOF, or the spool file failing: not the upload's fault. (The
		// decoders never fail; they write U+FFFD, which valid catches.)
		return Row{}, err
	}
	start, _ := s.cr.FieldPos(0)
	last, _ := s.cr.FieldPos(len(rec) - 1)
	s.row += start - s.endLine
	s.endLine = last + strings.Count(rec[len(rec)-1], "\n")

	offset := s.cr.InputOffset()
	if offset-s.offset > int64(s.lim.MaxRowBytes) {
		return Row{}, &Error{Kind: RowTooLong, Row: s.row}
	}
	// The next record may be fed MaxRowBytes plus the read-ahead.
	s.offset = offset
	s.guard.limit = offset + int64(s.lim.MaxRowBytes) + csvBufSize

	if s.row > s.lim.MaxRows {
		return Row{}, &Error{Kind: TooLarge, Row: s.row}
	}
	cells := make([]Cell, 0, min(len(rec), s.lim.MaxColumns))
	for i, v := range rec {
		if !s.valid(v) {
			return Row{}, &Error{Kind: Encoding, Row: s.row, Column: i + 1}
		}
		if len(v) > s.lim.MaxCellBytes {
			return Row{}, &Error{Kind: CellTooLong, Row: s.row, Column: i + 1}
		}
		if i >= s.lim.MaxColumns {
			if v != "" {
				return Row{}, &Error{Kind: TooManyColumns, Row: s.row, Column: i + 1}
			}
			continue
		}
		cells = append(cells, Cell{Value: v})
	}
	return Row{Number: s.row, Cells: cells}, nil
}

// valid reports whether v decoded cleanly: UTF-8 input is passed through
// unchecked, so it is checked here; decoders mark their failures U+FFFD.
func (s *csvSource) valid(v string) bool {
	if s.enc == encUTF8 {
		return utf8.ValidString(v)
	}
	return !strings.ContainsRune(v, utf8.RuneError)
}

// feedGuard bounds what encoding/csv can buffer: it buffers a whole record,
// however long, before returning it. The guard refuses to hand over more
// than limit bytes in total; after each record the limit moves to the
// record's end plus MaxRowBytes plus csv's read-ahead. So no more than that
// is ever buffered, and an over-long record fails while being read.
type feedGuard struct {
	r       io.Reader
	fed     int64
	limit   int64
	tripped bool
}

var errRecordTooLong = errors.New("sheet: record too long")

func (g *feedGuard) Read(p []byte) (int, error) {
	room := g.limit - g.fed
	if room <= 0 {
		g.tripped = true
		return 0, errRecordTooLong
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := g.r.Read(p)
	g.fed += int64(n)
	return n, err
}
