package sheet

import (
	"encoding/xml"
	"io"
)

// xmlStream is an encoding/xml decoder whose memory is bounded: no token
// may be longer than maxTokenBytes (the decoder buffers a token whole, a
// million-character text node included) and elements may nest no deeper
// than maxDepth (the decoder keeps a stack entry per open element). It
// never expands entities beyond XML's five and character references;
// encoding/xml does not read DTDs, so entity bombs do not apply.
type xmlStream struct {
	d               *xml.Decoder
	g               *tokenGuard
	depth, maxDepth int
}

func newXMLStream(r io.Reader, maxDepth int) *xmlStream {
	g := &tokenGuard{r: r, buf: make([]byte, 32<<10), max: maxTokenBytes}
	return &xmlStream{d: xml.NewDecoder(g), g: g, maxDepth: maxDepth}
}

// token returns the next token, io.EOF after a well-formed document. The
// token's bytes are valid until the next call.
func (x *xmlStream) token() (xml.Token, error) {
	x.g.since = 0
	t, err := x.d.Token()
	if err != nil {
		switch {
		case x.g.tripped:
			return nil, &Error{Kind: TooLarge, Err: errTokenTooLarge}
		case x.g.err != nil:
			return nil, x.g.err // the entry reader's, already an *Error
		case err == io.EOF:
			return nil, io.EOF
		}
		return nil, &Error{Kind: Corrupt, Err: err}
	}
	switch t.(type) {
	case xml.StartElement:
		if x.depth++; x.depth > x.maxDepth {
			return nil, &Error{Kind: Corrupt, Err: errTooDeep}
		}
	case xml.EndElement:
		x.depth--
	}
	return t, nil
}

// skip consumes the rest of the element just started. Decoder.Skip would
// not count depth.
func (x *xmlStream) skip() error {
	depth := x.depth
	for x.depth >= depth {
		if _, err := x.token(); err != nil {
			return noEOF(err)
		}
	}
	return nil
}

// plainText appends to buf the text of the element just started, which
// should have no children (any are skipped), failing with errTextTooLong
// past limit bytes.
func (x *xmlStream) plainText(buf []byte, limit int) ([]byte, error) {
	depth := x.depth
	for {
		t, err := x.token()
		if err != nil {
			return buf, noEOF(err)
		}
		switch t := t.(type) {
		case xml.CharData:
			if len(buf)+len(t) > limit {
				return buf, errTextTooLong
			}
			buf = append(buf, t...)
		case xml.StartElement:
			if err := x.skip(); err != nil {
				return buf, err
			}
		case xml.EndElement:
			if x.depth < depth {
				return buf, nil
			}
		}
	}
}

// richText returns the text of the <si> or <is> element just started: its
// <t>, and the <t> of each of its rich-text runs <r>, concatenated; not
// the phonetic guides <rPh> nor run properties <rPr>. Text is returned as
// stored: Excel writes xml:space="preserve" where spaces matter, and
// nothing here trims, so no case needs the attribute.
func (x *xmlStream) richText(limit int) (string, error) {
	depth := x.depth
	var buf []byte
	inT := false
	for {
		t, err := x.token()
		if err != nil {
			return "", noEOF(err)
		}
		switch t := t.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inT = true
			case "r":
				// A run: its <t> is read, its <rPr> skipped.
			default:
				if err := x.skip(); err != nil {
					return "", err
				}
			}
		case xml.EndElement:
			if x.depth < depth {
				return string(buf), nil
			}
			inT = false
		case xml.CharData:
			if !inT {
				continue // indentation between elements
			}
			if len(buf)+len(t) > limit {
				return "", errTextTooLong
			}
			buf = append(buf, t...)
		}
	}
}

// drain reads the rest of the input without parsing it, so that a zip
// entry's checksum is verified at its end.
func (x *xmlStream) drain() error {
	if _, err := io.Copy(io.Discard, x.g.r); err != nil {
		return err
	}
	return x.g.err
}

// noEOF turns the end of the document inside an element into an error.
func noEOF(err error) error {
	if err == io.EOF {
		return &Error{Kind: Corrupt, Err: io.ErrUnexpectedEOF}
	}
	return err
}

// tokenGuard is the decoder's input. encoding/xml reads byte by byte
// through io.ByteReader when its input has one, so the guard sees exactly
// what each token consumes: since counts it (token resets it), and past
// max bytes the guard fails the read instead of letting the decoder
// buffer on.
type tokenGuard struct {
	r          io.Reader
	buf        []byte
	pos, end   int
	since, max int
	tripped    bool
	// err is the first error of r other than io.EOF.
	err error
}

func (g *tokenGuard) fill() error {
	if g.err != nil {
		return g.err
	}
	for {
		n, err := g.r.Read(g.buf)
		g.pos, g.end = 0, n
		if err != nil && err != io.EOF {
			g.err = err
		}
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (g *tokenGuard) ReadByte() (byte, error) {
	if g.since >= g.max {
		g.tripped = true
		return 0, errTokenTooLarge
	}
	if g.pos == g.end {
		if err := g.fill(); err != nil {
			return 0, err
		}
	}
	g.since++
	b := g.buf[g.pos]
	g.pos++
	return b, nil
}

// Read makes the guard an io.Reader for xml.NewDecoder, which then uses
// ReadByte only; it is bounded the same way.
func (g *tokenGuard) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		b, err := g.ReadByte()
		if err != nil {
			if n > 0 && err == io.EOF {
				return n, nil
			}
			return n, err
		}
		p[n] = b
		n++
	}
	return n, nil
}
