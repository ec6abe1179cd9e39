package photos

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"honestmeasure/internal/fail"
)

// storedPhoto is a noisy 1000x700 photo as Process stores it, sent with
// an EXIF segment that Process drops.
func storedPhoto(t *testing.T) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 1000, 700))
	seed := uint32(7)
	for i := 0; i < len(m.Pix); i += 4 {
		seed = seed*1664525 + 1013904223
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = uint8(seed>>24), uint8(seed>>16), uint8(seed>>8), 255
	}
	in := withAPP1(encodeJPEG(t, m, 90), exifPayload(tiffExif(binary.BigEndian, 1)))
	return mustProcess(t, in, DefaultOptions()).Data
}

// segments lists the markers of a JPEG's header segments up to SOS.
func segments(t *testing.T, b []byte) []byte {
	t.Helper()
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xD8 {
		t.Fatal("not a JPEG")
	}
	var out []byte
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			t.Fatalf("no marker at %d", i)
		}
		m := b[i+1]
		out = append(out, m)
		if m == 0xDA { // SOS: entropy-coded data follows
			return out
		}
		i += 2 + int(b[i+2])<<8 + int(b[i+3])
	}
	t.Fatal("no SOS")
	return nil
}

func TestRedact(t *testing.T) {
	orig := storedPhoto(t)
	before := bytes.Clone(orig)
	rects := []Rect{
		{X: 101, Y: 53, W: 150, H: 90},     // unaligned corners
		{X: 900, Y: 600, W: 5000, H: 5000}, // runs off the bottom right: clipped
		{X: 0, Y: 0, W: 1, H: 1},           // a single pixel
	}
	p, err := Redact(orig, rects, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(orig, before) {
		t.Fatal("the original bytes were changed")
	}
	if p.Width != 1000 || p.Height != 700 || p.ContentType != "image/jpeg" || len(p.SHA256) != 64 || bytes.Equal(p.Data, orig) {
		t.Fatalf("redacted %dx%d %s", p.Width, p.Height, p.ContentType)
	}
	for _, m := range segments(t, p.Data) {
		if m >= 0xE0 && m <= 0xEF || m == 0xFE {
			t.Fatalf("output has segment FF%02X (APPn or COM)", m)
		}
	}
	img, err := jpeg.Decode(bytes.NewReader(p.Data))
	if err != nil {
		t.Fatal(err)
	}
	inside := func(x, y int) bool {
		for _, r := range rects {
			if x >= r.X && x < r.X+r.W && y >= r.Y && y < r.Y+r.H {
				return true
			}
		}
		return false
	}
	black, kept := 0, 0
	for y := range 700 {
		for x := range 1000 {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			switch {
			case inside(x, y):
				if c != (color.RGBA{0, 0, 0, 255}) {
					t.Fatalf("pixel %d,%d inside a rectangle is %v", x, y, c)
				}
				black++
			case c.R > 16 || c.G > 16 || c.B > 16:
				kept++
			}
		}
	}
	// The rest is the noisy photo still: only the blocks around the
	// rectangles were widened into.
	if black != 150*90+100*100+1 || kept < 1000*700-black-3*40*40 {
		t.Fatalf("%d black pixels, %d kept", black, kept)
	}

	// A JPEG that does carry EXIF (and a comment) loses them too.
	tagged := withAPP1(orig, exifPayload(tiffExif(binary.BigEndian, 1)))
	tagged = append(tagged[:2:2], append([]byte{0xFF, 0xFE, 0, 6, 'c', 'a', 'm', '1'}, tagged[2:]...)...)
	if ms := segments(t, tagged); !bytes.Contains(ms, []byte{0xE1}) || !bytes.Contains(ms, []byte{0xFE}) {
		t.Fatalf("the tagged input has segments % X", ms)
	}
	q, err := Redact(tagged, rects[:1], DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range segments(t, q.Data) {
		if m >= 0xE0 && m <= 0xEF || m == 0xFE {
			t.Fatalf("output of a tagged input has segment FF%02X", m)
		}
	}

	// Redacting the derivative again covers more; the first stays covered.
	again, err := Redact(p.Data, []Rect{{X: 500, Y: 300, W: 20, H: 20}}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	img2, _ := jpeg.Decode(bytes.NewReader(again.Data))
	for _, pt := range []image.Point{{101, 53}, {250, 142}, {999, 699}, {510, 310}} {
		if c := color.RGBAModel.Convert(img2.At(pt.X, pt.Y)).(color.RGBA); c != (color.RGBA{0, 0, 0, 255}) {
			t.Errorf("pixel %v after the second redaction is %v", pt, c)
		}
	}
}

func TestRedactRefusesBadRectangles(t *testing.T) {
	orig := storedPhoto(t)
	many := make([]Rect, MaxRedactRects+1)
	for i := range many {
		many[i] = Rect{X: i, Y: i, W: 10, H: 10}
	}
	for _, c := range []struct {
		name  string
		rects []Rect
		key   string
	}{
		{"none", nil, "redact.rects_none"},
		{"too many", many, "redact.rects_too_many"},
		{"zero width", []Rect{{X: 1, Y: 1, W: 0, H: 5}}, "redact.rect_empty"},
		{"negative height", []Rect{{X: 1, Y: 1, W: 5, H: -5}}, "redact.rect_empty"},
		{"negative corner", []Rect{{X: -1, Y: 1, W: 5, H: 5}}, "redact.rect_outside"},
		{"right of the photo", []Rect{{X: 10, Y: 10, W: 5, H: 5}, {X: 1000, Y: 1, W: 5, H: 5}}, "redact.rect_outside"},
		{"below the photo", []Rect{{X: 1, Y: 700, W: 5, H: 5}}, "redact.rect_outside"},
		{"huge", []Rect{{X: 1 << 40, Y: 1 << 40, W: 1 << 62, H: 1 << 62}}, "redact.rect_outside"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := Redact(orig, c.rects, DefaultOptions())
			e, ok := fail.As(err)
			if p != nil || !ok || e.Kind != fail.Invalid || e.Fields[RedactField].Key != c.key {
				t.Fatalf("got %v, %v; want Invalid %s", p, err, c.key)
			}
		})
	}
	// Exactly the maximum is fine.
	if _, err := Redact(orig, many[:MaxRedactRects], DefaultOptions()); err != nil {
		t.Fatal(err)
	}
	// Not a JPEG: the photo's own kind of error, not the person's.
	var pe *Error
	if _, err := Redact(encodePNG(t, quadImage(40, 40)), []Rect{{X: 1, Y: 1, W: 2, H: 2}}, DefaultOptions()); !errorsAs(err, &pe) || pe.Kind != KindNotImage {
		t.Fatalf("PNG: %v", err)
	}
}

func errorsAs(err error, pe **Error) bool {
	e, ok := err.(*Error)
	*pe = e
	return ok
}

// TestLimiterRedact: through a Limiter, a redaction holds its budget while
// it runs and gives it all back; a photo over the per-photo budget is
// refused, and a caller that gives up while waiting gets its context's
// error.
func TestLimiterRedact(t *testing.T) {
	orig := storedPhoto(t)
	want, err := Redact(orig, []Rect{{X: 5, Y: 5, W: 40, H: 40}}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	l := NewLimiter(64<<20, 40<<20, 2)
	got, err := l.Redact(t.Context(), orig, []Rect{{X: 5, Y: 5, W: 40, H: 40}}, DefaultOptions())
	if err != nil || !bytes.Equal(got.Data, want.Data) {
		t.Fatalf("through the limiter: %v", err)
	}
	if n := l.mem.inUse(); n != 0 {
		t.Fatalf("%d bytes still held", n)
	}
	tiny := NewLimiter(readReserve, 1<<20, 1)
	var pe *Error
	if _, err := tiny.Redact(t.Context(), orig, []Rect{{X: 5, Y: 5, W: 4, H: 4}}, DefaultOptions()); !errorsAs(err, &pe) || pe.Kind != KindTooManyPixels {
		t.Fatalf("over the per-photo budget: %v", err)
	}
	// Every slot taken: a caller whose context ends is not left waiting.
	l.slots <- struct{}{}
	l.slots <- struct{}{}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := l.Redact(ctx, orig, []Rect{{X: 5, Y: 5, W: 4, H: 4}}, DefaultOptions()); !errors.Is(err, context.Canceled) {
		t.Fatalf("with no slot free and the context ended: %v", err)
	}
}
