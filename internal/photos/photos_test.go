package photos

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// ---------------------------------------------------------------------------
// Helpers that build test inputs.

var (
	red    = color.RGBA{220, 30, 30, 255}
	green  = color.RGBA{30, 200, 30, 255}
	blue   = color.RGBA{30, 30, 220, 255}
	yellow = color.RGBA{230, 230, 40, 255}
)

// quadImage is w x h with solid quadrants: TL red, TR green, BL blue, BR yellow.
func quadImage(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			var c color.RGBA
			switch {
			case x < w/2 && y < h/2:
				c = red
			case y < h/2:
				c = green
			case x < w/2:
				c = blue
			default:
				c = yellow
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

func encodeJPEG(t testing.TB, m image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ycbcrJPEG returns a w x h 4:2:0 JPEG with a simple gradient.
func ycbcrJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := range h {
		for x := range w {
			m.Y[y*m.YStride+x] = uint8((x + y) / 16)
		}
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = 128, 128
	}
	return encodeJPEG(t, m, 75)
}

// tiffExif builds a TIFF structure (the part after "Exif\0\0") with IFD0
// holding Orientation and a GPS IFD pointer, and a GPS IFD holding
// GPSLatitudeRef "N", GPSLatitude 31/1 14/1 2345/100 and GPSMapDatum
// "GPSMARKER".
func tiffExif(bo byteOrder, orientation uint16) []byte {
	var b []byte
	if bo == byteOrder(binary.LittleEndian) {
		b = []byte("II*\x00")
	} else {
		b = []byte("MM\x00*")
	}
	b = bo.AppendUint32(b, 8) // IFD0 offset
	entry := func(tag, typ uint16, count uint32, value []byte) {
		b = bo.AppendUint16(b, tag)
		b = bo.AppendUint16(b, typ)
		b = bo.AppendUint32(b, count)
		b = append(b, (append(value, 0, 0, 0, 0))[:4]...)
	}
	const gpsIFD, rationals, marker = 38, 80, 104
	// IFD0 at 8.
	b = bo.AppendUint16(b, 2)
	entry(0x0112, 3, 1, bo.AppendUint16(nil, orientation))
	entry(0x8825, 4, 1, bo.AppendUint32(nil, gpsIFD))
	b = bo.AppendUint32(b, 0) // no IFD1
	if len(b) != gpsIFD {
		panic("bad layout")
	}
	b = bo.AppendUint16(b, 3)
	entry(0x0001, 2, 2, []byte("N\x00"))
	entry(0x0002, 5, 3, bo.AppendUint32(nil, rationals))
	entry(0x0012, 2, 10, bo.AppendUint32(nil, marker))
	b = bo.AppendUint32(b, 0)
	if len(b) != rationals {
		panic("bad layout")
	}
	for _, v := range []uint32{31, 1, 14, 1, 2345, 100} {
		b = bo.AppendUint32(b, v)
	}
	if len(b) != marker {
		panic("bad layout")
	}
	return append(b, "GPSMARKER\x00"...)
}

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// withAPP1 inserts an APP1 segment with payload right after SOI.
func withAPP1(jpg, payload []byte) []byte {
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func exifPayload(tiff []byte) []byte { return append([]byte("Exif\x00\x00"), tiff...) }

// pngChunk returns a complete PNG chunk with a correct CRC.
func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// pngWithSize patches IHDR of p to w x h and fixes its CRC.
func pngWithSize(p []byte, w, h uint32) []byte {
	p = bytes.Clone(p)
	// signature(8) length(4) "IHDR"(4) width(4) height(4) ... crc at 29.
	binary.BigEndian.PutUint32(p[16:], w)
	binary.BigEndian.PutUint32(p[20:], h)
	binary.BigEndian.PutUint32(p[29:], crc32.ChecksumIEEE(p[12:29]))
	return p
}

// jpegWithSOF patches the first SOF0 of j to w x h.
func jpegWithSOF(t testing.TB, j []byte, w, h uint16) []byte {
	t.Helper()
	j = bytes.Clone(j)
	i := bytes.Index(j, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	// FF C0, length(2), precision(1), height(2), width(2)
	binary.BigEndian.PutUint16(j[i+5:], h)
	binary.BigEndian.PutUint16(j[i+7:], w)
	return j
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// riffChunk returns a RIFF chunk, padded to even length.
func riffChunk(id string, data []byte) []byte {
	c := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	c = append(c, data...)
	if len(data)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

// vp8Chunk extracts the "VP8 " chunk of a simple lossy WebP.
func vp8Chunk(t testing.TB, w []byte) []byte {
	t.Helper()
	if string(w[12:16]) != "VP8 " {
		t.Fatalf("not a simple lossy WebP: %q", w[12:16])
	}
	n := int(binary.LittleEndian.Uint32(w[16:20]))
	return w[12 : 20+n+n%2]
}

// extendedWebP wraps a VP8 chunk in a VP8X WebP with the given flags,
// canvas size and extra chunks appended after the image data.
func extendedWebP(vp8 []byte, flags byte, w, h int, extra ...[]byte) []byte {
	x := []byte{flags, 0, 0, 0,
		byte(w - 1), byte((w - 1) >> 8), byte((w - 1) >> 16),
		byte(h - 1), byte((h - 1) >> 8), byte((h - 1) >> 16)}
	body := append([]byte("WEBP"), riffChunk("VP8X", x)...)
	body = append(body, vp8...)
	for _, e := range extra {
		body = append(body, e...)
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

// ---------------------------------------------------------------------------
// Helpers that check outputs.

// checkClean asserts that p is a well-formed, metadata-free JPEG and returns
// it decoded.
func checkClean(t testing.TB, p *Photo) image.Image {
	t.Helper()
	if p.ContentType != "image/jpeg" {
		t.Errorf("ContentType = %q", p.ContentType)
	}
	sum := sha256.Sum256(p.Data)
	if p.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("SHA256 = %q, want hex of sha256(Data)", p.SHA256)
	}
	for _, bad := range []string{"Exif", "GPSMARKER", "JFIF", "http://ns.adobe.com"} {
		if bytes.Contains(p.Data, []byte(bad)) {
			t.Errorf("output contains %q", bad)
		}
	}
	// Walk the header segments: no APPn (EXIF, XMP, ICC...) and no COM.
	for i := 2; i+4 <= len(p.Data) && p.Data[i] == 0xFF; {
		m := p.Data[i+1]
		if m == 0xDA {
			break
		}
		if (m >= 0xE0 && m <= 0xEF) || m == 0xFE {
			t.Errorf("output has metadata segment FF%02X", m)
		}
		i += 2 + int(binary.BigEndian.Uint16(p.Data[i+2:]))
	}
	m, err := jpeg.Decode(bytes.NewReader(p.Data))
	if err != nil {
		t.Fatalf("output does not decode as JPEG: %v", err)
	}
	if b := m.Bounds(); b.Dx() != p.Width || b.Dy() != p.Height {
		t.Fatalf("output is %v, Photo says %dx%d", b, p.Width, p.Height)
	}
	return m
}

func near(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, b uint8) bool { x := int(a>>8) - int(b); return x <= tol && x >= -tol }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

func mustProcess(t testing.TB, data []byte, opt Options) *Photo {
	t.Helper()
	p, err := Process(data, opt)
	if err != nil {
		t.Fatalf("Process: %v", err)
	}
	return p
}

// ---------------------------------------------------------------------------
// Tests.

func TestDefaultOptions(t *testing.T) {
	want := Options{MaxBytes: 10 << 20, MaxPixels: 40_000_000, MaxDimension: 1600, JPEGQuality: 82, MaxMemory: 128 << 20}
	if got := DefaultOptions(); got != want {
		t.Fatalf("DefaultOptions() = %+v, want %+v", got, want)
	}
	if got := (Options{}).withDefaults(); got != want {
		t.Fatalf("zero Options take %+v, want %+v", got, want)
	}
	if got := (Options{MaxBytes: -1, JPEGQuality: 500}).withDefaults(); got.MaxBytes != want.MaxBytes || got.JPEGQuality != 100 {
		t.Fatalf("negative/oversized options: %+v", got)
	}
}

// TestExifOrientation: a 40x20 JPEG with a hand-made APP1 (Orientation plus
// a GPS IFD) for every orientation value and both byte orders. Output must
// have the right size, the right quadrant colours, and no trace of the EXIF.
func TestExifOrientation(t *testing.T) {
	base := encodeJPEG(t, quadImage(40, 20), 95)
	R, G, B, Y := red, green, blue, yellow
	cases := []struct {
		o              uint16
		w, h           int
		tl, tr, bl, br color.RGBA
	}{
		{1, 40, 20, R, G, B, Y},
		{2, 40, 20, G, R, Y, B}, // mirror horizontal
		{3, 40, 20, Y, B, G, R}, // 180
		{4, 40, 20, B, Y, R, G}, // mirror vertical
		{5, 20, 40, R, B, G, Y}, // transpose
		{6, 20, 40, B, R, Y, G}, // 90 clockwise
		{7, 20, 40, Y, G, B, R}, // transverse
		{8, 20, 40, G, Y, R, B}, // 90 counter-clockwise
	}
	for _, order := range []struct {
		name string
		bo   byteOrder
	}{{"II", binary.LittleEndian}, {"MM", binary.BigEndian}} {
		for _, c := range cases {
			t.Run(order.name+"/"+string(rune('0'+c.o)), func(t *testing.T) {
				in := withAPP1(base, exifPayload(tiffExif(order.bo, c.o)))
				// The input really carries what must be stripped.
				if !bytes.Contains(in, []byte("Exif")) || !bytes.Contains(in, []byte("GPSMARKER")) {
					t.Fatal("test input lacks EXIF/GPS")
				}
				if got := jpegOrientation(in); got != int(c.o) {
					t.Fatalf("jpegOrientation = %d, want %d", got, c.o)
				}
				if cfg, err := jpeg.DecodeConfig(bytes.NewReader(in)); err != nil || cfg.Width != 40 || cfg.Height != 20 {
					t.Fatalf("input is not a 40x20 JPEG: %v %+v", err, cfg)
				}
				p := mustProcess(t, in, Options{})
				m := checkClean(t, p)
				if p.Width != c.w || p.Height != c.h {
					t.Fatalf("size %dx%d, want %dx%d", p.Width, p.Height, c.w, c.h)
				}
				qx, qy := c.w/4, c.h/4
				for _, q := range []struct {
					name string
					x, y int
					want color.RGBA
				}{
					{"top-left", qx, qy, c.tl},
					{"top-right", 3 * qx, qy, c.tr},
					{"bottom-left", qx, 3 * qy, c.bl},
					{"bottom-right", 3 * qx, 3 * qy, c.br},
				} {
					if got := m.At(q.x, q.y); !near(got, q.want, 40) {
						t.Errorf("%s pixel = %v, want about %v", q.name, got, q.want)
					}
				}
			})
		}
	}
}

// TestOrientExact checks the transform pixel by pixel on a 3x2 image (see
// orientation for the table).
func TestOrientExact(t *testing.T) {
	// src:  a b c
	//       d e f
	src := image.NewGray(image.Rect(0, 0, 3, 2))
	copy(src.Pix, "abcdef")
	want := map[int][]string{
		1: {"abc", "def"},
		2: {"cba", "fed"},
		3: {"fed", "cba"},
		4: {"def", "abc"},
		5: {"ad", "be", "cf"},
		6: {"da", "eb", "fc"},
		7: {"fc", "eb", "da"},
		8: {"cf", "be", "ad"},
		0: {"abc", "def"}, // invalid values: untouched
		9: {"abc", "def"},
	}
	for o, rows := range want {
		w, h := len(rows[0]), len(rows)
		d := render(src, w, h, o)
		var got []string
		for y := range h {
			got = append(got, string(d.Y[y*d.YStride:y*d.YStride+w]))
		}
		if strings.Join(got, "/") != strings.Join(rows, "/") {
			t.Errorf("orientation %d: got %v, want %v", o, got, rows)
		}
	}
}

// TestPNGTransparency: transparent areas become white, half-transparent
// black becomes mid grey, opaque stays; PNG text chunks are not copied.
func TestPNGTransparency(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 60, 20))
	for y := range 20 {
		for x := range 60 {
			switch {
			case x < 20:
				src.SetNRGBA(x, y, color.NRGBA{0, 0, 0, 0})
			case x < 40:
				src.SetNRGBA(x, y, color.NRGBA{0, 0, 0, 128})
			default:
				src.SetNRGBA(x, y, color.NRGBA{200, 0, 0, 255})
			}
		}
	}
	in := encodePNG(t, src)
	// Add a tEXt chunk after IHDR (8 + 25 bytes).
	in = append(append(bytes.Clone(in[:33]), pngChunk("tEXt", []byte("Comment\x00GPSMARKER"))...), in[33:]...)
	if _, err := png.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("test PNG invalid: %v", err)
	}
	p := mustProcess(t, in, Options{})
	m := checkClean(t, p)
	if p.Width != 60 || p.Height != 20 {
		t.Fatalf("size %dx%d", p.Width, p.Height)
	}
	for _, c := range []struct {
		x    int
		want color.RGBA
	}{{10, color.RGBA{255, 255, 255, 255}}, {30, color.RGBA{127, 127, 127, 255}}, {50, color.RGBA{200, 0, 0, 255}}} {
		if got := m.At(c.x, 10); !near(got, c.want, 12) {
			t.Errorf("pixel x=%d = %v, want about %v", c.x, got, c.want)
		}
	}
}

func TestWebP(t *testing.T) {
	lossy := readTestdata(t, "blue-purple-pink.lossy.webp")
	alpha := readTestdata(t, "gopher-doc.with-alpha.lossless.webp")

	t.Run("lossy", func(t *testing.T) {
		src, err := webp.Decode(bytes.NewReader(lossy))
		if err != nil {
			t.Fatal(err)
		}
		p := mustProcess(t, lossy, Options{})
		m := checkClean(t, p)
		if p.Width != 150 || p.Height != 100 {
			t.Fatalf("size %dx%d, want 150x100", p.Width, p.Height)
		}
		for _, pt := range []image.Point{{10, 10}, {75, 50}, {140, 90}} {
			r, g, b, _ := src.At(pt.X, pt.Y).RGBA()
			want := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 255}
			if got := m.At(pt.X, pt.Y); !near(got, want, 30) {
				t.Errorf("pixel %v = %v, source %v", pt, got, want)
			}
		}
	})

	t.Run("alpha", func(t *testing.T) {
		src, err := webp.Decode(bytes.NewReader(alpha))
		if err != nil {
			t.Fatal(err)
		}
		p := mustProcess(t, alpha, Options{})
		m := checkClean(t, p)
		if p.Width != src.Bounds().Dx() || p.Height != src.Bounds().Dy() {
			t.Fatalf("size %dx%d, source %v", p.Width, p.Height, src.Bounds())
		}
		// Find a fully transparent pixel well inside a transparent area.
		found := false
		b := src.Bounds()
		for y := b.Min.Y + 2; y < b.Max.Y-2 && !found; y++ {
			for x := b.Min.X + 2; x < b.Max.X-2 && !found; x++ {
				clear := true
				for dy := -2; dy <= 2; dy++ {
					for dx := -2; dx <= 2; dx++ {
						if _, _, _, a := src.At(x+dx, y+dy).RGBA(); a != 0 {
							clear = false
						}
					}
				}
				if clear {
					found = true
					if got := m.At(x-b.Min.X, y-b.Min.Y); !near(got, color.RGBA{255, 255, 255, 255}, 8) {
						t.Errorf("transparent pixel (%d,%d) = %v, want white", x, y, got)
					}
				}
			}
		}
		if !found {
			t.Fatal("test image has no transparent area")
		}
	})

	t.Run("exif-orientation", func(t *testing.T) {
		in := extendedWebP(vp8Chunk(t, lossy), 0x08, 150, 100,
			riffChunk("EXIF", tiffExif(binary.LittleEndian, 6)))
		if _, err := webp.Decode(bytes.NewReader(in)); err != nil {
			t.Fatalf("test WebP invalid: %v", err)
		}
		p := mustProcess(t, in, Options{})
		checkClean(t, p)
		if p.Width != 100 || p.Height != 150 {
			t.Fatalf("size %dx%d, want 100x150", p.Width, p.Height)
		}
	})
}

func TestFitWithin(t *testing.T) {
	for _, c := range []struct{ w, h, max, ww, wh int }{
		{4000, 3000, 1600, 1600, 1200},
		{3000, 4000, 1600, 1200, 1600},
		{100, 50, 1600, 100, 50},
		{1600, 1600, 1600, 1600, 1600},
		{1601, 1601, 1600, 1600, 1600},
		{4032, 3024, 1600, 1600, 1200},
		{30000, 2, 1600, 1600, 1},
		{1, 30000, 1600, 1, 1600},
		{4000, 3000, 800, 800, 600},
	} {
		if w, h := fitWithin(c.w, c.h, c.max); w != c.ww || h != c.wh {
			t.Errorf("fitWithin(%d, %d, %d) = %dx%d, want %dx%d", c.w, c.h, c.max, w, h, c.ww, c.wh)
		}
	}
}

func TestResize(t *testing.T) {
	big := ycbcrJPEG(t, 4000, 3000)
	for _, c := range []struct {
		name string
		in   []byte
		opt  Options
		w, h int
	}{
		{"4000x3000 default", big, Options{}, 1600, 1200},
		{"4000x3000 rotated", withAPP1(big, exifPayload(tiffExif(binary.BigEndian, 6))), Options{}, 1200, 1600},
		{"4000x3000 max 800", big, Options{MaxDimension: 800}, 800, 600},
		{"100x50 not upscaled", ycbcrJPEG(t, 100, 50), Options{}, 100, 50},
		{"100x50 png not upscaled", encodePNG(t, quadImage(100, 50)), Options{}, 100, 50},
		{"3000x1 strip", encodePNG(t, image.NewGray(image.Rect(0, 0, 3000, 1))), Options{}, 1600, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := mustProcess(t, c.in, c.opt)
			checkClean(t, p)
			if p.Width != c.w || p.Height != c.h {
				t.Fatalf("size %dx%d, want %dx%d", p.Width, p.Height, c.w, c.h)
			}
		})
	}
}

// TestResizeAntiAliasing: 1-pixel black/white stripes shrunk 2.5x must come
// out as even grey, not as moire bands, in every orientation. The control
// shows that a plain bilinear resize really does alias on this pattern.
func TestResizeAntiAliasing(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 4000, 300))
	for y := range 300 {
		for x := range 4000 {
			src.Pix[y*src.Stride+x] = uint8(255 * (x % 2))
		}
	}
	control := image.NewRGBA(image.Rect(0, 0, 1600, 120))
	draw.ApproxBiLinear.Scale(control, control.Rect, src, src.Rect, draw.Src, nil)
	lo, hi := uint8(255), uint8(0)
	for i := 0; i < len(control.Pix); i += 4 {
		lo, hi = min(lo, control.Pix[i]), max(hi, control.Pix[i])
	}
	if hi-lo < 100 {
		t.Fatalf("control: single pass gave %d..%d; the pattern does not provoke aliasing", lo, hi)
	}
	for o := 1; o <= 8; o++ {
		w, h := 1600, 120
		if o >= 5 {
			w, h = h, w
		}
		got := render(src, w, h, o)
		lo, hi := slices.Min(got.Y), slices.Max(got.Y)
		if lo < 120 || hi > 135 {
			t.Fatalf("orientation %d: resize gave %d..%d, want even grey about 127", o, lo, hi)
		}
	}
}

