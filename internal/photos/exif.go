package photos

import (
	"bytes"
	"encoding/binary"
)

// This file holds a deliberately tiny EXIF reader: it extracts the
// Orientation tag (0x0112) of IFD0 and nothing else. Input is hostile, so
// every offset is bounds-checked, every loop has a fixed upper bound, and
// anything unexpected means "orientation 1" (no transform).

const (
	tagOrientation = 0x0112
	tiffShort      = 3
	tiffLong       = 4

	maxJPEGSegments = 1024 // metadata segments scanned before giving up
	maxRIFFChunks   = 1024
)

var exifHeader = []byte("Exif\x00\x00")

// jpegOrientation returns the EXIF orientation (1..8) of a JPEG, or 1.
func jpegOrientation(b []byte) int {
	return tiffOrientation(jpegExif(b))
}

// webpOrientation returns the EXIF orientation (1..8) of a WebP, or 1.
func webpOrientation(b []byte) int {
	return tiffOrientation(webpExif(b))
}

// jpegExif returns the TIFF payload of the first APP1 "Exif\0\0" segment
// before the first scan, or nil.
func jpegExif(b []byte) []byte {
	if len(b) < 2 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil
	}
	i := 2
	for range maxJPEGSegments {
		// Markers may be preceded by any number of 0xFF fill bytes. This
		// inner loop always advances, so it is bounded by len(b).
		for i+1 < len(b) && b[i] == 0xFF && b[i+1] == 0xFF {
			i++
		}
		if i+1 >= len(b) || b[i] != 0xFF {
			return nil
		}
		marker := b[i+1]
		switch {
		case marker == 0xDA || marker == 0xD9: // SOS, EOI: no metadata after this
			return nil
		case marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7):
			i += 2 // standalone markers have no length field
			continue
		case marker == 0x00:
			return nil // stuffed byte outside entropy data: garbage
		}
		if i+4 > len(b) {
			return nil
		}
		n := int(b[i+2])<<8 | int(b[i+3]) // includes its own two bytes
		if n < 2 || n > len(b)-i-2 {
			return nil
		}
		payload := b[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(payload, exifHeader) {
			return payload[len(exifHeader):]
		}
		i += 2 + n
	}
	return nil
}

// webpAnimated reports whether a WebP declares animation in its VP8X chunk.
func webpAnimated(b []byte) bool {
	// RIFF(4) size(4) WEBP(4) "VP8X"(4) size(4) flags(1)...
	return len(b) >= 21 && string(b[12:16]) == "VP8X" && b[20]&0x02 != 0
}

// webpExif returns the TIFF payload of a WebP "EXIF" chunk, or nil.
func webpExif(b []byte) []byte {
	data, ok := webpChunk(b, "EXIF")
	if !ok {
		return nil
	}
	// The WebP spec says raw TIFF, but some writers keep the JPEG APP1
	// prefix.
	return bytes.TrimPrefix(data, exifHeader)
}

// webpChunk returns the payload of the first top-level RIFF chunk id of a
// WebP, looking at no more than maxRIFFChunks chunks.
func webpChunk(b []byte, id string) ([]byte, bool) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil, false
	}
	end := len(b)
	if riff := uint64(binary.LittleEndian.Uint32(b[4:8])) + 8; riff < uint64(end) {
		end = int(riff)
	}
	i := 12
	for range maxRIFFChunks {
		if end-i < 8 {
			return nil, false
		}
		size := uint64(binary.LittleEndian.Uint32(b[i+4 : i+8]))
		if size > uint64(end-i-8) {
			return nil, false
		}
		if string(b[i:i+4]) == id {
			return b[i+8 : i+8+int(size)], true
		}
		i += 8 + int(size) + int(size&1) // chunks are padded to even size
	}
	return nil, false
}

// tiffOrientation reads tag 0x0112 from IFD0 of a TIFF structure (as found
// after "Exif\0\0"). It returns 1 for anything missing, malformed or out of
// range.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 1
	}
	// uint64 arithmetic: no overflow on 32-bit platforms.
	off := uint64(bo.Uint32(t[4:8]))
	size := uint64(len(t))
	if off < 8 || off > size || size-off < 2 {
		return 1
	}
	count := uint64(bo.Uint16(t[off:]))
	entries := t[off+2:]
	// An IFD that claims more entries than the data holds is corrupt; do
	// not guess which ones are real.
	if count*12 > uint64(len(entries)) {
		return 1
	}
	for k := range int(count) { // count <= 65535
		e := entries[12*k : 12*k+12]
		if bo.Uint16(e[0:2]) != tagOrientation {
			continue
		}
		if bo.Uint32(e[4:8]) != 1 {
			return 1
		}
		var v uint32
		switch bo.Uint16(e[2:4]) {
		case tiffShort:
			v = uint32(bo.Uint16(e[8:10]))
		case tiffLong: // not per spec, but harmless to accept
			v = bo.Uint32(e[8:12])
		default:
			return 1
		}
		if v >= 1 && v <= 8 {
			return int(v)
		}
		return 1
	}
	return 1
}
