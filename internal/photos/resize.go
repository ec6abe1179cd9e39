package photos

import (
	"honestmeasure/internal/photos/jpeg"
	"image"
	"math"
)

// This file turns a decoded image into the 4:2:0 YCbCr planes the JPEG
// encoder takes, in one pass that resizes, flattens transparency onto
// white and applies the EXIF orientation.
//
// Resizing is separable, one pass across and one down, each with a
// triangle ("tent") filter as wide as the reduction: bilinear filtering
// with its support scaled up so that every source pixel contributes. A
// plain 2x2 bilinear sample would skip most source pixels and turn fine
// detail (the digits of a scale's display, a price label) into moire;
// TestResizeAntiAliasing checks that this does not (see newFilter for the
// one refinement that needs).
//
// JPEG and lossy WebP images are resized plane by plane in their own
// YCbCr, without converting to RGB and back, and chroma goes straight from
// the source's subsampling to 4:2:0. Orientation costs nothing extra: a
// mirrored axis is a mirrored filter, and a rotation by 90 degrees writes
// one of the passes transposed. Each output sample is computed from the
// positions it covers in the displayed image, so even chroma of odd-sized
// mirrored images lands where it belongs.
//
// Measured on BenchmarkProcess1MB's photo (3000x2000 decoded at 5/8, to
// 1600x1067), this takes about 8 ms; the x/image/draw ApproxBiLinear steps
// it replaces took about 45 ms on the full-size decode, and Catmull-Rom
// several times that.

// plane is one channel of an image.
type plane struct {
	pix    []uint8
	stride int
	w, h   int
}

func newPlane(s *scratch, w, h int) plane {
	return plane{pix: s.bytes(w * h), stride: w, w: w, h: h}
}

func (p plane) row(y int) []uint8 { return p.pix[y*p.stride : y*p.stride+p.w] }

// weightBits is the fixed-point precision of filter weights.
const weightBits = 14

// filter resamples along one axis: output sample i is the weighted sum of
// the n source samples from start[i], with weights weight[i*n:(i+1)*n]
// that sum to exactly 1<<weightBits. All weights are >= 0, so the result
// never leaves the range of the source.
type filter struct {
	n      int
	start  []int
	weight []int32
}

// newFilter builds the filter that takes srcN samples to dstN samples
// along one axis. srcSub and dstSub are the sizes of one sample of each
// plane in pixels (1 for luma, 2 for 4:2:0 chroma...), srcLen and dstLen
// the picture's sizes in pixels along the axis (srcLen may be a fraction:
// see renderCover), and flip mirrors the output.
//
// The filter is a tent over groups of g = 2^k source samples, g chosen so
// that one output sample spans 1 to 2 groups: the same as halving the
// image with exact 2x2 averages while it is at least twice the target and
// then filtering the rest with a tent as wide as the remaining reduction,
// but in one pass. A tent alone, sampled at whole pixels, lets through
// about a tenth of a pattern of 1-pixel stripes at 2.5x; the averages of
// pairs cancel it. At scale 1 the filter is the identity.
func newFilter(srcN, srcSub int, srcLen float64, dstN, dstSub, dstLen int, flip bool) filter {
	// scale is the size of one output sample in source samples.
	scale := srcLen / float64(dstLen) * float64(dstSub) / float64(srcSub)
	g := 1
	for scale >= float64(2*g) {
		g *= 2
	}
	groups := (srcN + g - 1) / g
	// The tent reaches one output sample either way, and at least one
	// group, so that enlarging (which only chroma can need) interpolates.
	radius := max(scale/float64(g), 1)

	// The weights of output i are ws[at[i]:at[i+1]], for the source
	// samples from from[i].
	from, at := make([]int, dstN), make([]int, dstN+1)
	var ws []float64
	n := 1
	for i := range dstN {
		// Centre of output sample i in displayed pixels, then in stored
		// source pixels, then in groups (group j has its centre at j).
		c := (float64(i) + 0.5) * float64(dstSub)
		if flip {
			c = float64(dstLen) - c
		}
		c = c*srcLen/float64(dstLen)/float64(srcSub)/float64(g) - 0.5
		lo := max(int(math.Ceil(c-radius)), 0)
		hi := min(int(math.Floor(c+radius)), groups-1)
		if lo > hi { // only possible at an edge: take the nearest group
			lo = min(max(int(math.Round(c)), 0), groups-1)
			hi = lo
		}
		for j := lo; j <= hi; j++ {
			wj := max(1-math.Abs(float64(j)-c)/radius, 0)
			if lo == hi {
				wj = 1
			}
			first, last := j*g, min((j+1)*g, srcN)
			for range last - first {
				ws = append(ws, wj/float64(last-first))
			}
		}
		from[i], at[i+1] = lo*g, len(ws)
		n = max(n, at[i+1]-at[i])
	}

	f := filter{n: n, start: make([]int, dstN), weight: make([]int32, dstN*n)}
	for i := range dstN {
		start := min(from[i], srcN-n)
		f.start[i] = start
		var sum float64
		for _, v := range ws[at[i]:at[i+1]] {
			sum += v
		}
		w := f.weight[i*n : (i+1)*n]
		var total int32
		big := 0
		for k, v := range ws[at[i]:at[i+1]] {
			k += from[i] - start
			w[k] = int32(math.Round(v / sum * (1 << weightBits)))
			total += w[k]
			if w[k] > w[big] {
				big = k
			}
		}
		w[big] += 1<<weightBits - total
	}
	return f
}