func TestDeterministic(t *testing.T) {
	in := withAPP1(encodeJPEG(t, quadImage(40, 20), 90), exifPayload(tiffExif(binary.LittleEndian, 6)))
	a, b := mustProcess(t, in, Options{}), mustProcess(t, in, Options{})
	if !bytes.Equal(a.Data, b.Data) || a.SHA256 != b.SHA256 {
		t.Fatal("same input gave different output")
	}
	if c := mustProcess(t, in, Options{JPEGQuality: 30}); len(c.Data) >= len(a.Data) || c.SHA256 == a.SHA256 {
		t.Fatalf("JPEGQuality ignored: q30 %d bytes, q82 %d bytes", len(c.Data), len(a.Data))
	}
}

func TestRejections(t *testing.T) {
	smallJPEG := encodeJPEG(t, quadImage(64, 64), 90)
	noiseJPEG := func() []byte {
		m := image.NewRGBA(image.Rect(0, 0, 64, 64))
		r := rand.New(rand.NewPCG(1, 2))
		for i := range m.Pix {
			m.Pix[i] = byte(r.Uint32())
		}
		return encodeJPEG(t, m, 90)
	}()
	smallPNG := encodePNG(t, quadImage(8, 8))
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, quadImage(8, 8), nil); err != nil {
		t.Fatal(err)
	}
	lossy := readTestdata(t, "blue-purple-pink.lossy.webp")
	corruptPNG := bytes.Clone(smallPNG)
	corruptPNG[len(corruptPNG)-20] ^= 0xFF // inside IDAT: CRC mismatch

	cases := []struct {
		name string
		in   []byte
		opt  Options
		kind Kind
	}{
		{"empty", nil, Options{}, KindNotImage},
		{"hello", []byte("hello"), Options{}, KindNotImage},
		{"gif", gifBuf.Bytes(), Options{}, KindNotImage},
		{"bmp", append([]byte("BM"), make([]byte, 60)...), Options{}, KindNotImage},
		{"heic", append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 40)...), Options{}, KindNotImage},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), Options{}, KindNotImage},
		{"pdf", []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), Options{}, KindNotImage},
		{"tiff", []byte("II*\x00\x08\x00\x00\x00\x00\x00"), Options{}, KindNotImage},
		{"riff wave", append([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), make([]byte, 20)...), Options{}, KindNotImage},
		{"animated webp", extendedWebP(vp8Chunk(t, lossy), 0x02, 150, 100), Options{}, KindNotImage},
		{"jpeg magic only", []byte{0xFF, 0xD8, 0xFF}, Options{}, KindCorrupt},
		{"truncated jpeg", noiseJPEG[:len(noiseJPEG)/2], Options{}, KindCorrupt},
		{"truncated png", smallPNG[:len(smallPNG)-30], Options{}, KindCorrupt},
		{"png bad crc", corruptPNG, Options{}, KindCorrupt},
		{"truncated webp", lossy[:len(lossy)/2], Options{}, KindCorrupt},
		{"over MaxBytes", smallJPEG, Options{MaxBytes: len(smallJPEG) - 1}, KindTooLarge},
		{"over default MaxBytes", append([]byte{0xFF, 0xD8, 0xFF}, make([]byte, 10<<20)...), Options{}, KindTooLarge},
		{"png 100000x100000", pngWithSize(smallPNG, 100000, 100000), Options{}, KindTooManyPixels},
		{"png 20000x20000", pngWithSize(smallPNG, 20000, 20000), Options{}, KindTooManyPixels},
		{"png 30001x1", pngWithSize(smallPNG, 30001, 1), Options{}, KindTooManyPixels},
		{"png over custom MaxPixels", smallPNG, Options{MaxPixels: 63}, KindTooManyPixels},
		{"jpeg 60000x60000", jpegWithSOF(t, smallJPEG, 60000, 60000), Options{}, KindTooManyPixels},
		{"jpeg 64x0", jpegWithSOF(t, smallJPEG, 64, 0), Options{}, KindTooManyPixels},
		{"webp canvas 16384x16384", extendedWebP(vp8Chunk(t, lossy), 0, 16384, 16384), Options{}, KindTooManyPixels},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Process(c.in, c.opt)
			if err == nil {
				t.Fatalf("accepted (%dx%d), want %v", p.Width, p.Height, c.kind)
			}
			if p != nil {
				t.Error("non-nil Photo with error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if e.Kind != c.kind {
				t.Fatalf("kind %v (%v), want %v", e.Kind, err, c.kind)
			}
			if strings.HasPrefix(e.Detail, panicDetailPrefix) {
				t.Fatalf("decoder panicked: %v", err)
			}
			if err.Error() == "" {
				t.Fatal("empty message")
			}
		})
	}
}

