// Copyright 2011 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package jpeg

import (
	"encoding/binary"
	"errors"
	"image"
	"io"
	mbits "math/bits"
)

type quantIndex int

const (
	quantIndexLuminance quantIndex = iota
	quantIndexChrominance
	nQuantIndex
)

// unscaledQuant are the unscaled quantization tables in zig-zag order. Each
// encoder copies and scales the tables according to its quality parameter.
// The values are derived from section K.1 of the spec, after converting from
// natural to zig-zag order.
var unscaledQuant = [nQuantIndex][blockSize]byte{
	// Luminance.
	{
		16, 11, 12, 14, 12, 10, 16, 14,
		13, 14, 18, 17, 16, 19, 24, 40,
		26, 24, 22, 22, 24, 49, 35, 37,
		29, 40, 58, 51, 61, 60, 57, 51,
		56, 55, 64, 72, 92, 78, 64, 68,
		87, 69, 55, 56, 80, 109, 81, 87,
		95, 98, 103, 104, 103, 62, 77, 113,
		121, 112, 100, 120, 92, 101, 103, 99,
	},
	// Chrominance.
	{
		17, 18, 18, 24, 21, 24, 47, 26,
		26, 47, 99, 66, 56, 66, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
	},
}

type huffIndex int

const (
	huffIndexLuminanceDC huffIndex = iota
	huffIndexLuminanceAC
	huffIndexChrominanceDC
	huffIndexChrominanceAC
	nHuffIndex
)

// huffmanSpec specifies a Huffman encoding.
type huffmanSpec struct {
	// count[i] is the number of codes of length i+1 bits.
	count [16]byte
	// value[i] is the decoded value of the i'th codeword.
	value []byte
}

// theHuffmanSpec is the Huffman encoding specifications.
//
// This encoder uses the same Huffman encoding for all images. It is also the
// same Huffman encoding used by section K.3 of the spec.
//
// The DC tables have 12 decoded values, called categories.
//
// The AC tables have 162 decoded values: bytes that pack a 4-bit Run and a
// 4-bit Size. There are 16 valid Runs and 10 valid Sizes, plus two special R|S
// cases: 0|0 (meaning EOB) and F|0 (meaning ZRL).
var theHuffmanSpec = [nHuffIndex]huffmanSpec{
	// Luminance DC.
	{
		[16]byte{0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0},
		[]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
	},
	// Luminance AC.
	{
		[16]byte{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125},
		[]byte{
			0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12,
			0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
			0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
			0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
			0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16,
			0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
			0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39,
			0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
			0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
			0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
			0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79,
			0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
			0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
			0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
			0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
			0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
			0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4,
			0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
			0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea,
			0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa,
		},
	},
	// Chrominance DC.
	{
		[16]byte{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0},
		[]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
	},
	// Chrominance AC.
	{
		[16]byte{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119},
		[]byte{
			0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21,
			0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
			0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91,
			0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
			0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34,
			0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
			0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38,
			0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
			0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,
			0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
			0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78,
			0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
			0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96,
			0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
			0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
			0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
			0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2,
			0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
			0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9,
			0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
			0xf9, 0xfa,
		},
	},
}

// huffmanLUT is a compiled look-up table representation of a huffmanSpec.
// Each value maps to a uint32 of which the 8 most significant bits hold the
// codeword size in bits and the 24 least significant bits hold the codeword.
// The maximum codeword size is 16 bits.
type huffmanLUT [256]uint32

func (h *huffmanLUT) init(s huffmanSpec) {
	code, k := uint32(0), 0
	for i := 0; i < len(s.count); i++ {
		nBits := uint32(i+1) << 24
		for j := uint8(0); j < s.count[i]; j++ {
			h[s.value[k]] = nBits | code
			code++
			k++
		}
		code <<= 1
	}
}

// theHuffmanLUT are compiled representations of theHuffmanSpec.
var theHuffmanLUT [4]huffmanLUT

func init() {
	for i, s := range theHuffmanSpec {
		theHuffmanLUT[i].init(s)
	}
}

