// Copyright 2009 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

package jpeg

import "encoding/binary"

// maxCodeLength is the maximum (inclusive) number of bits in a Huffman code.
const maxCodeLength = 16

// maxNCodes is the maximum (inclusive) number of codes in a Huffman tree.
const maxNCodes = 256

// lutBits is the log-2 size of the Huffman decoder's look-up tables.
const lutBits = 9

// huffman is a Huffman decoder, specified in section C.
type huffman struct {
	// length is the number of codes in the tree.
	nCodes int32
	// lut is the look-up table for the next lutBits bits in the bit-stream.
	// The high 8 bits of the uint16 are the encoded value. The low 8 bits
	// are the code length, or 0 if the code is longer than lutBits.
	lut [1 << lutBits]uint16
	// fastAC, for AC tables only, decodes a whole coefficient (code and
	// value bits) that fits in the next lutBits bits: the value is in the
	// high 16 bits, the zero run in bits 8..15 and the total number of bits
	// in the low 8 bits. 0 means: use lut.
	fastAC [1 << lutBits]int32
	// vals are the decoded values, sorted by their encoding.
	vals [maxNCodes]uint8
	// minCodes[i] is the minimum code of length i, or -1 if there are no
	// codes of that length.
	minCodes [maxCodeLength]int32
	// maxCodes[i] is the maximum code of length i, or -1 if there are no
	// codes of that length.
	maxCodes [maxCodeLength]int32
	// valsIndices[i] is the index into vals of minCodes[i].
	valsIndices [maxCodeLength]int32
}

// bits holds the unprocessed bits of the entropy-coded data.
//
// When the data of a scan runs out (a marker or the end of the file), zero
// bits are appended so that the decoder never has to stop in the middle of
// a symbol; pad counts them. Having used any of them (n < pad) means the
// data was short: the decoder checks that after every block.
type bits struct {
	a   uint64 // unread bits, most significant first
	n   uint   // number of unread bits in a
	pad uint   // how many of the last bits in a are padding
}

// errShortHuffmanData means that an unexpected EOF occurred while decoding
// Huffman data.
var errShortHuffmanData = FormatError("short Huffman data")

// hasFF reports whether any byte of x is 0xff.
func hasFF(x uint64) bool {
	x = ^x
	return (x-0x0101010101010101)&^x&0x8080808080808080 != 0
}

// fill loads bytes until more than 56 bits are available, undoing byte
// stuffing. It stops at a marker (0xff not followed by 0x00) and at the end
// of the data, appending zero bits instead.
func (d *decoder) fill() {
	// Fast path: the next 8 bytes hold no 0xff, so take as many whole bytes
	// as fit.
	if p := d.pos; p+8 <= len(d.data) {
		w := binary.BigEndian.Uint64(d.data[p:])
		if !hasFF(w) {
			k := (63 - d.bits.n) >> 3 // whole bytes that fit; n <= 56 gives k >= 0
			if k > 0 {
				d.bits.a |= w >> (64 - 8*k) << (64 - 8*k - d.bits.n)
				d.bits.n += 8 * k
				d.pos = p + int(k)
			}
			return
		}
	}
	for d.bits.n <= 56 {
		var c uint64
		p := d.pos
		switch {
		case p < len(d.data) && d.data[p] != 0xff:
			c = uint64(d.data[p])
			d.pos = p + 1
		case p+1 < len(d.data) && d.data[p] == 0xff && d.data[p+1] == 0x00:
			c = 0xff
			d.pos = p + 2
		default:
			// A marker, or the end of the data: do not consume it.
			d.bits.pad += 8
		}
		d.bits.a |= c << (56 - d.bits.n)
		d.bits.n += 8
	}
}

// short reports whether the decoder has used bits that are not in the data.
func (d *decoder) short() bool { return d.bits.n < d.bits.pad }

// consume drops the next n bits. The caller makes sure they are loaded.
func (d *decoder) consume(n uint) {
	d.bits.a <<= n
	d.bits.n -= n
}

// receiveExtend is the composition of RECEIVE and EXTEND, specified in
// section F.2.2.1. The caller makes sure that t <= 16 bits are loaded.
func (d *decoder) receiveExtend(t uint8) int32 {
	if t == 0 {
		return 0
	}
	x := int32(d.bits.a >> (64 - t))
	d.consume(uint(t))
	if x < 1<<(t-1) {
		x += (-1 << t) + 1
	}
	return x
}

