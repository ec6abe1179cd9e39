package photos

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/draw"
)

// smoothImage is a w x h picture with gentle colour waves: a resize of it
// should come out nearly the same whatever reasonable filter is used.
func smoothImage(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			m.SetRGBA(x, y, color.RGBA{
				uint8(128 + 100*math.Sin(5*fx+2*fy)),
				uint8(128 + 100*math.Cos(3*fy-4*fx)),
				uint8(40 + 180*fx*fy), 255})
		}
	}
	return m
}

// meanDiff is the mean absolute difference of R, G and B between a and b,
// which must have the same size.
func meanDiff(t *testing.T, a, b image.Image) float64 {
	t.Helper()
	if a.Bounds().Size() != b.Bounds().Size() {
		t.Fatalf("sizes %v and %v", a.Bounds(), b.Bounds())
	}
	var sum float64
	ra, rb := a.Bounds(), b.Bounds()
	for y := range ra.Dy() {
		for x := range ra.Dx() {
			r1, g1, b1, _ := a.At(ra.Min.X+x, ra.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(rb.Min.X+x, rb.Min.Y+y).RGBA()
			for _, d := range []int{int(r1>>8) - int(r2>>8), int(g1>>8) - int(g2>>8), int(b1>>8) - int(b2>>8)} {
				sum += math.Abs(float64(d))
			}
		}
	}
	return sum / float64(3*ra.Dx()*ra.Dy())
}

// TestFilter: weights sum to one, are never negative, stay inside the
// source, and the filter is the identity at scale 1 (mirrored if asked).
func TestFilter(t *testing.T) {
	for _, c := range []struct {
		srcN, srcSub         int
		srcLen               float64
		dstN, dstSub, dstLen int
	}{
		{100, 1, 100, 100, 1, 100},
		{3000, 1, 3000, 1600, 1, 1600},
		{1875, 1, 1875, 1600, 1, 1600},
		{938, 2, 1875, 800, 2, 1600},
		{1001, 1, 1001, 501, 2, 1001}, // full-resolution chroma to 4:2:0
		{250, 4, 1000, 500, 2, 1000},  // 4:1:1 chroma: enlarged
		{30000, 1, 30000, 1600, 1, 1600},
		{5, 1, 5, 1, 1, 1},
		{1, 1, 1, 1, 1, 1},
		{1, 2, 1, 1, 2, 1},
	} {
		for _, flip := range []bool{false, true} {
			f := newFilter(c.srcN, c.srcSub, c.srcLen, c.dstN, c.dstSub, c.dstLen, flip)
			name := fmt.Sprintf("%+v flip=%v", c, flip)
			if len(f.start) != c.dstN || len(f.weight) != c.dstN*f.n {
				t.Fatalf("%s: %d outputs, %d weights, n=%d", name, len(f.start), len(f.weight), f.n)
			}
			for i, s := range f.start {
				if s < 0 || s+f.n > c.srcN {
					t.Fatalf("%s: output %d reads %d..%d of %d", name, i, s, s+f.n, c.srcN)
				}
				var sum int32
				for _, w := range f.weight[i*f.n : (i+1)*f.n] {
					if w < 0 {
						t.Fatalf("%s: negative weight", name)
					}
					sum += w
				}
				if sum != 1<<weightBits {
					t.Fatalf("%s: output %d weights sum to %d", name, i, sum)
				}
			}
			if c.srcN == c.dstN && c.srcSub == c.dstSub && c.srcLen == float64(c.dstLen) {
				src := make([]uint8, c.srcN)
				for i := range src {
					src[i] = uint8(i * 7)
				}
				got := make([]uint8, c.dstN)
				f.horizontal(plane{pix: got, stride: c.dstN, w: c.dstN, h: 1}, plane{pix: src, stride: c.srcN, w: c.srcN, h: 1}, false)
				for i, v := range got {
					want := src[i]
					if flip {
						want = src[c.srcN-1-i]
					}
					if v != want {
						t.Fatalf("%s: not the identity at %d: %d, want %d", name, i, v, want)
					}
				}
			}
		}
	}
}

// TestRenderBoxAverage: shrinking by 2 or 4 is the exact average of each
// 2x2 or 4x4 square.
func TestRenderBoxAverage(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	src := image.NewGray(image.Rect(0, 0, 64, 48))
	for i := range src.Pix {
		src.Pix[i] = uint8(r.Uint32())
	}
	for _, k := range []int{2, 4} {
		got := render(src, 64/k, 48/k, 1)
		for y := range 48 / k {
			for x := range 64 / k {
				sum := 0
				for dy := range k {
					for dx := range k {
						sum += int(src.GrayAt(k*x+dx, k*y+dy).Y)
					}
				}
				want := (sum + k*k/2) / (k * k)
				if d := int(got.Y[y*got.YStride+x]) - want; d < -1 || d > 1 {
					t.Fatalf("1/%d at (%d,%d): %d, average is %d", k, x, y, got.Y[y*got.YStride+x], want)
				}
			}
		}
	}
}

// TestRenderMatchesReference: on a smooth picture, every kind of source
// resized (and oriented) comes out close to x/image/draw's Catmull-Rom
// resize of the same picture, oriented after.
func TestRenderMatchesReference(t *testing.T) {
	const sw, sh = 301, 203
	src := smoothImage(sw, sh)
	sources := map[string]image.Image{"RGBA": src}
	nrgba := image.NewNRGBA(src.Rect)
	draw.Draw(nrgba, src.Rect, src, image.Point{}, draw.Src)
	sources["NRGBA"] = nrgba
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio411} {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, src, &jpeg.Options{Quality: 100}); err != nil {
			t.Fatal(err)
		}
		y := image.NewYCbCr(src.Rect, ratio)
		for py := range sh {
			for px := range sw {
				c := src.RGBAAt(px, py)
				yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
				y.Y[y.YOffset(px, py)] = yy
				y.Cb[y.COffset(px, py)] = cb
				y.Cr[y.COffset(px, py)] = cr
			}
		}
		sources["YCbCr "+ratio.String()] = y
	}

	for name, img := range sources {
		for _, size := range []struct{ w, h int }{{sw, sh}, {150, 101}, {97, 65}, {40, 27}} {
			ref := image.NewRGBA(image.Rect(0, 0, size.w, size.h))
			draw.CatmullRom.Scale(ref, ref.Rect, img, img.Bounds(), draw.Src, nil)
			for o := 1; o <= 8; o++ {
				t.Run(fmt.Sprintf("%s/%dx%d/%d", name, size.w, size.h, o), func(t *testing.T) {
					w, h := size.w, size.h
					if o >= 5 {
						w, h = h, w
					}
					got := render(img, w, h, o)
					for i, d := range planeDiff(got, orientRef(ref, o)) {
						if d > 1.5 {
							t.Errorf("plane %d: mean difference from the reference is %.2f", i, d)
						}
					}
				})
			}
		}
	}
}

