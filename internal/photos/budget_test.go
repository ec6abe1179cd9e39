package photos

import (
	"errors"
	"image"
	"math/rand/v2"
	"runtime"
	"testing"

	"honestmeasure/internal/photos/jpeg"
	"honestmeasure/internal/photos/phototest"
)

// measureProcess returns the budget inspect works out for data and what
// decoding it really allocates (TotalAlloc, with the scratch pool emptied
// first so that its buffers count, plus the input), which bounds the peak
// of what is live at once.
func measureProcess(t *testing.T, data []byte, opt Options) (budget, allocated int64) {
	t.Helper()
	opt = opt.withDefaults()
	h, err := inspect(data, opt)
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	runtime.GC()
	runtime.GC() // a sync.Pool survives one collection
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := decode(data, h, opt); err != nil {
		t.Fatalf("decode: %v", err)
	}
	runtime.ReadMemStats(&after)
	return h.budget, int64(after.TotalAlloc-before.TotalAlloc) + int64(cap(data))
}

func pngOf(w, h int, ct, depth byte, interlaced, trns bool) []byte {
	return phototest.PNG(phototest.PNGSpec{W: w, H: h, ColorType: ct, Depth: depth, Interlaced: interlaced, TRNS: trns})
}

// TestBudgetBoundsAllocations: for every kind of image the decoders make,
// the budget worked out from the header is at least what is really
// allocated, and on the large images (where it matters) at most about
// twice that: an upper bound, and not a useless one.
func TestBudgetBoundsAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes about 500 MB of pixels")
	}
	noisy := noisyJPEG(t)
	// A noise PNG: what the resizer's flatten path meets in a real photo.
	nrgba := image.NewNRGBA(image.Rect(0, 0, 1200, 900))
	r := rand.New(rand.NewPCG(3, 3))
	for i := range nrgba.Pix {
		nrgba.Pix[i] = uint8(r.Uint32())
	}
	gray := image.NewGray(image.Rect(0, 0, 2000, 1500))
	rgbJPEG := encodeJPEG(t, quadImage(2400, 1600), 90) // 4:2:0 YCbCr
	tests := []struct {
		name     string
		data     []byte
		maxRatio float64 // budget / allocated
	}{
		{"png rgba16 2000x2000", pngOf(2000, 2000, phototest.RGBA, 16, false, false), 1.3},
		{"png rgb16 2000x1500", pngOf(2000, 1500, phototest.RGB, 16, false, false), 1.3},
		{"png rgb16+trns 2000x1500", pngOf(2000, 1500, phototest.RGB, 16, false, true), 1.3},
		{"png gray16 2400x2400", pngOf(2400, 2400, phototest.Gray, 16, false, false), 1.4},
		{"png gray16+trns 2000x1500", pngOf(2000, 1500, phototest.Gray, 16, false, true), 1.3},
		{"png gray8 3000x2000", pngOf(3000, 2000, phototest.Gray, 8, false, false), 1.6},
		{"png gray1 3000x2000", pngOf(3000, 2000, phototest.Gray, 1, false, false), 1.6},
		{"png gray8+trns 2000x1500", pngOf(2000, 1500, phototest.Gray, 8, false, true), 1.4},
		{"png graya8 2000x1500", pngOf(2000, 1500, phototest.GrayAlpha, 8, false, false), 1.4},
		{"png rgb8 3000x2000", pngOf(3000, 2000, phototest.RGB, 8, false, false), 1.4},
		{"png rgba8 3000x2000", pngOf(3000, 2000, phototest.RGBA, 8, false, false), 1.4},
		{"png rgba8 interlaced 3000x2000", pngOf(3000, 2000, phototest.RGBA, 8, true, false), 1.4},
		{"png rgba16 interlaced 2000x1500", pngOf(2000, 1500, phototest.RGBA, 16, true, false), 1.4},
		{"png paletted8 4000x3000", pngOf(4000, 3000, phototest.Paletted, 8, false, false), 1.6},
		{"png paletted1+trns interlaced 4000x3000", pngOf(4000, 3000, phototest.Paletted, 1, true, true), 1.6},
		{"png noise nrgba 1200x900", encodePNG(t, nrgba), 2},
		{"png noise gray 2000x1500", encodePNG(t, gray), 2},
		{"jpeg progressive 4:2:0 4000x3000", phototest.JPEG(4000, 3000, 0x22, true), 1.3},
		{"jpeg progressive 4:4:4 3000x2000", phototest.JPEG(3000, 2000, 0x11, true), 1.3},
		{"jpeg baseline 4:2:0 7744x5164", phototest.JPEG(7744, 5164, 0x22, false), 2},
		{"jpeg baseline 4:4:4 4000x3000", phototest.JPEG(4000, 3000, 0x11, false), 2},
		{"jpeg noise 3000x2000 (1 MB)", noisy, 2},
		{"jpeg 2400x1600", rgbJPEG, 2},
		{"jpeg cmyk", readTestdata(t, "../jpeg/testdata/video-001.cmyk.jpeg"), 4},
		{"jpeg progressive 4:1:0", readTestdata(t, "../jpeg/testdata/video-001.q50.410.progressive.jpeg"), 4},
		{"webp lossless 3000x2000", phototest.LosslessWebP(3000, 2000), 2},
		{"webp lossless with alpha", readTestdata(t, "gopher-doc.with-alpha.lossless.webp"), 6},
		{"webp lossy", readTestdata(t, "blue-purple-pink.lossy.webp"), 6},
	}
	for _, tt := range tests {
		budget, got := measureProcess(t, tt.data, Options{})
		ratio := float64(budget) / float64(got)
		t.Logf("%-40s %8d KB file  budget %7.1f MB  allocated %7.1f MB  ratio %.2f", tt.name, len(tt.data)>>10,
			float64(budget)/(1<<20), float64(got)/(1<<20), ratio)
		if budget < got {
			t.Errorf("%s: budget %d < allocated %d", tt.name, budget, got)
		}
		// Small images: the fixed overhead dominates the ratio.
		if ratio > tt.maxRatio && budget-got > 1<<20 {
			t.Errorf("%s: budget %d is %.2f times what is allocated (%d), want at most %.1f", tt.name, budget, ratio, got, tt.maxRatio)
		}
	}
}