// processDHT processes a Define Huffman Table marker, and initializes a huffman
// struct from its contents. Specified in section B.2.4.2.
func (d *decoder) processDHT(n int) error {
	for n > 0 {
		if n < 17 {
			return FormatError("DHT has wrong length")
		}
		tmp, err := d.readFull(17)
		if err != nil {
			return err
		}
		tc := tmp[0] >> 4
		if tc > maxTc {
			return FormatError("bad Tc value")
		}
		th := tmp[0] & 0x0f
		// The baseline th <= 1 restriction is specified in table B.5.
		if th > maxTh || (d.baseline && th > 1) {
			return FormatError("bad Th value")
		}
		h := &d.huff[tc][th]

		// Read nCodes and h.vals (and derive h.nCodes).
		// nCodes[i] is the number of codes with code length i.
		// h.nCodes is the total number of codes.
		h.nCodes = 0
		var nCodes [maxCodeLength]int32
		for i := range nCodes {
			nCodes[i] = int32(tmp[i+1])
			h.nCodes += nCodes[i]
		}
		if h.nCodes == 0 {
			return FormatError("Huffman table has zero length")
		}
		if h.nCodes > maxNCodes {
			return FormatError("Huffman table has excessive length")
		}
		n -= int(h.nCodes) + 17
		if n < 0 {
			return FormatError("DHT has wrong length")
		}
		vals, err := d.readFull(int(h.nCodes))
		if err != nil {
			return err
		}
		copy(h.vals[:], vals)

		// Derive minCodes, maxCodes, and valsIndices. Unlike image/jpeg,
		// reject a table with more codes of some length than that length
		// can hold (as libjpeg does): the look-up tables below assume a
		// valid prefix code.
		var c, index int32
		for i, n := range nCodes {
			if n == 0 {
				h.minCodes[i] = -1
				h.maxCodes[i] = -1
				h.valsIndices[i] = -1
			} else {
				h.minCodes[i] = c
				h.maxCodes[i] = c + n - 1
				h.valsIndices[i] = index
				c += n
				index += n
			}
			if c > 1<<(i+1) {
				return FormatError("bad Huffman table")
			}
			c <<= 1
		}

		// Derive the look-up tables.
		clear(h.lut[:])
		clear(h.fastAC[:])
		var x, code uint32
		for i := uint32(0); i < lutBits; i++ {
			l := i + 1 // code length
			for j := int32(0); j < nCodes[i]; j++ {
				// Every lutBits-bit sequence that starts with code decodes
				// to the same value.
				v := h.vals[x]
				base := code << (lutBits - l)
				for k := uint32(0); k < 1<<(lutBits-l); k++ {
					idx := base | k
					h.lut[idx] = uint16(v)<<8 | uint16(l)
					if tc != acTable {
						continue
					}
					run, size := uint32(v>>4), uint32(v&0x0f)
					if size == 0 || l+size > lutBits {
						continue
					}
					// The size value bits follow the code in idx.
					ext := int32(idx>>(lutBits-l-size)) & (1<<size - 1)
					if ext < 1<<(size-1) {
						ext += (-1 << size) + 1
					}
					h.fastAC[idx] = ext<<16 | int32(run<<8|(l+size))
				}
				code++
				x++
			}
			code <<= 1
		}
	}
	return nil
}

// decodeHuffman returns the next Huffman-coded value from the bit-stream,
// decoded according to h. The caller makes sure 16 bits are loaded.
func (d *decoder) decodeHuffman(h *huffman) (uint8, error) {
	if h.nCodes == 0 {
		return 0, FormatError("uninitialized Huffman table")
	}
	if v := h.lut[d.bits.a>>(64-lutBits)]; v != 0 {
		d.consume(uint(v & 0xff))
		return uint8(v >> 8), nil
	}
	for i := lutBits; i < maxCodeLength; i++ {
		code := int32(d.bits.a >> (63 - i))
		if code <= h.maxCodes[i] {
			d.consume(uint(i + 1))
			return h.vals[h.valsIndices[i]+code-h.minCodes[i]], nil
		}
	}
	return 0, FormatError("bad Huffman code")
}

func (d *decoder) decodeBit() bool {
	if d.bits.n < 1 {
		d.fill()
	}
	ret := d.bits.a>>63 != 0
	d.consume(1)
	return ret
}

func (d *decoder) decodeBits(n int32) uint32 {
	if d.bits.n < 32 {
		d.fill()
	}
	ret := uint32(d.bits.a >> (64 - n))
	d.consume(uint(n))
	return ret
}