// planeDiff compares the planes of got with ref converted to 4:2:0 YCbCr
// (chroma averaged over 2x2), and returns the mean absolute difference of
// each: the output has half-resolution chroma, so that is what it should
// match.
func planeDiff(got *image.YCbCr, ref *image.RGBA) [3]float64 {
	w, h := ref.Rect.Dx(), ref.Rect.Dy()
	var sum, n [3]float64
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := ref.RGBAAt(x, y)
			yy, _, _ := color.RGBToYCbCr(c.R, c.G, c.B)
			sum[0] += math.Abs(float64(got.Y[got.YOffset(x, y)]) - float64(yy))
			n[0]++
		}
	}
	for y := 0; y+1 < h; y += 2 {
		for x := 0; x+1 < w; x += 2 {
			var cb, cr float64
			for _, d := range []image.Point{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				c := ref.RGBAAt(x+d.X, y+d.Y)
				_, b, r := color.RGBToYCbCr(c.R, c.G, c.B)
				cb += float64(b) / 4
				cr += float64(r) / 4
			}
			o := got.COffset(x, y)
			sum[1] += math.Abs(float64(got.Cb[o]) - cb)
			sum[2] += math.Abs(float64(got.Cr[o]) - cr)
			n[1]++
			n[2]++
		}
	}
	return [3]float64{sum[0] / n[0], sum[1] / n[1], sum[2] / n[2]}
}

// orientRef applies an EXIF orientation the obvious way, pixel by pixel.
func orientRef(src *image.RGBA, o int) *image.RGBA {
	W, H := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := W, H
	if o >= 5 {
		dw, dh = H, W
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		for x := range dw {
			sx, sy := x, y
			switch o {
			case 2:
				sx, sy = W-1-x, y
			case 3:
				sx, sy = W-1-x, H-1-y
			case 4:
				sx, sy = x, H-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, H-1-x
			case 7:
				sx, sy = W-1-y, H-1-x
			case 8:
				sx, sy = W-1-y, x
			}
			dst.SetRGBA(x, y, src.RGBAAt(sx, sy))
		}
	}
	return dst
}

