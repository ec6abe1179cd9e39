package jpeg

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testFiles are image/jpeg's own test images (from the Go source tree's
// image/testdata): every subsampling ratio, progressive, restart markers,
// grayscale, RGB, CMYK and a truncated file.
func testFiles(t testing.TB) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob("testdata/*.jpeg")
	if err != nil || len(names) == 0 {
		t.Fatalf("no test images: %v", err)
	}
	files := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(n)] = b
	}
	return files
}

// photo returns a w x h 4:2:0 image with smooth gradients and noise, like
// a photo as far as the codec is concerned.
func photo(w, h int, seed uint64) *image.YCbCr {
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(seed, seed))
	for y := range h {
		for x := range w {
			v := 40 + (x*120)/w + (y*60)/h + r.IntN(24)
			m.Y[y*m.YStride+x] = uint8(min(v, 255))
		}
	}
	cw, ch := (w+1)/2, (h+1)/2
	for y := range ch {
		for x := range cw {
			m.Cb[y*m.CStride+x] = uint8(100 + (x*50)/cw + r.IntN(8))
			m.Cr[y*m.CStride+x] = uint8(160 - (y*50)/ch + r.IntN(8))
		}
	}
	return m
}

func stdEncode(t testing.TB, m image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := stdjpeg.Encode(&b, m, &stdjpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// samePixels reports the first difference between two images, or "".
func samePixels(a, b image.Image) string {
	if a.Bounds() != b.Bounds() {
		return fmt.Sprintf("bounds %v vs %v", a.Bounds(), b.Bounds())
	}
	if fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) {
		return fmt.Sprintf("types %T vs %T", a, b)
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if ca, cb := a.At(x, y), b.At(x, y); ca != cb {
				return fmt.Sprintf("(%d,%d): %v vs %v", x, y, ca, cb)
			}
		}
	}
	return ""
}

// TestDecodeFullScaleMatchesStdlib: at 8/8 the fork decodes exactly as
// image/jpeg, for every kind of file it supports, and rejects what it
// rejects.
func TestDecodeFullScaleMatchesStdlib(t *testing.T) {
	inputs := testFiles(t)
	for _, s := range []struct{ w, h int }{{1, 1}, {7, 5}, {16, 16}, {33, 17}, {100, 75}} {
		inputs[fmt.Sprintf("photo %dx%d", s.w, s.h)] = stdEncode(t, photo(s.w, s.h, 1), 90)
	}
	inputs["gray 37x21"] = stdEncode(t, image.NewGray(image.Rect(0, 0, 37, 21)), 75)
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			want, wantErr := stdjpeg.Decode(bytes.NewReader(data))
			got, err := Decode(data, 8)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("error %v, image/jpeg says %v", err, wantErr)
			}
			if err != nil {
				return
			}
			if d := samePixels(got, want); d != "" {
				t.Fatalf("differs from image/jpeg: %s", d)
			}
			cfg, err := DecodeConfig(data)
			stdCfg, _ := stdjpeg.DecodeConfig(bytes.NewReader(data))
			if err != nil || cfg != stdCfg {
				t.Fatalf("DecodeConfig = %+v, %v; image/jpeg says %+v", cfg, err, stdCfg)
			}
		})
	}
}