// vertical filters down the columns of src: row j of dst is made of the
// rows of src that f gives for output j. With transpose, the result is
// written transposed: row j of the result is column j of dst.
func (f *filter) vertical(dst, src plane, transpose bool) {
	const round = 1 << (weightBits - 1)
	n := f.n
	var acc []int32
	var row []uint8
	if transpose {
		row = make([]uint8, src.w)
	}
	for j, s := range f.start {
		w := f.weight[j*n : j*n+n]
		d := row
		if !transpose {
			d = dst.row(j)
		}
		// Most reductions need at most three taps; do those in one pass.
		switch n {
		case 1:
			copy(d, src.row(s))
		case 2:
			r0, r1 := src.row(s)[:len(d)], src.row(s + 1)[:len(d)]
			w0, w1 := w[0], w[1]
			for i := range d {
				d[i] = uint8((int32(r0[i])*w0 + int32(r1[i])*w1 + round) >> weightBits)
			}
		case 3:
			r0, r1, r2 := src.row(s)[:len(d)], src.row(s + 1)[:len(d)], src.row(s + 2)[:len(d)]
			w0, w1, w2 := w[0], w[1], w[2]
			for i := range d {
				d[i] = uint8((int32(r0[i])*w0 + int32(r1[i])*w1 + int32(r2[i])*w2 + round) >> weightBits)
			}
		default:
			if acc == nil {
				acc = make([]int32, src.w)
			}
			acc := acc[:len(d)]
			for i := range acc {
				acc[i] = round
			}
			for k, wk := range w {
				if wk == 0 {
					continue
				}
				r := src.row(s + k)[:len(acc)]
				for i, v := range r {
					acc[i] += int32(v) * wk
				}
			}
			for i, a := range acc {
				d[i] = uint8(a >> weightBits)
			}
		}
		if transpose {
			for i, v := range d {
				dst.pix[i*dst.stride+j] = v
			}
		}
	}
}