// TestFlatten: every kind of transparent source becomes the colour over
// white.
func TestFlatten(t *testing.T) {
	// Half-transparent pure red over white is (255, 128, 128).
	want := color.RGBA{255, 128, 128, 255}
	half := color.NRGBA{255, 0, 0, 128}
	rect := image.Rect(0, 0, 6, 4)
	nrgba := image.NewNRGBA(rect)
	rgba := image.NewRGBA(rect)
	rgba64 := image.NewNRGBA64(rect)
	pal := image.NewPaletted(rect, color.Palette{half, color.Black})
	nycc := image.NewNYCbCrA(rect, image.YCbCrSubsampleRatio420)
	yy, cb, cr := color.RGBToYCbCr(255, 0, 0)
	for y := range 4 {
		for x := range 6 {
			nrgba.Set(x, y, half)
			rgba.Set(x, y, half)
			rgba64.Set(x, y, half)
			nycc.Y[nycc.YOffset(x, y)] = yy
			nycc.Cb[nycc.COffset(x, y)] = cb
			nycc.Cr[nycc.COffset(x, y)] = cr
			nycc.A[nycc.AOffset(x, y)] = 128
		}
	}
	for name, img := range map[string]image.Image{"NRGBA": nrgba, "RGBA": rgba, "NRGBA64": rgba64, "Paletted": pal, "NYCbCrA": nycc} {
		got := render(img, 6, 4, 1)
		if c := got.At(3, 2); !near(c, want, 4) {
			t.Errorf("%s: %v, want about %v", name, c, want)
		}
	}
}

func TestToYCbCr(t *testing.T) {
	for r := 0; r < 256; r += 3 {
		for g := 0; g < 256; g += 5 {
			for b := range 256 {
				y1, cb1, cr1 := toYCbCr(uint8(r), uint8(g), uint8(b))
				y2, cb2, cr2 := color.RGBToYCbCr(uint8(r), uint8(g), uint8(b))
				if y1 != y2 || cb1 != cb2 || cr1 != cr2 {
					t.Fatalf("toYCbCr(%d, %d, %d) = %d %d %d, color.RGBToYCbCr gives %d %d %d", r, g, b, y1, cb1, cr1, y2, cb2, cr2)
				}
			}
		}
	}
}

// TestProcessQuality: a photo JPEG through Process looks like the
// straightforward full decode resized with Catmull-Rom, in every
// orientation. 1500x1000 into 800 is decoded at 5/8 and then resized, as
// a 3000x2000 phone photo into 1600 is.
func TestProcessQuality(t *testing.T) {
	src := smoothImage(1500, 1000)
	// Some texture on top of the waves, as in a real photo.
	r := rand.New(rand.NewPCG(5, 6))
	for i := range src.Pix {
		if i%4 != 3 {
			src.Pix[i] = uint8(min(max(int(src.Pix[i])+r.IntN(9)-4, 0), 255))
		}
	}
	base := encodeJPEG(t, src, 90)
	full, err := jpeg.Decode(bytes.NewReader(base))
	if err != nil {
		t.Fatal(err)
	}
	ref := image.NewRGBA(image.Rect(0, 0, 800, 533))
	draw.CatmullRom.Scale(ref, ref.Rect, full, full.Bounds(), draw.Src, nil)
	for o := 1; o <= 8; o++ {
		p := mustProcess(t, withAPP1(base, exifPayload(tiffExif(binary.LittleEndian, uint16(o)))), Options{MaxDimension: 800})
		got := checkClean(t, p)
		if d := meanDiff(t, got, orientRef(ref, o)); d > 1.5 {
			t.Errorf("orientation %d: mean difference from the reference is %.2f", o, d)
		}
	}
}