// TestDecodeScaled: every scale gives the promised size, and planes close
// to the full-size decode's planes shrunk by averaging.
func TestDecodeScaled(t *testing.T) {
	// A smooth picture, so that the shrunk references do not depend much
	// on the filter.
	const w, h = 203, 97
	src := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/w, float64(y)/h
			src.Set(x, y, color.RGBA{
				uint8(128 + 100*math.Sin(6*fx+2*fy)),
				uint8(128 + 100*math.Cos(4*fy-3*fx)),
				uint8(255 * fx * fy), 255})
		}
	}
	inputs := testFiles(t)
	inputs["smooth"] = stdEncode(t, src, 95)
	for name, data := range inputs {
		full, err := Decode(data, 8)
		if err != nil {
			continue
		}
		for n := 1; n <= 8; n++ {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				m, err := Decode(data, n)
				if err != nil {
					t.Fatal(err)
				}
				fb := full.Bounds()
				w, h := ScaledSize(fb.Dx(), fb.Dy(), n)
				if b := m.Bounds(); b.Dx() != w || b.Dy() != h || b.Min != (image.Point{}) {
					t.Fatalf("bounds %v, want %dx%d", b, w, h)
				}
				if name != "smooth" {
					return
				}
				f, s := full.(*image.YCbCr), m.(*image.YCbCr)
				cw, ch := (w+1)/2, (h+1)/2
				fcw, fch := (fb.Dx()+1)/2, (fb.Dy()+1)/2
				for _, p := range []struct {
					name               string
					got, full          []byte
					stride, fs         int
					w, h, fullW, fullH int
				}{
					{"Y", s.Y, f.Y, s.YStride, f.YStride, w, h, fb.Dx(), fb.Dy()},
					{"Cb", s.Cb, f.Cb, s.CStride, f.CStride, cw, ch, fcw, fch},
					{"Cr", s.Cr, f.Cr, s.CStride, f.CStride, cw, ch, fcw, fch},
				} {
					// Each output sample against the mean of the 8/n
					// square of full-size samples it stands for (the
					// last row and column stand for partial squares).
					var sum, count float64
					for y := range p.h - 1 {
						for x := range p.w - 1 {
							var ref, k float64
							for sy := y * 8 / n; sy < (y+1)*8/n; sy++ {
								for sx := x * 8 / n; sx < (x+1)*8/n; sx++ {
									ref += float64(p.full[sy*p.fs+sx])
									k++
								}
							}
							sum += math.Abs(float64(p.got[y*p.stride+x]) - ref/k)
							count++
						}
					}
					if mean := sum / count; mean > 2 {
						t.Errorf("%s: mean difference from the averaged full decode is %.2f", p.name, mean)
					}
				}
			})
		}
	}
}

// TestIDCTScaled compares the fixed-point scaled IDCT with the formula in
// floating point.
func TestIDCTScaled(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for iter := range 2000 {
		var b block
		// Realistic blocks: large low frequencies, small or zero high ones.
		for v := range 8 {
			for u := range 8 {
				if r.IntN(3) == 0 || (iter%4 == 0 && u+v > 0) {
					continue
				}
				b[v*8+u] = int32(r.NormFloat64() * 600 / float64(1+u+v))
			}
		}
		b[0] = int32(r.IntN(2048) - 1024)
		for m := 1; m <= 7; m++ {
			got := make([]byte, 8*8)
			c := b
			idctScaled(&c, m, got, 8)
			for y := range m {
				for x := range m {
					var sum float64
					for v := range m {
						for u := range m {
							cu, cv := 1.0, 1.0
							if u == 0 {
								cu = 1 / math.Sqrt2
							}
							if v == 0 {
								cv = 1 / math.Sqrt2
							}
							sum += cu * cv / 4 * float64(b[v*8+u]) *
								math.Cos(float64((2*x+1)*u)*math.Pi/float64(2*m)) *
								math.Cos(float64((2*y+1)*v)*math.Pi/float64(2*m))
						}
					}
					want := math.Max(0, math.Min(255, math.Round(sum+128)))
					if d := math.Abs(float64(got[y*8+x]) - want); d > 1 {
						t.Fatalf("m=%d (%d,%d): %d, formula gives %v", m, x, y, got[y*8+x], want)
					}
				}
			}
		}
	}
}