// horizontal filters along the rows of src: column i of dst is made of
// the columns of src that f gives for output i. With transpose, the
// result is written transposed: row j of the result is column j of dst.
//
// Rows are done four at a time, so that each output's taps are loaded
// once for four rows (and, transposed, four bytes are written together).
func (f *filter) horizontal(dst, src plane, transpose bool) {
	var (
		buf [4][]uint8
		row [4][]uint8
	)
	nOut := len(f.start)
	if transpose {
		for k := range buf {
			buf[k] = make([]uint8, nOut)
		}
	}
	for j := 0; j < src.h; j += 4 {
		m := min(4, src.h-j)
		for k := range 4 {
			// Beyond the last row, repeat it: cheaper than a separate
			// loop, and the results are not stored.
			row[k] = src.row(j + min(k, m-1))
		}
		out := buf
		if !transpose {
			for k := range 4 {
				out[k] = dst.row(j + min(k, m-1))
			}
		}
		f.rows4(&out, &row)
		if transpose {
			o0, o1, o2, o3 := out[0][:nOut], out[1][:nOut], out[2][:nOut], out[3][:nOut]
			for i := range nOut {
				d := dst.pix[i*dst.stride+j : i*dst.stride+j+m]
				switch len(d) {
				case 4:
					d[0], d[1], d[2], d[3] = o0[i], o1[i], o2[i], o3[i]
				case 3:
					d[0], d[1], d[2] = o0[i], o1[i], o2[i]
				case 2:
					d[0], d[1] = o0[i], o1[i]
				case 1:
					d[0] = o0[i]
				}
			}
		}
	}
}

// rows4 filters four rows.
func (f *filter) rows4(out, in *[4][]uint8) {
	const round = 1 << (weightBits - 1)
	n := f.n
	r0, r1, r2, r3 := in[0], in[1], in[2], in[3]
	d0, d1, d2, d3 := out[0][:len(f.start)], out[1][:len(f.start)], out[2][:len(f.start)], out[3][:len(f.start)]
	switch n {
	case 2:
		for i, s := range f.start {
			w := f.weight[2*i : 2*i+2 : 2*i+2]
			w0, w1 := w[0], w[1]
			a0, a1, a2, a3 := r0[s:s+2:s+2], r1[s:s+2:s+2], r2[s:s+2:s+2], r3[s:s+2:s+2]
			d0[i] = uint8((int32(a0[0])*w0 + int32(a0[1])*w1 + round) >> weightBits)
			d1[i] = uint8((int32(a1[0])*w0 + int32(a1[1])*w1 + round) >> weightBits)
			d2[i] = uint8((int32(a2[0])*w0 + int32(a2[1])*w1 + round) >> weightBits)
			d3[i] = uint8((int32(a3[0])*w0 + int32(a3[1])*w1 + round) >> weightBits)
		}
	case 3:
		for i, s := range f.start {
			w := f.weight[3*i : 3*i+3 : 3*i+3]
			w0, w1, w2 := w[0], w[1], w[2]
			a0, a1, a2, a3 := r0[s:s+3:s+3], r1[s:s+3:s+3], r2[s:s+3:s+3], r3[s:s+3:s+3]
			d0[i] = uint8((int32(a0[0])*w0 + int32(a0[1])*w1 + int32(a0[2])*w2 + round) >> weightBits)
			d1[i] = uint8((int32(a1[0])*w0 + int32(a1[1])*w1 + int32(a1[2])*w2 + round) >> weightBits)
			d2[i] = uint8((int32(a2[0])*w0 + int32(a2[1])*w1 + int32(a2[2])*w2 + round) >> weightBits)
			d3[i] = uint8((int32(a3[0])*w0 + int32(a3[1])*w1 + int32(a3[2])*w2 + round) >> weightBits)
		}
	default:
		for i, s := range f.start {
			w := f.weight[i*n : i*n+n]
			a0, a1, a2, a3 := r0[s:s+n], r1[s:s+n], r2[s:s+n], r3[s:s+n]
			v0, v1, v2, v3 := int32(round), int32(round), int32(round), int32(round)
			for k, wk := range w {
				v0 += int32(a0[k]) * wk
				v1 += int32(a1[k]) * wk
				v2 += int32(a2[k]) * wk
				v3 += int32(a3[k]) * wk
			}
			d0[i], d1[i], d2[i], d3[i] = uint8(v0>>weightBits), uint8(v1>>weightBits), uint8(v2>>weightBits), uint8(v3>>weightBits)
		}
	}
}

