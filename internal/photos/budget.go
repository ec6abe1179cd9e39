package photos

import (
	"encoding/binary"
	"image"
	"image/color"
	"math/bits"

	"honestmeasure/internal/photos/jpeg"
)

// This file works out, from the header alone, how many bytes one Process
// call will have allocated by its end: the decoder's image in the type Go's
// decoder really makes (a 16-bit PNG is 8 bytes a pixel, not 4), what the
// decoder keeps besides (the coefficients of a progressive JPEG, the
// passes of an interlaced PNG), the resize and output buffers and the
// input itself. The Limiter admits a photo only with this many bytes
// reserved, and Process refuses a photo whose budget is over the per-photo
// maximum, so a decompression bomb costs a header parse, never its pixels.
//
// Every figure is an upper bound of what is really allocated, checked
// against runtime.MemStats.TotalAlloc for each kind of image in
// TestBudgetBoundsAllocations; on the images that matter (the large ones)
// it is within a factor of two of it.

// budgetOverhead covers what does not grow with the image: Huffman and
// quantisation tables, the zlib window, the palette, the decoder structs.
const budgetOverhead = 512 << 10

// scratchSize is what scratch.bytes really allocates for n bytes: a
// buffer of the next power of two, so that it can be pooled by size class.
func scratchSize(n int64) int64 {
	if n <= 1 {
		return n
	}
	return 1 << bits.Len64(uint64(n-1))
}

// header is what process learns about a photo before decoding it.
type header struct {
	format      format
	cfg         image.Config
	jpeg        jpeg.Header
	orientation int
	budget      int64 // bytes, see decodeBudget
}

// planeSize is the size of one plane of a decoded image, as the resizer
// reads it.
type planeSize struct{ w, h int }

// decodeBudget returns the bytes Process will allocate for data, whose
// header h describes, including data itself.
func decodeBudget(data []byte, h *header, opt Options) int64 {
	W, H := h.cfg.Width, h.cfg.Height
	w, hh := fitWithin(W, H, opt.MaxDimension) // in the stored orientation, as the resizer works
	var (
		decoder int64       // the decoder's image and what it keeps besides
		planes  []planeSize // the decoded image's planes, if the resizer reads them in place
		srcW    = W         // the decoded image's size
		srcH    = H
	)
	switch h.format {
	case formatJPEG:
		n := jpegScaleFor(h.cfg, opt)
		decoder, planes, srcW, srcH = jpegBudget(h.jpeg, n)
	case formatPNG:
		decoder, planes = pngBudget(data, W, H)
	case formatWebP:
		decoder, planes = webpBudget(data, W, H)
	}
	return int64(cap(data)) + decoder + renderBudget(planes, srcW, srcH, w, hh) +
		encodeBudget(w, hh, opt.JPEGQuality) + budgetOverhead
}

// jpegScaleFor is the n/8 scale process decodes a JPEG at.
func jpegScaleFor(cfg image.Config, opt Options) int {
	if cfg.ColorModel != color.YCbCrModel && cfg.ColorModel != color.GrayModel {
		return 8 // see process: RGB and CMYK are decoded at full size
	}
	w, h := fitWithin(cfg.Width, cfg.Height, opt.MaxDimension)
	return jpegScale(cfg.Width, cfg.Height, w, h)
}

// jpegBudget: the fork allocates, per component, a plane of whole MCUs at
// n/8 scale; a progressive JPEG also keeps every coefficient of the full
// image (a 64-entry int32 block per 8x8 block) until the last scan; RGB
// and CMYK JPEGs are converted into a copy of 4 bytes a pixel.
func jpegBudget(hd jpeg.Header, n int) (decoder int64, planes []planeSize, srcW, srcH int) {
	W, H := hd.Width, hd.Height
	srcW, srcH = jpeg.ScaledSize(W, H, n)
	if len(hd.H) == 0 {
		return 0, nil, srcW, srcH
	}
	h0, v0 := hd.H[0], hd.V[0]
	mxx := int64((W + 8*h0 - 1) / (8 * h0))
	myy := int64((H + 8*v0 - 1) / (8 * v0))
	s := int64(n)
	var planeBytes int64 // one scratch buffer for the gray or the three YCbCr planes
	for c := range hd.H {
		hc, vc := int64(hd.H[c]), int64(hd.V[c])
		if c < 3 {
			planeBytes += s * hc * mxx * s * vc * myy
		} else {
			decoder += s * hc * mxx * s * vc * myy // CMYK's K: made
		}
		if hd.Progressive {
			decoder += mxx * myy * hc * vc * 64 * 4
		}
	}
	decoder += scratchSize(planeBytes)
	switch hd.ColorModel {
	case color.GrayModel:
		planes = []planeSize{{srcW, srcH}}
	case color.YCbCrModel:
		sx, sy := h0/hd.H[1], v0/hd.V[1]
		cw, ch := (srcW+sx-1)/sx, (srcH+sy-1)/sy
		planes = []planeSize{{srcW, srcH}, {cw, ch}, {cw, ch}}
	default: // RGB, CMYK: a converted copy, and the resizer reads it pixel by pixel
		decoder += 4 * int64(srcW) * int64(srcH)
	}
	return decoder, planes, srcW, srcH
}

