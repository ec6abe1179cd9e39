package jpeg

import "image"

// An Alloc returns a zeroed byte slice of length n. DecodeWith takes one so
// that a caller decoding many photos can reuse the pixel buffers instead of
// leaving megabytes of garbage per photo.
type Alloc func(n int) []byte

// NewYCbCr is image.NewYCbCr with its pixels from a (nil: make).
func NewYCbCr(r image.Rectangle, ratio image.YCbCrSubsampleRatio, a Alloc) *image.YCbCr {
	if a == nil {
		return image.NewYCbCr(r, ratio)
	}
	w, h := r.Dx(), r.Dy()
	var cw, ch int
	switch ratio { // as image.yCbCrSize
	case image.YCbCrSubsampleRatio422:
		cw, ch = (r.Max.X+1)/2-r.Min.X/2, h
	case image.YCbCrSubsampleRatio420:
		cw, ch = (r.Max.X+1)/2-r.Min.X/2, (r.Max.Y+1)/2-r.Min.Y/2
	case image.YCbCrSubsampleRatio440:
		cw, ch = w, (r.Max.Y+1)/2-r.Min.Y/2
	case image.YCbCrSubsampleRatio411:
		cw, ch = (r.Max.X+3)/4-r.Min.X/4, h
	case image.YCbCrSubsampleRatio410:
		cw, ch = (r.Max.X+3)/4-r.Min.X/4, (r.Max.Y+1)/2-r.Min.Y/2
	default:
		cw, ch = w, h
	}
	i0 := w * h
	i1 := i0 + cw*ch
	i2 := i1 + cw*ch
	b := a(i2)
	return &image.YCbCr{Y: b[:i0:i0], Cb: b[i0:i1:i1], Cr: b[i1:i2:i2], SubsampleRatio: ratio,
		YStride: w, CStride: cw, Rect: r}
}

// newGray is image.NewGray with its pixels from a.
func newGray(r image.Rectangle, a Alloc) *image.Gray {
	if a == nil {
		return image.NewGray(r)
	}
	return &image.Gray{Pix: a(r.Dx() * r.Dy()), Stride: r.Dx(), Rect: r}
}
