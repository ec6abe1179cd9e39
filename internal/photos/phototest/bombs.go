// Package phototest makes decompression bombs for tests: small files whose
// headers claim images that decode to hundreds of megabytes. Each is a
// valid file that Go's decoders (and the jpeg fork) decode completely,
// written directly rather than by an encoder, so that making one never
// needs the pixels in memory.
package phototest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
)

// PNG colour types.
const (
	Gray      = 0
	RGB       = 2
	Paletted  = 3
	GrayAlpha = 4
	RGBA      = 6
)

// PNGSpec describes a PNG of black (or transparent) pixels.
type PNGSpec struct {
	W, H       int
	ColorType  byte
	Depth      byte // 1, 2, 4, 8 or 16 as the colour type allows
	Interlaced bool // Adam7
	TRNS       bool // with a tRNS chunk (gray, RGB, paletted)
}

// PNG returns the file spec describes. A 16-bit RGBA one of 6300x6300 is
// about 310 KB.
func PNG(spec PNGSpec) []byte {
	out := bytes.NewBuffer(pngStart(spec))
	channels := map[byte]int{Gray: 1, RGB: 3, Paletted: 1, GrayAlpha: 2, RGBA: 4}[spec.ColorType]
	bits := channels * int(spec.Depth)
	var idat bytes.Buffer
	z, _ := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	row := make([]byte, 1+(bits*spec.W+7)/8)
	rows := func(w, h int) {
		r := row[:1+(bits*w+7)/8]
		for range h {
			z.Write(r)
		}
	}
	if spec.Interlaced {
		for _, p := range [7][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}} {
			w := (spec.W - p[0] + p[2] - 1) / p[2]
			h := (spec.H - p[1] + p[3] - 1) / p[3]
			if w > 0 && h > 0 {
				rows(w, h)
			}
		}
	} else {
		rows(spec.W, spec.H)
	}
	z.Close()
	pngChunk(out, "IDAT", idat.Bytes())
	pngChunk(out, "IEND", nil)
	return out.Bytes()
}

// PNGHeader is what PNG returns up to its image data, followed by an empty
// IDAT chunk: enough to read the size and type, made in no time whatever
// the size, but not an image that decodes.
func PNGHeader(spec PNGSpec) []byte {
	out := bytes.NewBuffer(pngStart(spec))
	pngChunk(out, "IDAT", nil)
	return out.Bytes()
}

func pngStart(spec PNGSpec) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(spec.W))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(spec.H))
	ihdr[8], ihdr[9] = spec.Depth, spec.ColorType
	if spec.Interlaced {
		ihdr[12] = 1
	}
	pngChunk(&out, "IHDR", ihdr)
	if spec.ColorType == Paletted {
		pngChunk(&out, "PLTE", []byte{0, 0, 0, 255, 255, 255})
	}
	if spec.TRNS {
		switch spec.ColorType {
		case Gray:
			pngChunk(&out, "tRNS", []byte{0, 0})
		case RGB:
			pngChunk(&out, "tRNS", make([]byte, 6))
		case Paletted:
			pngChunk(&out, "tRNS", []byte{0})
		}
	}
	return out.Bytes()
}

func pngChunk(out *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	out.Write(n[:])
	body := append([]byte(typ), data...)
	out.Write(body)
	binary.BigEndian.PutUint32(n[:], crc32.ChecksumIEEE(body))
	out.Write(n[:])
}

// JPEG returns a w x h YCbCr JPEG of one flat colour. sampling is the luma
// component's factors: 0x22 for 4:2:0, 0x11 for 4:4:4. A progressive one
// has a single DC scan (all the decoder needs to fill its coefficients),
// a baseline one a DC and an end-of-block code per block: a 40-megapixel
// baseline 4:2:0 JPEG is about 230 KB, a progressive one 115 KB.
func JPEG(w, h int, sampling byte, progressive bool) []byte {
	var out bytes.Buffer
	seg := func(marker byte, data []byte) {
		out.Write([]byte{0xFF, marker, byte((len(data) + 2) >> 8), byte(len(data) + 2)})
		out.Write(data)
	}
	out.Write([]byte{0xFF, 0xD8})
	dqt := append([]byte{0x00}, bytes.Repeat([]byte{1}, 64)...)
	seg(0xDB, dqt)
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3, 1, sampling, 0, 2, 0x11, 0, 3, 0x11, 0}
	if progressive {
		seg(0xC2, sof)
	} else {
		seg(0xC0, sof)
	}
	// One code, "0", of length 1: DC difference category 0 and, for
	// baseline, end of block.
	oneCode := append([]byte{1}, make([]byte, 15)...)
	seg(0xC4, append(append([]byte{0x00}, oneCode...), 0))
	se := byte(63)
	if progressive {
		se = 0
	} else {
		seg(0xC4, append(append([]byte{0x10}, oneCode...), 0))
	}
	seg(0xDA, []byte{3, 1, 0x00, 2, 0x00, 3, 0x00, 0, se, 0})
	hy, vy := int(sampling>>4), int(sampling&0x0f)
	mcus := ((w + 8*hy - 1) / (8 * hy)) * ((h + 8*vy - 1) / (8 * vy))
	bitsPerBlock := 2
	if progressive {
		bitsPerBlock = 1
	}
	out.Write(make([]byte, (mcus*(hy*vy+2)*bitsPerBlock+7)/8))
	out.Write([]byte{0xFF, 0xD9})
	return out.Bytes()
}