// pngBudget: image/png decodes into the type its colour type and bit depth
// call for, with a tRNS chunk widening gray and RGB to NRGBA; an
// interlaced image is decoded pass by pass into images of the pass's size
// that together are as large again.
func pngBudget(data []byte, W, H int) (int64, []planeSize) {
	if len(data) < 29 {
		return 0, nil
	}
	depth, colorType, interlaced := int(data[24]), data[25], data[28] != 0
	transparent := pngHasTRNS(data)
	var bpp int64
	switch {
	case colorType == 3: // paletted, whatever the depth
		bpp = 1
	case colorType == 0 && !transparent: // gray or gray16
		bpp = int64(max(depth/8, 1))
	case depth == 16: // NRGBA64 or RGBA64
		bpp = 8
	default: // NRGBA or RGBA
		bpp = 4
	}
	px := int64(W) * int64(H)
	decoder := px * bpp
	if interlaced {
		decoder *= 2
	}
	// Two rows of filtered bytes, up to 8 bytes a pixel.
	decoder += 2 * (8*int64(W) + 1)
	if colorType == 0 && !transparent && depth <= 8 {
		return decoder, []planeSize{{W, H}} // *image.Gray is read in place
	}
	return decoder, nil
}

// pngHasTRNS reports whether a tRNS chunk comes before the image data.
func pngHasTRNS(b []byte) bool {
	i := 8
	for range maxPNGChunks {
		if len(b)-i < 8 {
			return false
		}
		size := uint64(binary.BigEndian.Uint32(b[i : i+4]))
		switch string(b[i+4 : i+8]) {
		case "tRNS":
			return true
		case "IDAT", "IEND":
			return false
		}
		if size > uint64(len(b)-i-12) {
			return false
		}
		i += 12 + int(size)
	}
	// Past the chunks looked at: assume the wider type.
	return true
}

const maxPNGChunks = 1024

// webpBudget: lossy VP8 decodes into 4:2:0 YCbCr of whole 16x16
// macroblocks, after copying its partitions out of the input; an alpha
// plane is one byte a pixel raw, but a compressed one is decoded by VP8L
// into an NRGBA image of its own (and a colour-indexed one expanded into
// another) before its green bytes are copied out. Lossless VP8L decodes
// its pixels at the (possibly bundled, so narrower) coded width, expands
// colour indexing into a full-size NRGBA copy, and keeps transform and
// Huffman sub-images of at most a quarter of the width and height each.
func webpBudget(data []byte, W, H int) (int64, []planeSize) {
	px := int64(W) * int64(H)
	if _, lossless := webpChunk(data, "VP8L"); lossless || (len(data) >= 16 && string(data[12:16]) == "VP8L") {
		return 7 * px, nil
	}
	mbw, mbh := int64((W+15)/16), int64((H+15)/16)
	decoder := 16*mbw*16*mbh + 2*8*mbw*8*mbh + int64(len(data)) + 8*mbw*mbh
	if alph, ok := webpChunk(data, "ALPH"); ok {
		if len(alph) > 0 && alph[0]&0x03 != 0 {
			decoder += 9 * px
		} else {
			decoder += px
		}
		return decoder, nil // NYCbCrA: flattened pixel by pixel
	}
	return decoder, []planeSize{{W, H}, {(W + 1) / 2, (H + 1) / 2}, {(W + 1) / 2, (H + 1) / 2}}
}

// renderBudget bounds renderCover's buffers for an output of w x h in the
// stored orientation; a rotated output is as large.
func renderBudget(planes []planeSize, srcW, srcH, w, h int) int64 {
	out := scratchSize(int64(w)*int64(h) + 2*int64((w+1)/2)*int64((h+1)/2))
	var b int64
	for p := range 3 {
		s := min(p+1, 2)
		cols, rows := (w+s-1)/s, (h+s-1)/s
		if planes != nil {
			if p >= len(planes) {
				break
			}
			in := planes[p]
			b += scratchSize(int64(in.w)*int64(rows)) + filterBudget(cols, in.w) + filterBudget(rows, in.h) +
				5*int64(in.w) + 4*int64(cols)
			continue
		}
		// Flattened four rows at a time, resized across, then down.
		b += scratchSize(4*int64(srcW)) + scratchSize(int64(cols)*int64(srcH)) + filterBudget(cols, srcW) + filterBudget(rows, srcH) +
			5*int64(cols) + 4*int64(cols)
	}
	return out + b
}

// filterBudget bounds newFilter's allocations for dstN outputs from srcN
// samples: a tent over groups has at most 3*scale+3 taps, and the weights
// are gathered in a growing slice of float64s first.
func filterBudget(dstN, srcN int) int64 {
	taps := int64(3*((srcN+dstN-1)/max(dstN, 1)) + 3)
	return int64(dstN)*(24+44*taps) + 256
}

// encodeBudget bounds the encoder's growing output buffer. Quantised at the
// highest quality, noise costs a JPEG at most about 2.2 bytes a pixel at
// 4:2:0 (1.1 at quality 82, measured in TestEncodeBudget); the buffer grows
// by a quarter at a time from a quarter of a byte a pixel, so old and new
// buffer together reach 2.25 times the final size.
func encodeBudget(w, h, quality int) int64 {
	px := int64(w) * int64(h)
	perPixel := int64(12) // tenths of a byte
	if quality > 90 {
		perPixel = 24
	}
	return px*perPixel/10*9/4 + 4096
}
