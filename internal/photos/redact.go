package photos

import (
	"crypto/sha256"
	"encoding/hex"
	"image"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/photos/jpeg"
)

// Redaction: staff cover parts of a stored photo (a passer-by's face, a
// car's number plate) with solid black. Nothing is blurred or pixelated,
// which can be undone or read through; the covered pixels are overwritten
// before the photo is encoded again, so the new file holds nothing of them.
//
// Each rectangle is widened to the encoder's 16-pixel blocks (4:2:0: one
// chroma sample per 2x2 pixels, one 8x8 block of them per 16x16 pixels):
// every block that touches the region is then black through and through,
// so no block mixes a covered pixel's neighbourhood into its frequencies,
// and the region decodes to exactly the fill colour.

// MaxRedactRects bounds the rectangles of one redaction.
const MaxRedactRects = 20

// redactBlock is the side of the encoder's MCU (4:2:0).
const redactBlock = 16

// Rect is a rectangle of a photo's pixels as displayed: X, Y its top-left
// corner, W x H its size.
type Rect struct{ X, Y, W, H int }

// The fill, black: Y 0 with neutral chroma decodes to RGB 0, 0, 0 exactly.
const (
	fillY      = 0
	fillChroma = 128
)

// Redaction field errors: under "rects", one message, the first problem.
const RedactField = "rects"

// CheckRects validates rects against a w x h photo and returns them clipped
// to it. A refusal is a fail.Invalid error under RedactField naming the first
// bad rectangle (1-based): none at all, more than MaxRedactRects, an empty
// or negative size, or a corner outside the photo.
func CheckRects(rects []Rect, w, h int) ([]image.Rectangle, error) {
	if err := CheckRectCount(len(rects)); err != nil {
		return nil, err
	}
	out := make([]image.Rectangle, len(rects))
	for i, r := range rects {
		switch {
		case r.W <= 0 || r.H <= 0:
			return nil, fail.Field(fail.Invalid, RedactField, "redact.rect_empty", i+1)
		case r.X < 0 || r.Y < 0 || r.X >= w || r.Y >= h:
			return nil, fail.Field(fail.Invalid, RedactField, "redact.rect_outside", i+1, w, h)
		}
		// X < w, so w-X cannot overflow, nor can X+min(W, w-X).
		out[i] = image.Rect(r.X, r.Y, r.X+min(r.W, w-r.X), r.Y+min(r.H, h-r.Y))
	}
	return out, nil
}

// CheckRectCount is the part of CheckRects that needs no photo: there are
// 1 to MaxRedactRects rectangles.
func CheckRectCount(n int) *fail.Error {
	switch {
	case n == 0:
		return fail.Field(fail.Invalid, RedactField, "redact.rects_none")
	case n > MaxRedactRects:
		return fail.Field(fail.Invalid, RedactField, "redact.rects_too_many", MaxRedactRects)
	}
	return nil
}

// Redact returns the JPEG photo in data with every rectangle filled with
// black, encoded afresh at opt's quality without any metadata (the
// encoder writes no APPn or COM segment). data is not changed. The
// rectangles are in the photo's displayed pixels (after any EXIF
// orientation, which Process's photos no longer carry). An invalid
// rectangle is a fail.Invalid error (CheckRects); a photo that is not a
// JPEG, or too large to decode within opt's limits, is an *Error.
func Redact(data []byte, rects []Rect, opt Options) (*Photo, error) {
	opt = opt.withDefaults()
	// Decoded at full size: the rectangles are in its pixels, and the
	// budget must count them all.
	opt.MaxDimension = maxSide
	var invalid error
	p, err := guard(func() (*Photo, error) {
		h, err := inspect(data, opt)
		if err != nil {
			return nil, err
		}
		if h.format != formatJPEG {
			return nil, reject(KindNotImage, "only a JPEG photo is redacted")
		}
		if h.budget > opt.MaxMemory {
			return nil, tooMuchMemory(h, opt.MaxMemory)
		}
		w, hh := h.cfg.Width, h.cfg.Height
		if h.orientation >= 5 {
			w, hh = hh, w
		}
		areas, err := CheckRects(rects, w, hh)
		if err != nil {
			invalid = err
			return nil, nil
		}
		img, err := jpeg.Decode(data, 8)
		if err != nil {
			return nil, reject(KindCorrupt, "cannot decode: %v", err)
		}
		m, ok := img.(*image.YCbCr)
		if !ok || m.SubsampleRatio != image.YCbCrSubsampleRatio420 || m.Rect.Min != (image.Point{}) || h.orientation != 1 {
			// Not as Process writes it: oriented and converted, at full size.
			m = render(img, w, hh, h.orientation)
		}
		if b := m.Bounds(); b.Dx() != w || b.Dy() != hh {
			return nil, reject(KindCorrupt, "decoded size %dx%d differs from header %dx%d", b.Dx(), b.Dy(), w, hh)
		}
		for _, a := range areas {
			fill(m, a)
		}
		var buf onceWriter
		if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: opt.JPEGQuality}); err != nil {
			return nil, reject(KindCorrupt, "cannot encode: %v", err)
		}
		sum := sha256.Sum256(buf.b)
		return &Photo{Data: buf.b, ContentType: "image/jpeg", Width: w, Height: hh, SHA256: hex.EncodeToString(sum[:])}, nil
	})
	if invalid != nil {
		return nil, invalid
	}
	return p, err
}

// fill paints a, widened to whole 16-pixel blocks and clipped to m, black
// in m (4:2:0, origin at 0, 0).
func fill(m *image.YCbCr, a image.Rectangle) {
	a = image.Rect(a.Min.X/redactBlock*redactBlock, a.Min.Y/redactBlock*redactBlock,
		(a.Max.X+redactBlock-1)/redactBlock*redactBlock, (a.Max.Y+redactBlock-1)/redactBlock*redactBlock).Intersect(m.Rect)
	for y := a.Min.Y; y < a.Max.Y; y++ {
		row := m.Y[y*m.YStride:]
		for x := a.Min.X; x < a.Max.X; x++ {
			row[x] = fillY
		}
	}
	// Chroma samples cover 2x2 pixels; a's corners are even.
	for cy := a.Min.Y / 2; cy < (a.Max.Y+1)/2; cy++ {
		off := cy * m.CStride
		for cx := a.Min.X / 2; cx < (a.Max.X+1)/2; cx++ {
			m.Cb[off+cx], m.Cr[off+cx] = fillChroma, fillChroma
		}
	}
}