// quantizer divides by one entry of a quantization table (times 8, the
// scale of fdct's output), rounding half away from zero like image/jpeg's
// div, with a multiplication: for the dividends an 8-bit image can produce
// (< 1<<17) and divisors < 1<<12, (x*recip)>>32 is exactly x/divisor.
type quantizer struct {
	half  uint32 // divisor/2
	recip uint64 // ceil(2^32 / divisor)
}

// encoder encodes an image to the JPEG format.
type encoder struct {
	out []byte
	// acc holds nAcc not yet written bits in its low bits.
	acc  uint64
	nAcc uint
	// quant is the scaled quantization tables, in zig-zag order.
	quant [nQuantIndex][blockSize]byte
	// q is quant as quantizers, in natural order.
	q [nQuantIndex][blockSize]quantizer
}

// emit emits the least significant nBits bits of bits to the bit-stream.
// The precondition is bits < 1<<nBits && nBits <= 32.
func (e *encoder) emit(bits uint32, nBits uint) {
	e.acc = e.acc<<nBits | uint64(bits)
	e.nAcc += nBits
	if e.nAcc >= 32 {
		e.nAcc -= 32
		e.put32(uint32(e.acc >> e.nAcc))
	}
}

// put32 writes 4 bytes of entropy-coded data, stuffing a 0x00 after every
// 0xff.
func (e *encoder) put32(v uint32) {
	if x := ^v; (x-0x01010101)&^x&0x80808080 == 0 { // no 0xff byte
		e.out = binary.BigEndian.AppendUint32(e.out, v)
		return
	}
	for s := 24; s >= 0; s -= 8 {
		b := byte(v >> s)
		e.out = append(e.out, b)
		if b == 0xff {
			e.out = append(e.out, 0x00)
		}
	}
}

// flushBits pads the bit-stream to a whole byte with 1s and writes it out.
func (e *encoder) flushBits() {
	e.emit(0x7f, 7)
	for e.nAcc >= 8 {
		e.nAcc -= 8
		b := byte(e.acc >> e.nAcc)
		e.out = append(e.out, b)
		if b == 0xff {
			e.out = append(e.out, 0x00)
		}
	}
	e.nAcc = 0
}

// emitHuff emits the given value with the given Huffman encoder.
func (e *encoder) emitHuff(h huffIndex, value int32) {
	x := theHuffmanLUT[h][value]
	e.emit(x&(1<<24-1), uint(x>>24))
}

// emitHuffRLE emits a run of runLength zeroes and then value, encoded with
// the given Huffman encoder, as one write.
func (e *encoder) emitHuffRLE(h huffIndex, runLength, value int32) {
	a, b := value, value
	if a < 0 {
		a, b = -value, value-1
	}
	nBits := uint(mbits.Len32(uint32(a)))
	x := theHuffmanLUT[h][runLength<<4|int32(nBits)]
	code, codeBits := x&(1<<24-1), uint(x>>24)
	e.emit(code<<nBits|uint32(b)&(1<<nBits-1), codeBits+nBits)
}

// writeMarkerHeader writes the header for a marker with the given length.
func (e *encoder) writeMarkerHeader(marker uint8, markerlen int) {
	e.out = append(e.out, 0xff, marker, uint8(markerlen>>8), uint8(markerlen&0xff))
}

// writeDQT writes the Define Quantization Table marker.
func (e *encoder) writeDQT() {
	const markerlen = 2 + int(nQuantIndex)*(1+blockSize)
	e.writeMarkerHeader(dqtMarker, markerlen)
	for i := range e.quant {
		e.out = append(e.out, uint8(i))
		e.out = append(e.out, e.quant[i][:]...)
	}
}

// writeSOF0 writes the Start Of Frame (Baseline Sequential) marker, for
// three components with 4:2:0 chroma subsampling.
func (e *encoder) writeSOF0(size image.Point) {
	const nComponent = 3
	e.writeMarkerHeader(sof0Marker, 8+3*nComponent)
	e.out = append(e.out, 8, // 8-bit color.
		uint8(size.Y>>8), uint8(size.Y&0xff),
		uint8(size.X>>8), uint8(size.X&0xff),
		nComponent,
		1, 0x22, 0,
		2, 0x11, 1,
		3, 0x11, 1)
}