// orientation describes an EXIF orientation as operations on the stored
// image: transpose swaps the axes of the output, and flipX and flipY
// mirror the stored x and y axes. For a W x H stored image, with (x, y)
// the displayed pixel:
//
//	2 mirror horizontal    src(W-1-x, y)
//	3 rotate 180           src(W-1-x, H-1-y)
//	4 mirror vertical      src(x, H-1-y)
//	5 transpose            src(y, x)             displayed H x W
//	6 rotate 90 clockwise  src(y, H-1-x)         displayed H x W
//	7 transverse           src(W-1-y, H-1-x)     displayed H x W
//	8 rotate 90 counter-cw src(W-1-y, x)         displayed H x W
type orientation struct {
	transpose, flipX, flipY bool
}

func orientationOf(o int) orientation {
	switch o {
	case 2:
		return orientation{flipX: true}
	case 3:
		return orientation{flipX: true, flipY: true}
	case 4:
		return orientation{flipY: true}
	case 5:
		return orientation{transpose: true}
	case 6:
		return orientation{transpose: true, flipY: true}
	case 7:
		return orientation{transpose: true, flipX: true, flipY: true}
	case 8:
		return orientation{transpose: true, flipX: true}
	}
	return orientation{}
}

// render resizes img (stored orientation) to fit w x h once oriented by o
// (EXIF orientation, 1..8), flattens it onto white and returns the result
// as 4:2:0 YCbCr, ready for the encoder. w x h is the displayed size.
func render(img image.Image, w, h, o int) *image.YCbCr {
	b := img.Bounds()
	return renderCover(nil, img, float64(b.Dx()), float64(b.Dy()), w, h, o)
}

// renderCover is render for an image whose picture covers only cw x ch of
// its pixels, from the top-left corner: a JPEG decoded at n/8 is rounded
// up to whole pixels, so its last column and row are partly outside the
// picture, and the picture must be stretched from its true size.
//
// Its buffers, the result's included, come from s (nil: make).
func renderCover(s *scratch, img image.Image, cw, ch float64, w, h, o int) *image.YCbCr {
	or := orientationOf(o)
	dst := jpeg.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420, s.bytes)
	outs := []plane{
		{pix: dst.Y, stride: dst.YStride, w: w, h: h},
		{pix: dst.Cb, stride: dst.CStride, w: (w + 1) / 2, h: (h + 1) / 2},
		{pix: dst.Cr, stride: dst.CStride, w: (w + 1) / 2, h: (h + 1) / 2},
	}
	b := img.Bounds()
	// sw x sh is the output in the stored orientation; sub is the size of
	// an output sample of plane p.
	sw, sh := w, h
	if or.transpose {
		sw, sh = h, w
	}
	sub := func(p int) int { return min(p+1, 2) }
	filters := func(p int, in plane, sx, sy int) (fx, fy filter) {
		s := sub(p)
		fx = newFilter(in.w, sx, cw, (sw+s-1)/s, s, sw, or.flipX)
		fy = newFilter(in.h, sy, ch, (sh+s-1)/s, s, sh, or.flipY)
		return fx, fy
	}

	if planes, subs := planar(img); planes != nil {
		if len(planes) == 1 {
			// Gray: neutral chroma.
			for i := range dst.Cb {
				dst.Cb[i], dst.Cr[i] = 128, 128
			}
		}
		for p, in := range planes {
			fx, fy := filters(p, in, subs[p][0], subs[p][1])
			// Vertical first: it streams whole rows, which is cheaper
			// than the horizontal pass, so the latter gets fewer rows.
			mid := newPlane(s, in.w, len(fy.start))
			fy.vertical(mid, in, false)
			fx.horizontal(outs[p], mid, or.transpose)
		}
		return dst
	}

	// Anything else is flattened and converted to full-resolution YCbCr
	// four rows at a time, and resized across straight away, so that no
	// full-size copy is ever made; then down.
	var (
		rows [3]plane
		mids [3]plane
		fxs  [3]filter
		fys  [3]filter
	)
	for p := range rows {
		rows[p] = newPlane(s, b.Dx(), 4)
		fxs[p], fys[p] = filters(p, plane{w: b.Dx(), h: b.Dy()}, 1, 1)
		mids[p] = newPlane(s, len(fxs[p].start), b.Dy())
	}
	for j := 0; j < b.Dy(); j += 4 {
		m := min(4, b.Dy()-j)
		for k := range m {
			flattenRow(img, b.Min.Y+j+k, rows[0].row(k), rows[1].row(k), rows[2].row(k))
		}
		for p := range rows {
			in := rows[p]
			in.h = m
			out := mids[p]
			out.pix, out.h = out.pix[j*out.stride:], m
			fxs[p].horizontal(out, in, false)
		}
	}
	for p := range outs {
		fys[p].vertical(outs[p], mids[p], or.transpose)
	}
	return dst
}