// TestBombsRefused: the bombs of the issue are refused from their header,
// with the dimensions message, while real photos of the same sizes pass.
func TestBombsRefused(t *testing.T) {
	refused := []struct {
		name string
		data []byte
	}{
		{"png rgba16 6300x6300 (the issue's 309 KB file)", phototest.PNGHeader(phototest.PNGSpec{W: 6300, H: 6300, ColorType: phototest.RGBA, Depth: 16})},
		{"png rgba8 6300x6300", phototest.PNGHeader(phototest.PNGSpec{W: 6300, H: 6300, ColorType: phototest.RGBA, Depth: 8})},
		{"png rgb8 interlaced 4500x4500", phototest.PNGHeader(phototest.PNGSpec{W: 4500, H: 4500, ColorType: phototest.RGB, Depth: 8, Interlaced: true})},
		{"jpeg progressive 4:2:0 7744x5164", phototest.JPEG(7744, 5164, 0x22, true)},
		{"jpeg progressive 4:4:4 4000x3000", phototest.JPEG(4000, 3000, 0x11, true)},
		{"webp lossless 6300x6300", phototest.LosslessWebP(6300, 6300)},
	}
	for _, tt := range refused {
		_, err := Process(tt.data, Options{})
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindTooManyPixels {
			t.Errorf("%s: got %v, want KindTooManyPixels", tt.name, err)
			continue
		}
		t.Logf("%s (%d KB): %v", tt.name, len(tt.data)>>10, err)
	}
	// Ordinary photos, and a 40-megapixel JPEG: accepted, budget well under the limit.
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"jpeg baseline 4:2:0 4000x3000 (12 MP phone)", phototest.JPEG(4000, 3000, 0x22, false)},
		{"jpeg progressive 4:2:0 4000x3000", phototest.JPEG(4000, 3000, 0x22, true)},
		{"jpeg baseline 4:2:0 7744x5164 (40 MP)", phototest.JPEG(7744, 5164, 0x22, false)},
		{"jpeg baseline 4:4:4 7744x5164 (40 MP)", phototest.JPEG(7744, 5164, 0x11, false)},
	} {
		h, err := inspect(tt.data, DefaultOptions())
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		t.Logf("%s: budget %.1f MB", tt.name, float64(h.budget)/(1<<20))
		if _, err := Process(tt.data, Options{}); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

// TestBudgetThresholds: for each kind of bomb, the largest image whose
// budget fits under MaxMemory is decoded, and one a little larger is
// refused; these are also the worst files an attacker can still get
// decoded, which the fault test sends.
func TestBudgetThresholds(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes about 600 MB of pixels")
	}
	opt := Options{MaxMemory: 48 << 20} // a smaller limit: the same arithmetic, less work
	for _, b := range thresholdBombs(opt) {
		under, over := b.Make(b.Side), b.Make(b.Side+b.Step)
		budget, got := measureProcess(t, under, opt)
		t.Logf("%-32s %5d px: budget %5.1f MB, allocated %5.1f MB; %d px refused", b.Name, b.Side,
			float64(budget)/(1<<20), float64(got)/(1<<20), b.Side+b.Step)
		if _, err := Process(under, opt); err != nil {
			t.Errorf("%s at %d: %v", b.Name, b.Side, err)
		}
		var e *Error
		if _, err := Process(over, opt); !errors.As(err, &e) || e.Kind != KindTooManyPixels {
			t.Errorf("%s at %d: %v, want KindTooManyPixels", b.Name, b.Side+b.Step, err)
		}
	}
}

// thresholdBombs are phototest's thresholds for opt.MaxMemory.
func thresholdBombs(opt Options) []phototest.Threshold {
	return phototest.Thresholds(func(data []byte) bool {
		n, err := Budget(data, opt)
		var e *Error
		if errors.As(err, &e) && e.Kind == KindTooManyPixels {
			return false
		}
		if err != nil {
			panic(err)
		}
		return n <= opt.withDefaults().MaxMemory
	})
}

// TestEncodeBudget: the encoder's output for noise, the worst case, stays
// within what encodeBudget assumes per pixel.
func TestEncodeBudget(t *testing.T) {
	m := image.NewYCbCr(image.Rect(0, 0, 800, 600), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(9, 9))
	for _, p := range [][]uint8{m.Y, m.Cb, m.Cr} {
		for i := range p {
			p[i] = uint8(r.Uint32())
		}
	}
	for _, q := range []int{82, 90, 100} {
		var w onceWriter
		if err := jpeg.Encode(&w, m, &jpeg.Options{Quality: q}); err != nil {
			t.Fatal(err)
		}
		perPixel := float64(len(w.b)) / float64(800*600)
		limit := 1.2
		if q > 90 {
			limit = 2.4
		}
		t.Logf("quality %d: %.2f bytes a pixel", q, perPixel)
		if perPixel > limit {
			t.Errorf("quality %d: %.2f bytes a pixel, encodeBudget assumes %.1f", q, perPixel, limit)
		}
	}
}