// TestPixelBombIsCheap: header-only rejections must not allocate the pixel
// buffer. The 2000x2000 case would allocate 16 MB for RGBA (and more for
// the decoder) if the MaxPixels check ran after decoding.
func TestPixelBombIsCheap(t *testing.T) {
	smallPNG := encodePNG(t, quadImage(8, 8))
	smallJPEG := encodeJPEG(t, quadImage(64, 64), 90)
	for _, c := range []struct {
		name string
		in   []byte
		opt  Options
	}{
		{"png 100000x100000", pngWithSize(smallPNG, 100000, 100000), Options{}},
		{"png 20000x20000", pngWithSize(smallPNG, 20000, 20000), Options{}},
		{"png 2000x2000 over MaxPixels 1e6", pngWithSize(smallPNG, 2000, 2000), Options{MaxPixels: 1_000_000}},
		{"jpeg 60000x60000", jpegWithSOF(t, smallJPEG, 60000, 60000), Options{}},
		{"jpeg 2000x2000 over MaxPixels 1e6", jpegWithSOF(t, smallJPEG, 2000, 2000), Options{MaxPixels: 1_000_000}},
	} {
		t.Run(c.name, func(t *testing.T) {
			allocs := testing.AllocsPerRun(20, func() {
				if _, err := Process(c.in, c.opt); err == nil || err.(*Error).Kind != KindTooManyPixels {
					t.Fatalf("got %v, want KindTooManyPixels", err)
				}
			})
			if allocs > 100 {
				t.Errorf("%.0f allocations per rejection", allocs)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range 10 {
				Process(c.in, c.opt)
			}
			runtime.ReadMemStats(&after)
			d := after.TotalAlloc - before.TotalAlloc
			if d > 10<<20 {
				t.Errorf("10 rejections allocated %d bytes", d)
			}
			t.Logf("%.0f allocations, %d bytes per rejection", allocs, d/10)
		})
	}
}

// TestGarbageExif: hostile EXIF never panics and means orientation 1.
func TestGarbageExif(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	valid := tiffExif(le, 6)
	patched := func(bo byteOrder, f func(b []byte)) []byte {
		b := tiffExif(bo, 6)
		f(b)
		return b
	}
	rnd := rand.New(rand.NewPCG(7, 7))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd.Uint32())
		}
		return b
	}

	tiffCases := []struct {
		name string
		tiff []byte
		want int
	}{
		{"valid II control", valid, 6},
		{"valid MM control", tiffExif(be, 8), 8},
		{"empty", nil, 1},
		{"short", []byte("II*\x00\x08"), 1},
		{"bad byte order", append([]byte("IM*\x00"), valid[4:]...), 1},
		{"random 16", random(16), 1},
		{"random 200", random(200), 1},
		{"random after II header", append([]byte("II*\x00\x08\x00\x00\x00"), random(300)...), 1},
		{"ifd offset past end", patched(le, func(b []byte) { le.PutUint32(b[4:], 1000) }), 1},
		{"ifd offset 0xFFFFFFFF", patched(be, func(b []byte) { be.PutUint32(b[4:], 0xFFFFFFFF) }), 1},
		{"ifd offset into header", patched(le, func(b []byte) { le.PutUint32(b[4:], 2) }), 1},
		{"ifd offset at last byte", patched(le, func(b []byte) { le.PutUint32(b[4:], uint32(len(b)-1)) }), 1},
		{"entry count 65535", patched(le, func(b []byte) { le.PutUint16(b[8:], 65535) }), 1},
		{"entry count 65535 MM", patched(be, func(b []byte) { be.PutUint16(b[8:], 65535) }), 1},
		{"truncated entry", valid[:8+2+6], 1},
		{"orientation 0", tiffExif(le, 0), 1},
		{"orientation 9", tiffExif(le, 9), 1},
		{"orientation 65535", tiffExif(be, 65535), 1},
		{"orientation type ASCII", patched(le, func(b []byte) { le.PutUint16(b[12:], 2) }), 1},
		{"orientation count 2", patched(le, func(b []byte) { le.PutUint32(b[14:], 2) }), 1},
		{"orientation count 0xFFFFFFFF", patched(le, func(b []byte) { le.PutUint32(b[14:], 0xFFFFFFFF) }), 1},
		{"orientation as LONG", patched(le, func(b []byte) { le.PutUint16(b[12:], 4); le.PutUint32(b[18:], 3) }), 3},
	}
	for _, c := range tiffCases {
		t.Run("tiff/"+c.name, func(t *testing.T) {
			if got := tiffOrientation(c.tiff); got != c.want {
				t.Fatalf("tiffOrientation = %d, want %d", got, c.want)
			}
		})
	}

	base := encodeJPEG(t, quadImage(40, 20), 90)
	app1 := func(payload []byte) []byte { return withAPP1(base, payload) }
	sos := bytes.Index(base, []byte{0xFF, 0xDA})
	manyAPP := append([]byte{}, base[:2]...)
	for range 1100 {
		manyAPP = append(manyAPP, 0xFF, 0xE2, 0x00, 0x02) // empty APP2
	}
	manyAPP = append(manyAPP, withAPP1(base, exifPayload(valid))[2:]...)

	// An SOS segment followed by an APP1 where entropy-coded data would be:
	// the scanner must stop at SOS.
	afterSOS := append(append(bytes.Clone(base[:sos]), 0xFF, 0xDA, 0x00, 0x02), withAPP1([]byte{0xFF, 0xD8}, exifPayload(valid))[2:]...)

	jpegCases := []struct {
		name string
		in   []byte
		want int
	}{
		{"control", app1(exifPayload(valid)), 6},
		{"control after JFIF APP0", append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 'J', 'F'}, app1(exifPayload(valid))[2:]...), 6},
		{"control with fill bytes", append([]byte{0xFF, 0xD8, 0xFF, 0xFF, 0xFF}, app1(exifPayload(valid))[2:]...), 6},
		{"random after Exif header", app1(exifPayload(random(500))), 1},
		{"Exif header only", app1([]byte("Exif\x00\x00")), 1},
		{"not Exif APP1 (XMP)", app1(append([]byte("http://ns.adobe.com/xap/1.0/\x00"), valid...)), 1},
		{"APP1 length past end", append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF}, exifPayload(valid)...), 1},
		{"APP1 length 0", append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x00}, exifPayload(valid)...), 1},
		{"APP1 length 1", append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01}, exifPayload(valid)...), 1},
		{"cut inside marker", []byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00}, 1},
		{"cut after SOI", []byte{0xFF, 0xD8}, 1},
		{"only fill bytes", append([]byte{0xFF, 0xD8}, bytes.Repeat([]byte{0xFF}, 1000)...), 1},
		{"Exif after SOS ignored", afterSOS, 1},
		{"more than 1024 segments", manyAPP, 1},
		{"not a jpeg", exifPayload(valid), 1},
	}
	for _, c := range jpegCases {
		t.Run("jpeg/"+c.name, func(t *testing.T) {
			if got := jpegOrientation(c.in); got != c.want {
				t.Fatalf("jpegOrientation = %d, want %d", got, c.want)
			}
		})
	}

	webpCases := []struct {
		name string
		in   []byte
		want int
	}{
		{"raw TIFF", extendedWebP(riffChunk("VP8 ", nil), 8, 1, 1, riffChunk("EXIF", valid)), 6},
		{"with Exif prefix", extendedWebP(riffChunk("VP8 ", nil), 8, 1, 1, riffChunk("EXIF", exifPayload(tiffExif(be, 3)))), 3},
		{"odd chunk padding", extendedWebP(riffChunk("VP8 ", []byte{1}), 8, 1, 1, riffChunk("EXIF", valid)), 6},
		{"chunk size past end", append(extendedWebP(nil, 8, 1, 1), "EXIF\xff\xff\xff\x7f"...), 1},
		{"RIFF size smaller than chunk", func() []byte {
			b := extendedWebP(nil, 8, 1, 1, riffChunk("EXIF", valid))
			binary.LittleEndian.PutUint32(b[4:], 20)
			return b
		}(), 1},
		{"random", append([]byte("RIFF\xff\xff\xff\xffWEBP"), random(300)...), 1},
		{"not webp", []byte("RIFF"), 1},
	}
	for _, c := range webpCases {
		t.Run("webp/"+c.name, func(t *testing.T) {
			if got := webpOrientation(c.in); got != c.want {
				t.Fatalf("webpOrientation = %d, want %d", got, c.want)
			}
		})
	}

	// End to end: garbage EXIF is ignored, the photo is kept as stored.
	for _, in := range [][]byte{
		app1(exifPayload(random(500))),
		app1(exifPayload(patched(le, func(b []byte) { le.PutUint16(b[8:], 65535) }))),
		app1(exifPayload(patched(be, func(b []byte) { be.PutUint32(b[4:], 0xFFFFFFF0) }))),
	} {
		p := mustProcess(t, in, Options{})
		checkClean(t, p)
		if p.Width != 40 || p.Height != 20 {
			t.Errorf("garbage EXIF changed size to %dx%d", p.Width, p.Height)
		}
	}
}

