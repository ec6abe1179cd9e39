package draw

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// File is a published draw: the announcement, the reveal and the result.
type File struct {
	Announcement Announcement `json:"announcement"`
	Reveal       Reveal       `json:"reveal"`
	Result       Result       `json:"result"`
}

// Marshal is the published file: JSON indented by two spaces, fields in
// the order of the types above, no HTML escaping, empty lists as [], and a
// final line feed (docs/draw.md §5). It refuses a file over MaxFileBytes,
// which Verify could not read back.
func (f *File) Marshal() ([]byte, error) {
	c := *f
	c.Announcement.Targets = nonNil(c.Announcement.Targets)
	c.Announcement.Excluded = nonNil(c.Announcement.Excluded)
	c.Announcement.Inspectors = slices.Clone(nonNil(c.Announcement.Inspectors))
	for i := range c.Announcement.Inspectors {
		c.Announcement.Inspectors[i].Excluded = nonNil(c.Announcement.Inspectors[i].Excluded)
	}
	c.Announcement.Cells = nonNil(c.Announcement.Cells)
	c.Result.Selected = inspectorsNonNil(c.Result.Selected)
	c.Result.Reserve = inspectorsNonNil(c.Result.Reserve)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&c); err != nil {
		return nil, err
	}
	if b.Len() > MaxFileBytes {
		return nil, fmt.Errorf("%w: the file would be %d bytes, over the limit of %d", ErrInvalid, b.Len(), MaxFileBytes)
	}
	return b.Bytes(), nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func inspectorsNonNil(s []Selection) []Selection {
	s = slices.Clone(nonNil(s))
	for i := range s {
		s[i].Inspectors = nonNil(s[i].Inspectors)
	}
	return s
}

// Verify checks a published file: it parses it (at most MaxFileBytes, no
// unknown fields), checks the announcement and the commitment, draws again,
// compares the result, and finally compares the file with its canonical
// encoding byte for byte. The error says what differs first.
func Verify(file []byte) (*File, error) {
	if len(file) > MaxFileBytes {
		return nil, fmt.Errorf("%w: %d bytes, over the limit of %d", ErrFile, len(file), MaxFileBytes)
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(file))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFile, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: more data after the JSON object", ErrFile)
	}
	got, err := Run(&f.Announcement, f.Reveal)
	if err != nil {
		return nil, err
	}
	if err := compare(&f.Result, got); err != nil {
		return nil, err
	}
	canon, err := (&File{Announcement: f.Announcement, Reveal: f.Reveal, Result: *got}).Marshal()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(canon, file) {
		return nil, fmt.Errorf("%w: the draw is right but the file is not in canonical form: %s", ErrNotReproduce, firstDiff(file, canon))
	}
	return &f, nil
}

func compare(file, got *Result) error {
	for _, part := range []struct {
		name      string
		file, got []Selection
	}{{"selected", file.Selected, got.Selected}, {"reserve", file.Reserve, got.Reserve}} {
		for i := range min(len(part.file), len(part.got)) {
			f, g := part.file[i], part.got[i]
			switch {
			case f.Label != g.Label || f.Position != g.Position:
				return fmt.Errorf("%w: %s entry %d: the file has position %d %s, the draw gives position %d %s",
					ErrNotReproduce, part.name, i+1, f.Position, f.Label, g.Position, g.Label)
			case f.Stratum != g.Stratum || f.Class != g.Class:
				return fmt.Errorf("%w: %s position %d (%s): the file has stratum %q class %q, the pool says %q %q",
					ErrNotReproduce, part.name, g.Position, g.Label, f.Stratum, f.Class, g.Stratum, g.Class)
			case !slices.Equal(f.Inspectors, g.Inspectors):
				return fmt.Errorf("%w: %s position %d (%s): the file has inspectors %v, the draw gives %v",
					ErrNotReproduce, part.name, g.Position, g.Label, f.Inspectors, g.Inspectors)
			}
		}
		if len(part.file) != len(part.got) {
			return fmt.Errorf("%w: the file has %d %s, the draw gives %d", ErrNotReproduce, len(part.file), part.name, len(part.got))
		}
	}
	return nil
}

// firstDiff names the first line where the file leaves its canonical form.
func firstDiff(file, canon []byte) string {
	n := 0
	for n < len(file) && n < len(canon) && file[n] == canon[n] {
		n++
	}
	line := bytes.Count(file[:n], []byte{'\n'}) + 1
	show := func(b []byte) string {
		start := bytes.LastIndexByte(b[:n], '\n') + 1
		end := bytes.IndexByte(b[n:], '\n')
		if end < 0 {
			end = len(b) - n
		}
		s := b[start : n+end]
		if len(s) > 120 {
			s = s[:120]
		}
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("line %d is %s, canonically %s", line, show(file), show(canon))
}