// planar returns the planes of a gray image (just Y) or of a YCbCr one
// without alpha (JPEG, lossy WebP), each with its sample size in pixels
// across and down; or nil for anything else.
func planar(img image.Image) ([]plane, [][2]int) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.Gray:
		return []plane{{pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], stride: m.Stride, w: w, h: h}}, [][2]int{{1, 1}}
	case *image.YCbCr:
		// Chroma sits where the decoders put it only from (0, 0).
		if sx, sy, ok := chromaSubsampling(m.SubsampleRatio); ok && b.Min == (image.Point{}) {
			cw, ch := (w+sx-1)/sx, (h+sy-1)/sy
			return []plane{
				{pix: m.Y, stride: m.YStride, w: w, h: h},
				{pix: m.Cb, stride: m.CStride, w: cw, h: ch},
				{pix: m.Cr, stride: m.CStride, w: cw, h: ch},
			}, [][2]int{{1, 1}, {sx, sy}, {sx, sy}}
		}
	}
	return nil, nil
}

func chromaSubsampling(r image.YCbCrSubsampleRatio) (x, y int, ok bool) {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return 1, 1, true
	case image.YCbCrSubsampleRatio422:
		return 2, 1, true
	case image.YCbCrSubsampleRatio420:
		return 2, 2, true
	case image.YCbCrSubsampleRatio440:
		return 1, 2, true
	case image.YCbCrSubsampleRatio411:
		return 4, 1, true
	case image.YCbCrSubsampleRatio410:
		return 4, 2, true
	}
	return 0, 0, false
}