func TestGuardRecoversPanic(t *testing.T) {
	p, err := guard(func() (*Photo, error) { panic("boom") })
	var e *Error
	if p != nil || !errors.As(err, &e) || e.Kind != KindCorrupt || e.Detail != panicDetailPrefix+"boom" {
		t.Fatalf("guard = %v, %v", p, err)
	}
	// A non-*Error from inside is still reported as *Error.
	if _, err := guard(func() (*Photo, error) { return nil, errors.New("x") }); !errors.As(err, &e) || e.Kind != KindCorrupt {
		t.Fatalf("plain error not wrapped: %v", err)
	}
}

func TestErrorMessages(t *testing.T) {
	for k := KindTooLarge; k <= KindCorrupt; k++ {
		msg := (&Error{Kind: k}).Error()
		if msg == "" || msg == (&Error{Kind: 99}).Error() {
			t.Errorf("kind %v has no specific message: %q", k, msg)
		}
		if k.String() == "" || strings.HasPrefix(k.String(), "Kind(") {
			t.Errorf("kind %d has no name", int(k))
		}
	}
	if got := (&Error{Kind: KindTooLarge, Detail: "11 bytes"}).Error(); got != "photo file is too large (11 bytes)" {
		t.Errorf("Error() = %q", got)
	}
}

