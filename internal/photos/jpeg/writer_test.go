package jpeg

import (
	"bytes"
	"fmt"
	"image"
	stdjpeg "image/jpeg"
	"testing"
)

// TestEncodeMatchesStdlib: the fork writes exactly the bytes image/jpeg
// writes for the same 4:2:0 image.
func TestEncodeMatchesStdlib(t *testing.T) {
	for _, s := range []struct{ w, h int }{{1, 1}, {2, 3}, {7, 5}, {16, 16}, {17, 33}, {100, 75}, {333, 257}} {
		for _, q := range []int{1, 30, 75, 82, 100} {
			t.Run(fmt.Sprintf("%dx%d/q%d", s.w, s.h, q), func(t *testing.T) {
				m := photo(s.w, s.h, uint64(q))
				var got bytes.Buffer
				if err := Encode(&got, m, &Options{Quality: q}); err != nil {
					t.Fatal(err)
				}
				want := stdEncode(t, m, q)
				if !bytes.Equal(got.Bytes(), want) {
					t.Fatalf("%d bytes, image/jpeg writes %d different ones", got.Len(), len(want))
				}
			})
		}
	}
}

func TestEncodeRejects(t *testing.T) {
	for _, m := range []*image.YCbCr{
		image.NewYCbCr(image.Rect(0, 0, 8, 8), image.YCbCrSubsampleRatio444),
		image.NewYCbCr(image.Rect(0, 0, 0, 8), image.YCbCrSubsampleRatio420),
		image.NewYCbCr(image.Rect(0, 0, 1<<16, 1), image.YCbCrSubsampleRatio420),
	} {
		if err := Encode(&bytes.Buffer{}, m, nil); err == nil {
			t.Errorf("%v %v: no error", m.Rect, m.SubsampleRatio)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	m := photo(1600, 1067, 7)
	b.ReportAllocs()
	for b.Loop() {
		if err := Encode(&bytes.Buffer{}, m, &Options{Quality: 82}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStdlibEncode(b *testing.B) {
	m := photo(1600, 1067, 7)
	b.ReportAllocs()
	for b.Loop() {
		if err := stdjpeg.Encode(&bytes.Buffer{}, m, &stdjpeg.Options{Quality: 82}); err != nil {
			b.Fatal(err)
		}
	}
}