// flattenRow converts row y of img to Y, Cb and Cr, composited onto
// white.
func flattenRow(img image.Image, y int, ys, cbs, crs []uint8) {
	x0 := img.Bounds().Min.X
	switch m := img.(type) {
	case *image.RGBA:
		p := m.Pix[m.PixOffset(x0, y):]
		for i := range ys {
			q := p[4*i : 4*i+4]
			// Premultiplied: over white adds the missing coverage.
			t := 255 - uint32(q[3])
			ys[i], cbs[i], crs[i] = toYCbCr(sat(uint32(q[0])+t), sat(uint32(q[1])+t), sat(uint32(q[2])+t))
		}
	case *image.NRGBA:
		p := m.Pix[m.PixOffset(x0, y):]
		for i := range ys {
			q := p[4*i : 4*i+4]
			a := uint32(q[3])
			ys[i], cbs[i], crs[i] = toYCbCr(over(q[0], a), over(q[1], a), over(q[2], a))
		}
	case *image.Paletted:
		var pal [256][3]uint8
		for i, c := range m.Palette[:min(len(m.Palette), 256)] {
			r, g, b, a := c.RGBA()
			t := 0xffff - a
			pal[i][0], pal[i][1], pal[i][2] = toYCbCr(sat((r+t)>>8), sat((g+t)>>8), sat((b+t)>>8))
		}
		p := m.Pix[m.PixOffset(x0, y):]
		for i := range ys {
			// An index past the palette is black, as image.Paletted.At has it.
			c := pal[p[i]]
			if int(p[i]) >= len(m.Palette) {
				c = [3]uint8{0, 128, 128}
			}
			ys[i], cbs[i], crs[i] = c[0], c[1], c[2]
		}
	case *image.RGBA64:
		// The cases below compute what the default one does, without an
		// interface value (an allocation) per pixel.
		p := m.Pix[m.PixOffset(x0, y):]
		for i := range ys {
			q := p[8*i : 8*i+8]
			r, g, b, a := be16(q[0:]), be16(q[2:]), be16(q[4:]), be16(q[6:])
			t := 0xffff - a
			ys[i], cbs[i], crs[i] = toYCbCr(sat((r+t)>>8), sat((g+t)>>8), sat((b+t)>>8))
		}
	case *image.NRGBA64:
		p := m.Pix[m.PixOffset(x0, y):]
		for i := range ys {
			q := p[8*i : 8*i+8]
			a := be16(q[6:])
			r, g, b := be16(q[0:])*a/0xffff, be16(q[2:])*a/0xffff, be16(q[4:])*a/0xffff
			t := 0xffff - a
			ys[i], cbs[i], crs[i] = toYCbCr(sat((r+t)>>8), sat((g+t)>>8), sat((b+t)>>8))
		}
	case *image.Gray16:
		p := m.Pix[m.PixOffset(x0, y):]
		for i := range ys {
			v := sat(be16(p[2*i:]) >> 8)
			ys[i], cbs[i], crs[i] = toYCbCr(v, v, v)
		}
	case *image.NYCbCrA:
		// Compositing commutes with the (affine) YCbCr conversion, so
		// white is mixed in as Y=255, Cb=Cr=128.
		for i := range ys {
			x := x0 + i
			a := uint32(m.A[m.AOffset(x, y)])
			c := m.COffset(x, y)
			ys[i] = over(m.Y[m.YOffset(x, y)], a)
			cbs[i] = uint8((uint32(m.Cb[c])*a + 128*(255-a) + 127) / 255)
			crs[i] = uint8((uint32(m.Cr[c])*a + 128*(255-a) + 127) / 255)
		}
	default:
		for i := range ys {
			r, g, b, a := img.At(x0+i, y).RGBA()
			// Premultiplied 16-bit: over white adds the missing coverage.
			t := 0xffff - a
			ys[i], cbs[i], crs[i] = toYCbCr(sat((r+t)>>8), sat((g+t)>>8), sat((b+t)>>8))
		}
	}
}

// be16 reads a big-endian 16-bit sample, as image's 16-bit types store it.
func be16(b []byte) uint32 { return uint32(b[0])<<8 | uint32(b[1]) }

// over composites a colour channel with alpha a (not premultiplied) onto
// white.
func over(c uint8, a uint32) uint8 {
	return uint8((uint32(c)*a + 255*(255-a) + 127) / 255)
}

// sat saturates c to 255; premultiplied colour is never above its alpha
// in a valid image, but nothing stops an invalid one.
func sat(c uint32) uint8 { return uint8(min(c, 255)) }

// toYCbCr is color.RGBToYCbCr, spelt out so that it inlines.
func toYCbCr(r, g, b uint8) (uint8, uint8, uint8) {
	r1, g1, b1 := int32(r), int32(g), int32(b)
	yy := (19595*r1 + 38470*g1 + 7471*b1 + 1<<15) >> 16
	cb := -11056*r1 - 21712*g1 + 32768*b1 + 257<<15
	if uint32(cb)&0xff000000 == 0 {
		cb >>= 16
	} else {
		cb = ^(cb >> 31)
	}
	cr := 32768*r1 - 27440*g1 - 5328*b1 + 257<<15
	if uint32(cr)&0xff000000 == 0 {
		cr >>= 16
	} else {
		cr = ^(cr >> 31)
	}
	return uint8(yy), uint8(cb), uint8(cr)
}