// ---------------------------------------------------------------------------
// Fuzzing.

// fuzzSeeds returns valid and hostile inputs shared by both fuzz targets.
func fuzzSeeds(t testing.TB) [][]byte {
	base := encodeJPEG(t, quadImage(40, 20), 90)
	smallPNG := encodePNG(t, quadImage(8, 8))
	alphaPNG := encodePNG(t, image.NewNRGBA(image.Rect(0, 0, 5, 3)))
	lossy := readTestdata(t, "blue-purple-pink.lossy.webp")
	withCount := tiffExif(binary.LittleEndian, 6)
	binary.LittleEndian.PutUint16(withCount[8:], 65535)
	pastEnd := tiffExif(binary.BigEndian, 6)
	binary.BigEndian.PutUint32(pastEnd[4:], 0xFFFFFF00)
	return [][]byte{
		base,
		smallPNG,
		alphaPNG,
		lossy,
		readTestdata(t, "gopher-doc.with-alpha.lossless.webp"),
		extendedWebP(vp8Chunk(t, lossy), 0x08, 150, 100, riffChunk("EXIF", tiffExif(binary.LittleEndian, 5))),
		withAPP1(base, exifPayload(tiffExif(binary.LittleEndian, 6))),
		withAPP1(base, exifPayload(tiffExif(binary.BigEndian, 8))),
		withAPP1(base, exifPayload(withCount)),
		withAPP1(base, exifPayload(pastEnd)),
		withAPP1(base, []byte("Exif\x00\x00II*\x00\xff\xff\xff\xff")),
		pngWithSize(smallPNG, 100000, 100000),
		jpegWithSOF(t, base, 60000, 60000),
		[]byte("hello"),
	}
}