// writeDHT writes the Define Huffman Table marker.
func (e *encoder) writeDHT() {
	markerlen := 2
	for _, s := range theHuffmanSpec {
		markerlen += 1 + 16 + len(s.value)
	}
	e.writeMarkerHeader(dhtMarker, markerlen)
	for i, s := range theHuffmanSpec {
		e.out = append(e.out, "\x00\x10\x01\x11"[i])
		e.out = append(e.out, s.count[:]...)
		e.out = append(e.out, s.value...)
	}
}

// writeBlock writes a block of pixel data using the given quantization table,
// returning the post-quantized DC value of the DCT-transformed block. b is in
// natural (not zig-zag) order.
func (e *encoder) writeBlock(b *block, q quantIndex, prevDC int32) int32 {
	fdct(b)
	qt := &e.q[q]
	// Quantize in zig-zag order, noting the non-zero coefficients in nz
	// so that the runs of zeroes can be skipped over. No branches: whether
	// a coefficient is zero is anybody's guess.
	var z [blockSize]int32
	var nz uint64
	for zig := range blockSize {
		k := unzig[zig]
		a, qk := b[k], qt[k]
		sign := a >> 31 // 0 or -1
		a = (a ^ sign) - sign
		v := int32((uint64(uint32(a)+qk.half) * qk.recip) >> 32)
		v = (v ^ sign) - sign
		z[zig] = v
		nz |= uint64(uint32(v|-v)>>31) << zig
	}
	// Emit the DC delta.
	dc := z[0]
	e.emitHuffRLE(huffIndex(2*q+0), 0, dc-prevDC)
	// Emit the AC components: each non-zero one, after its run of
	// zeroes, as one Huffman code followed by its value bits. The bit
	// buffer is kept in locals here, so that it stays in registers.
	lut := &theHuffmanLUT[2*q+1]
	acc, nAcc := e.acc, e.nAcc
	nz &^= 1
	prev := 0
	for nz != 0 {
		zig := mbits.TrailingZeros64(nz)
		nz &= nz - 1
		run := uint32(zig - prev - 1)
		prev = zig
		for run > 15 {
			x := lut[0xf0]
			acc = acc<<(x>>24) | uint64(x&(1<<24-1))
			nAcc += uint(x >> 24)
			if nAcc >= 32 {
				nAcc -= 32
				e.put32(uint32(acc >> nAcc))
			}
			run -= 16
		}
		v := z[zig]
		a := v
		if v < 0 {
			a, v = -v, v-1
		}
		size := uint32(mbits.Len32(uint32(a)))
		x := lut[run<<4|size]
		acc = acc<<(x>>24+size) | uint64(x&(1<<24-1))<<size | uint64(uint32(v)&(1<<size-1))
		nAcc += uint(x>>24 + size)
		// Fewer than 32 bits plus at most 27 fit in acc; flush so that
		// fewer than 32 remain.
		if nAcc >= 32 {
			nAcc -= 32
			e.put32(uint32(acc >> nAcc))
		}
	}
	e.acc, e.nAcc = acc, nAcc
	if prev != blockSize-1 {
		e.emitHuff(huffIndex(2*q+1), 0x00)
	}
	return dc
}

// loadBlock copies the 8x8 block of pix whose top-left corner is (x, y)
// into b, repeating the last column and row past the w x h edge, as
// image/jpeg does.
func loadBlock(b *block, pix []byte, stride, w, h, x, y int) {
	if x+8 <= w && y+8 <= h {
		for j := range 8 {
			row := pix[(y+j)*stride+x : (y+j)*stride+x+8]
			br := b[8*j : 8*j+8]
			for i, v := range row {
				br[i] = int32(v)
			}
		}
		return
	}
	for j := range 8 {
		row := pix[min(y+j, h-1)*stride:]
		for i := range 8 {
			b[8*j+i] = int32(row[min(x+i, w-1)])
		}
	}
}

// sosHeaderYCbCr is the SOS marker "\xff\xda" followed by 12 bytes:
//   - the marker length "\x00\x0c",
//   - the number of components "\x03",
//   - component 1 uses DC table 0 and AC table 0 "\x01\x00",
//   - component 2 uses DC table 1 and AC table 1 "\x02\x11",
//   - component 3 uses DC table 1 and AC table 1 "\x03\x11",
//   - the bytes "\x00\x3f\x00". Section B.2.3 of the spec says that for
//     sequential DCTs, those bytes (8-bit Ss, 8-bit Se, 4-bit Ah, 4-bit Al)
//     should be 0x00, 0x3f, 0x00<<4 | 0x00.
var sosHeaderYCbCr = []byte{
	0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02,
	0x11, 0x03, 0x11, 0x00, 0x3f, 0x00,
}