// TestProcessJPEGKinds: every kind of JPEG image/jpeg decodes (all chroma
// subsamplings, progressive, restart markers, gray, RGB, CMYK) comes out
// of Process like image/jpeg's decode resized with x/image/draw.
func TestProcessJPEGKinds(t *testing.T) {
	names, err := filepath.Glob("jpeg/testdata/*.jpeg")
	if err != nil || len(names) == 0 {
		t.Fatalf("no test images: %v", err)
	}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		full, stdErr := jpeg.Decode(bytes.NewReader(data))
		for _, maxDim := range []int{1600, 100, 37} {
			t.Run(fmt.Sprintf("%s/%d", filepath.Base(name), maxDim), func(t *testing.T) {
				p, err := Process(data, Options{MaxDimension: maxDim})
				if stdErr != nil {
					if err == nil {
						t.Fatalf("accepted; image/jpeg says %v", stdErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got := checkClean(t, p).(*image.YCbCr)
				ref := image.NewRGBA(image.Rect(0, 0, p.Width, p.Height))
				draw.BiLinear.Scale(ref, ref.Rect, full, full.Bounds(), draw.Src, nil)
				// Loose bounds: this is a detailed picture, the smaller
				// outputs are re-encoded at only a few blocks, and the
				// filters differ; a misplaced or mis-coloured picture is
				// off by tens.
				limit := map[int]float64{1600: 4.5, 100: 5, 37: 8}[maxDim]
				for i, d := range planeDiff(got, ref) {
					if d > limit {
						t.Errorf("plane %d: mean difference from the reference is %.2f", i, d)
					}
				}
			})
		}
	}
}

// TestJPEGScale: the scaled decode always covers the output, and is
// skipped when there is nothing to shrink.
func TestJPEGScale(t *testing.T) {
	for _, c := range []struct{ w, h, tw, th, n int }{
		{3000, 2000, 1600, 1067, 5},
		{4032, 3024, 1600, 1200, 4},
		{4000, 3000, 1600, 1200, 4},
		{30000, 20000, 1600, 1067, 1},
		{1600, 1200, 1600, 1200, 8},
		{3, 3, 3, 3, 8},
		{1601, 1601, 1600, 1600, 8},
		{3200, 100, 1600, 50, 4},
	} {
		if n := jpegScale(c.w, c.h, c.tw, c.th); n != c.n {
			t.Errorf("jpegScale(%d, %d, %d, %d) = %d, want %d", c.w, c.h, c.tw, c.th, n, c.n)
		}
	}
}

// TestNotResizedIsFaithful: a JPEG that needs no resizing is decoded at
// full size and only re-encoded.
func TestNotResizedIsFaithful(t *testing.T) {
	src := smoothImage(203, 97)
	in := encodeJPEG(t, src, 95)
	want, err := jpeg.Decode(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	got := checkClean(t, mustProcess(t, in, Options{JPEGQuality: 95}))
	if d := meanDiff(t, got, want); d > 0.5 {
		t.Errorf("mean difference from the input is %.2f", d)
	}
}

// TestProcessFineDetail: thin dark strokes (digits, labels) in a photo
// JPEG come out of the scaled decode as they do from a full-size decode
// resized by render. The scaled decode drops each block's highest
// frequencies instead of filtering across blocks; on camera-sharp detail
// that makes no visible difference, which is what this checks. (On
// full-contrast 1-pixel stripes, which a camera's optics do not deliver,
// it leaves a faint ripple that the full-size path does not.)
func TestProcessFineDetail(t *testing.T) {
	const w, h = 1500, 1000
	r := rand.New(rand.NewPCG(9, 9))
	f := make([]float64, w*h)
	for i := range f {
		f[i] = 220
	}
	for range 1500 {
		x, y, sw, l := r.IntN(w-40), r.IntN(h-40), 1+r.IntN(3), 5+r.IntN(30)
		dx, dy := sw, l
		if r.IntN(2) == 0 {
			dx, dy = l, sw
		}
		for yy := y; yy < y+dy; yy++ {
			for xx := x; xx < x+dx; xx++ {
				f[yy*w+xx] = 30
			}
		}
	}
	// A little lens blur (a 1-2-1 kernel each way) and sensor noise.
	src := image.NewGray(image.Rect(0, 0, w, h))
	at := func(x, y int) float64 { return f[min(max(y, 0), h-1)*w+min(max(x, 0), w-1)] }
	for y := range h {
		for x := range w {
			var s float64
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					s += at(x+dx, y+dy) * float64((2-dx*dx)*(2-dy*dy))
				}
			}
			src.Pix[y*w+x] = uint8(min(max(s/16+r.NormFloat64()*2, 0), 255))
		}
	}
	in := encodeJPEG(t, src, 92)
	full, err := jpeg.Decode(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := render(full, 800, 533, 1)
	got := checkClean(t, mustProcess(t, in, Options{MaxDimension: 800, JPEGQuality: 95})).(*image.YCbCr)
	var sum float64
	var big int
	for y := range 533 {
		for x := range 800 {
			d := math.Abs(float64(got.Y[got.YOffset(x, y)]) - float64(want.Y[want.YOffset(x, y)]))
			sum += d
			if d > 16 {
				big++
			}
		}
	}
	if mean := sum / (800 * 533); mean > 1.5 || big > 800*533/100 {
		t.Errorf("mean difference %.2f, %d pixels off by more than 16", mean, big)
	}
}