// FuzzProcess: Process never panics (a recovered decoder panic counts as a
// failure too) and every accepted output is a clean, bounded JPEG.
func FuzzProcess(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	// Smaller limits than production keep each execution fast so the fuzzer
	// explores more inputs; the code paths are the same.
	opt := Options{MaxPixels: 1 << 20, MaxDimension: 64}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Process(data, opt)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if strings.HasPrefix(e.Detail, panicDetailPrefix) {
				t.Fatalf("recovered panic: %v", err)
			}
			if e.Kind < KindTooLarge || e.Kind > KindCorrupt {
				t.Fatalf("unknown kind %d", e.Kind)
			}
			return
		}
		m := checkClean(t, p)
		if b := m.Bounds(); b.Dx() > opt.MaxDimension || b.Dy() > opt.MaxDimension || b.Dx() < 1 || b.Dy() < 1 {
			t.Fatalf("output %v exceeds MaxDimension %d", b, opt.MaxDimension)
		}
	})
}

// FuzzOrientation: the EXIF reader never panics and only returns 1..8,
// whether the bytes are taken as a JPEG, a WebP or a bare TIFF structure.
func FuzzOrientation(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
		if len(s) > 2 && s[0] == 0xFF {
			if e := jpegExif(s); e != nil {
				f.Add(e)
			}
		}
	}
	f.Add(tiffExif(binary.BigEndian, 7))
	f.Fuzz(func(t *testing.T, data []byte) {
		for name, fn := range map[string]func([]byte) int{
			"jpeg": jpegOrientation, "webp": webpOrientation, "tiff": tiffOrientation,
		} {
			if o := fn(data); o < 1 || o > 8 {
				t.Fatalf("%sOrientation = %d", name, o)
			}
		}
		// Whatever is found, wrapping it as a JPEG APP1 must give the same answer.
		if len(data) <= 60000 {
			want := tiffOrientation(data)
			if got := jpegOrientation(withAPP1([]byte{0xFF, 0xD8}, exifPayload(data))); got != want {
				t.Fatalf("via APP1 %d, bare %d", got, want)
			}
		}
	})
}