// TestRejectsCorrupt: truncations and damage never panic, and a file cut
// inside its entropy-coded data is rejected.
func TestRejectsCorrupt(t *testing.T) {
	data := stdEncode(t, photo(64, 48, 2), 90)
	sos := bytes.Index(data, []byte{0xff, 0xda})
	for _, cut := range []int{sos + 20, len(data) / 2, len(data) - 40} {
		for n := 1; n <= 8; n++ {
			if _, err := Decode(data[:cut], n); err == nil {
				t.Errorf("cut at %d of %d, scale %d/8: no error", cut, len(data), n)
			}
		}
	}
	// A marker in the middle of the data: image/jpeg's "missing 0xff00".
	bad := bytes.Clone(data)
	bad[sos+40], bad[sos+41] = 0xff, 0xd9
	if _, err := Decode(bad, 4); err == nil {
		t.Error("marker inside the scan: no error")
	}
	// An over-subscribed Huffman table: three 1-bit codes.
	dht := bytes.Index(data, []byte{0xff, 0xc4})
	bad = bytes.Clone(data)
	bad[dht+5] = 3
	if _, err := Decode(bad, 8); err == nil {
		t.Error("over-subscribed Huffman table: no error")
	}
}

func TestDecodeBadScale(t *testing.T) {
	data := stdEncode(t, photo(8, 8, 1), 90)
	for _, n := range []int{0, 9, -1} {
		if _, err := Decode(data, n); err == nil {
			t.Errorf("scale %d: no error", n)
		}
	}
}

// FuzzDecode: whatever the input, Decode does not panic, returns the
// promised size, and at 8/8 accepts nothing image/jpeg rejects and
// decodes exactly as it does.
func FuzzDecode(f *testing.F) {
	for _, b := range testFiles(f) {
		f.Add(b, uint8(8))
	}
	f.Add(stdEncode(f, photo(40, 24, 5), 50), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, n uint8) {
		cfg, err := DecodeConfig(data)
		if err != nil || cfg.Width*cfg.Height > 1<<20 {
			return
		}
		n = n%8 + 1
		m, err := Decode(data, int(n))
		if err != nil {
			return
		}
		w, h := ScaledSize(cfg.Width, cfg.Height, int(n))
		if b := m.Bounds(); b.Dx() != w || b.Dy() != h {
			t.Fatalf("bounds %v, want %dx%d", b, w, h)
		}
		if n != 8 {
			return
		}
		want, err := stdjpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("accepted, image/jpeg says %v", err)
		}
		if d := samePixels(m, want); d != "" {
			t.Fatalf("differs from image/jpeg: %s", d)
		}
	})
}

func benchmarkDecode(b *testing.B, n int) {
	data := stdEncode(b, photo(3000, 2000, 42), 80)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data, n); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode8(b *testing.B) { benchmarkDecode(b, 8) }
func BenchmarkDecode5(b *testing.B) { benchmarkDecode(b, 5) }
func BenchmarkDecode4(b *testing.B) { benchmarkDecode(b, 4) }

func BenchmarkStdlibDecode(b *testing.B) {
	data := stdEncode(b, photo(3000, 2000, 42), 80)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := stdjpeg.Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode1(b *testing.B) { benchmarkDecode(b, 1) }

// TestTooManyScans: a file made of thousands of scans is refused instead of
// burning CPU on each of them.
func TestTooManyScans(t *testing.T) {
	data, err := os.ReadFile("testdata/video-001.progressive.jpeg")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(data, 8); err != nil {
		t.Fatalf("a normal progressive JPEG: %v", err)
	}
	// Repeat its first scan (SOS segment and entropy-coded data up to the
	// next marker) past the limit, just before the next marker.
	sos := bytes.Index(data, []byte{0xff, 0xda})
	next := sos + 2
	for next < len(data)-1 && !(data[next] == 0xff && data[next+1] != 0 && (data[next+1] < 0xd0 || data[next+1] > 0xd7)) {
		next++
	}
	scan := data[sos:next]
	var b bytes.Buffer
	b.Write(data[:next])
	for range maxScans + 1 {
		b.Write(scan)
	}
	b.Write(data[next:])
	if _, err := Decode(b.Bytes(), 8); err == nil || !strings.Contains(err.Error(), "too many scans") {
		t.Fatalf("%d scans: %v", maxScans+2, err)
	}
}