// LosslessWebP returns a w x h (at most 16384 a side) VP8L WebP of one
// colour: every prefix code has a single symbol, so a pixel costs no bits
// at all and the file is 40 bytes whatever its size.
func LosslessWebP(w, h int) []byte {
	var bw bitWriter
	bw.write(0x2f, 8)
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	bw.write(1, 1)                                    // alpha is used
	bw.write(0, 3)                                    // version
	bw.write(0, 1)                                    // no transform
	bw.write(0, 1)                                    // no colour cache
	bw.write(0, 1)                                    // no meta prefix codes
	for _, sym := range []uint32{120, 200, 50, 255} { // green, red, blue, alpha
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // of 8 bits
		bw.write(sym, 8)
	}
	bw.write(1, 1) // distance: simple code
	bw.write(0, 1) // one symbol
	bw.write(0, 1) // of 1 bit
	bw.write(0, 1)
	data := bw.bytes()
	var out bytes.Buffer
	size := 4 + 8 + len(data) + len(data)&1
	out.WriteString("RIFF")
	binary.Write(&out, binary.LittleEndian, uint32(size))
	out.WriteString("WEBPVP8L")
	binary.Write(&out, binary.LittleEndian, uint32(len(data)))
	out.Write(data)
	if len(data)&1 == 1 {
		out.WriteByte(0)
	}
	return out.Bytes()
}

// bitWriter writes bits least significant first, as VP8L reads them.
type bitWriter struct {
	buf   []byte
	acc   uint64
	nbits uint
}

func (b *bitWriter) write(v uint32, n uint) {
	b.acc |= uint64(v&(1<<n-1)) << b.nbits
	b.nbits += n
	for b.nbits >= 8 {
		b.buf = append(b.buf, byte(b.acc))
		b.acc >>= 8
		b.nbits -= 8
	}
}

func (b *bitWriter) bytes() []byte {
	if b.nbits > 0 {
		return append(b.buf, byte(b.acc))
	}
	return b.buf
}

// A Threshold is a family of square bombs of one kind and the largest side
// (a multiple of Step) that a budget admits: the worst file of its kind an
// attacker can still get decoded.
type Threshold struct {
	Name string
	Make func(side int) []byte
	Step int
	Side int
}

// Thresholds returns one Threshold for each kind of bomb (16-bit RGBA PNG,
// interlaced RGBA PNG, paletted PNG, 16-bit gray PNG, progressive JPEG at
// 4:2:0 and 4:4:4, lossless WebP), with Side the largest for which fits is
// true; fits must be false for a side the decoder refuses outright.
func Thresholds(fits func(data []byte) bool) []Threshold {
	type family struct {
		Threshold
		header func(int) []byte // Make without the image data, for the search
	}
	png := func(name string, ct, depth byte, interlaced bool, step int) family {
		spec := func(s int) PNGSpec { return PNGSpec{W: s, H: s, ColorType: ct, Depth: depth, Interlaced: interlaced} }
		return family{Threshold{Name: name, Make: func(s int) []byte { return PNG(spec(s)) }, Step: step},
			func(s int) []byte { return PNGHeader(spec(s)) }}
	}
	jpg := func(name string, sampling byte) family {
		mk := func(s int) []byte { return JPEG(s, s, sampling, true) }
		return family{Threshold{Name: name, Make: mk, Step: 16}, mk}
	}
	webp := func(s int) []byte { return LosslessWebP(s, s) }
	families := []family{
		png("png rgba16", RGBA, 16, false, 8),
		png("png rgba8 interlaced", RGBA, 8, true, 8),
		png("png paletted8", Paletted, 8, false, 16),
		png("png gray16", Gray, 16, false, 16),
		jpg("jpeg progressive 4:2:0", 0x22),
		jpg("jpeg progressive 4:4:4", 0x11),
		{Threshold{Name: "webp lossless", Make: webp, Step: 8}, webp},
	}
	out := make([]Threshold, len(families))
	for i, f := range families {
		lo, hi := 1, 30000/f.Step // fits at lo*Step, not at hi*Step
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			if fits(f.header(mid * f.Step)) {
				lo = mid
			} else {
				hi = mid
			}
		}
		// The whole file counts too.
		for lo > 1 && !fits(f.Make(lo*f.Step)) {
			lo--
		}
		f.Side = lo * f.Step
		out[i] = f.Threshold
	}
	return out
}