// writeSOS writes the StartOfScan marker and the image data.
func (e *encoder) writeSOS(m *image.YCbCr) {
	e.out = append(e.out, sosHeaderYCbCr...)
	var (
		// Scratch buffer. The blocks are in natural (not zig-zag) order.
		b block
		// DC components are delta-encoded.
		prevDCY, prevDCCb, prevDCCr int32
	)
	w, h := m.Rect.Dx(), m.Rect.Dy()
	cw, ch := (w+1)/2, (h+1)/2
	y0, c0 := m.YOffset(m.Rect.Min.X, m.Rect.Min.Y), m.COffset(m.Rect.Min.X, m.Rect.Min.Y)
	yPix, cbPix, crPix := m.Y[y0:], m.Cb[c0:], m.Cr[c0:]
	for y := 0; y < h; y += 16 {
		for x := 0; x < w; x += 16 {
			for i := range 4 {
				loadBlock(&b, yPix, m.YStride, w, h, x+(i&1)*8, y+(i&2)*4)
				prevDCY = e.writeBlock(&b, 0, prevDCY)
			}
			loadBlock(&b, cbPix, m.CStride, cw, ch, x/2, y/2)
			prevDCCb = e.writeBlock(&b, 1, prevDCCb)
			loadBlock(&b, crPix, m.CStride, cw, ch, x/2, y/2)
			prevDCCr = e.writeBlock(&b, 1, prevDCCr)
		}
	}
	e.flushBits()
}

// DefaultQuality is the default quality encoding parameter.
const DefaultQuality = 75

// Options are the encoding parameters.
// Quality ranges from 1 to 100 inclusive, higher is better.
type Options struct {
	Quality int
}

// Encode writes m to w in JPEG 4:2:0 baseline format with the given
// options; the bytes are the same as image/jpeg.Encode writes for m.
// Default parameters are used if a nil *Options is passed. m must use
// 4:2:0 subsampling.
func Encode(w io.Writer, m *image.YCbCr, o *Options) error {
	b := m.Bounds()
	if b.Dx() >= 1<<16 || b.Dy() >= 1<<16 {
		return errors.New("jpeg: image is too large to encode")
	}
	if b.Empty() {
		return errors.New("jpeg: image is empty")
	}
	if m.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		return errors.New("jpeg: only 4:2:0 images can be encoded")
	}
	e := encoder{out: make([]byte, 0, 1024+b.Dx()*b.Dy()/4)}
	// Clip quality to [1, 100].
	quality := DefaultQuality
	if o != nil {
		quality = o.Quality
		if quality < 1 {
			quality = 1
		} else if quality > 100 {
			quality = 100
		}
	}
	// Convert from a quality rating to a scaling factor.
	var scale int
	if quality < 50 {
		scale = 5000 / quality
	} else {
		scale = 200 - quality*2
	}
	// Initialize the quantization tables.
	for i := range e.quant {
		for j := range e.quant[i] {
			x := int(unscaledQuant[i][j])
			x = (x*scale + 50) / 100
			if x < 1 {
				x = 1
			} else if x > 255 {
				x = 255
			}
			e.quant[i][j] = uint8(x)
			d := 8 * uint64(x)
			e.q[i][unzig[j]] = quantizer{half: uint32(d >> 1), recip: (1<<32 + d - 1) / d}
		}
	}
	// Write the Start Of Image marker.
	e.out = append(e.out, 0xff, 0xd8)
	// Write the quantization tables.
	e.writeDQT()
	// Write the image dimensions.
	e.writeSOF0(b.Size())
	// Write the Huffman tables.
	e.writeDHT()
	// Write the image data.
	e.writeSOS(m)
	// Write the End Of Image marker.
	e.out = append(e.out, 0xff, 0xd9)
	_, err := w.Write(e.out)
	return err
}