// ---------------------------------------------------------------------------
// Benchmark.

// noisyJPEG returns a 3000x2000 photo-like JPEG of about 1 MB: smooth
// gradients plus per-pixel noise, so the entropy coder has real work.
func noisyJPEG(tb testing.TB) []byte {
	const w, h = 3000, 2000
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(42, 42))
	for y := range h {
		for x := range w {
			v := 40 + (x*120)/w + (y*60)/h + int(r.IntN(noiseAmplitude))
			m.Y[y*m.YStride+x] = uint8(min(v, 255))
		}
	}
	for y := range h / 2 {
		for x := range w / 2 {
			m.Cb[y*m.CStride+x] = uint8(100 + (x*50)/(w/2))
			m.Cr[y*m.CStride+x] = uint8(160 - (y*50)/(h/2))
		}
	}
	return encodeJPEG(tb, m, 80)
}

const noiseAmplitude = 24

func BenchmarkProcess1MB(b *testing.B) {
	in := noisyJPEG(b)
	if len(in) < 800<<10 || len(in) > 1400<<10 {
		b.Fatalf("benchmark input is %d bytes, want about 1 MB", len(in))
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Process(in, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender: the resize, flatten and orient step alone, on what the
// 5/8 scaled decode of BenchmarkProcess1MB's input gives.
func BenchmarkRender(b *testing.B) {
	m := image.NewYCbCr(image.Rect(0, 0, 1875, 1250), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(1, 1))
	for i := range m.Y {
		m.Y[i] = uint8(r.Uint32())
	}
	b.ReportAllocs()
	for b.Loop() {
		render(m, 1600, 1067, 1)
	}
}
