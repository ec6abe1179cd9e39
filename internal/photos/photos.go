// Package photos turns an untrusted uploaded photo (a citizen's evidence
// photo, a merchant's shop-front photo) into a clean, bounded JPEG that is
// safe to store and show.
//
// Process detects the format from the bytes (JPEG, PNG or WebP; never from a
// file name or a client-sent content type), rejects oversized files and
// "pixel bombs" from the header before any pixel buffer is allocated,
// decodes, applies the EXIF orientation, shrinks the photo so its longer edge
// fits the configured limit, flattens transparency onto white and re-encodes
// it as a baseline JPEG.
//
// Memory is bounded twice, both from the header. Each photo has a budget:
// the bytes its decoding will allocate, from the image type Go's decoders
// really make (a 16-bit RGBA PNG is 8 bytes a pixel, a progressive JPEG
// keeps 4 bytes per coefficient of the full-size image), the resize and
// output buffers and the file itself (see budget.go). A photo over
// Options.MaxMemory is refused as KindTooManyPixels. And every photo a
// server takes goes through its one Limiter (NewServerLimiter, sized from
// HM_PHOTO_MEMORY_MB and handed to each service that takes photos), which
// admits a photo only once its budget fits beside those already being
// decoded, and at most one per CPU. So the memory of all photos being decoded together never exceeds
// the Limiter's, whatever is uploaded; a large photo's buffers are
// collected before its share is handed on, and buffers above 4 MB are not
// pooled. The server's peak RSS stays within its baseline plus that memory
// times 1.1 plus 48 MB (the garbage of small photos, which waits for
// GOGC, and the requests waiting their turn): TestPhotoBombsBoundPeakRSS
// in internal/faults.
//
// What this package must not do:
//   - It stores nothing: no files, no database rows, no caches. The caller
//     decides what to do with the returned bytes.
//   - It never keeps metadata. The output is a fresh encode by the jpeg
//     subpackage (a fork of image/jpeg), which writes no APPn or COM
//     segments, so EXIF (including GPS position, camera serial numbers and
//     timestamps), XMP, ICC profiles and comments of the input are always
//     dropped. Only the orientation is read, and it is applied to the
//     pixels rather than copied.
//   - It never trusts the input: every failure is returned as an *Error with
//     a Kind, and a panic inside a decoder is recovered and reported as
//     KindCorrupt.
package photos

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"

	"golang.org/x/image/webp"

	"honestmeasure/internal/photos/jpeg" // image/jpeg, forked for scaled decoding
)

// Default limits used for zero (or negative) fields of Options.
const (
	DefaultMaxBytes     = 10 << 20
	DefaultMaxPixels    = 40_000_000
	DefaultMaxDimension = 1600
	DefaultJPEGQuality  = 82

	// DefaultMaxMemory is the most one photo may make the server allocate
	// while it is processed (see decodeBudget). 128 MB takes every photo a
	// camera or phone makes: a 12-megapixel progressive JPEG needs about
	// 95 MB plus its file (its coefficients alone are 72), a baseline one
	// of any size up to MaxPixels under 50 MB thanks to the scaled decode,
	// an 8-bit RGBA PNG up to about 22 megapixels. It refuses what only an
	// attacker sends: the 16-bit RGBA PNG of 6300x6300 would need 339 MB, a
	// progressive JPEG of 40 megapixels 245 MB. And it is two thirds of
	// DefaultMemory, so that one such photo and one ordinary one can be
	// processed at the same time on the two-core server.
	DefaultMaxMemory = 128 << 20

	// maxSide is a hard limit on either side of the input, whatever the
	// options say. No phone camera produces anything close to it.
	maxSide = 30000
)

// Options bounds the work Process will do. Zero-value (and negative) fields
// take the defaults above.
type Options struct {
	MaxBytes     int // reject input larger than this (default 10 << 20)
	MaxPixels    int // reject images whose width*height exceeds this, checked from the header before decoding (default 40_000_000)
	MaxDimension int // resize so the longer edge is at most this (default 1600); never upscale
	JPEGQuality  int // output JPEG quality 1..100 (default 82); values above 100 are treated as 100
	// MaxMemory refuses (as KindTooManyPixels) a photo whose decoding
	// would allocate more than this many bytes, worked out from the header
	// (default DefaultMaxMemory; never more than the Limiter's memory).
	MaxMemory int64
}

// DefaultOptions returns the defaults used for zero fields of Options.
func DefaultOptions() Options {
	return Options{
		MaxBytes:     DefaultMaxBytes,
		MaxPixels:    DefaultMaxPixels,
		MaxDimension: DefaultMaxDimension,
		JPEGQuality:  DefaultJPEGQuality,
		MaxMemory:    DefaultMaxMemory,
	}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.MaxBytes <= 0 {
		o.MaxBytes = d.MaxBytes
	}
	if o.MaxPixels <= 0 {
		o.MaxPixels = d.MaxPixels
	}
	if o.MaxDimension <= 0 {
		o.MaxDimension = d.MaxDimension
	}
	if o.JPEGQuality <= 0 {
		o.JPEGQuality = d.JPEGQuality
	}
	if o.JPEGQuality > 100 {
		o.JPEGQuality = 100
	}
	if o.MaxMemory <= 0 {
		o.MaxMemory = d.MaxMemory
	}
	return o
}

// Photo is a processed photo, ready to be stored.
type Photo struct {
	Data          []byte // JPEG bytes, no metadata
	ContentType   string // "image/jpeg"
	Width, Height int    // after orientation and resizing
	SHA256        string // lower-case hex of Data
}

// Kind classifies a rejection so the UI can show a translated message per
// kind. Detail in Error is for logs, not for end users.
type Kind int

const (
	KindTooLarge      Kind = iota + 1 // file is bigger than Options.MaxBytes
	KindNotImage                      // not a JPEG, PNG or WebP (GIF, HEIC, PDF, text, empty...)
	KindTooManyPixels                 // header claims too many pixels (or a side <= 0 or > 30000)
	KindCorrupt                       // looks like a supported image but cannot be decoded
)

// String returns a short English name of the kind, for logs.
func (k Kind) String() string {
	switch k {
	case KindTooLarge:
		return "too large"
	case KindNotImage:
		return "not an image"
	case KindTooManyPixels:
		return "too many pixels"
	case KindCorrupt:
		return "corrupt"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is the only error type returned by Process.
type Error struct {
	Kind   Kind
	Detail string // technical detail for logs; may be empty
}

// Error returns a short English sentence describing the rejection.
func (e *Error) Error() string {
	var s string
	switch e.Kind {
	case KindTooLarge:
		s = "photo file is too large"
	case KindNotImage:
		s = "file is not a JPEG, PNG or WebP photo"
	case KindTooManyPixels:
		s = "photo has too many pixels"
	case KindCorrupt:
		s = "photo file is damaged and cannot be read"
	default:
		s = "photo was rejected"
	}
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

func reject(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Detail: fmt.Sprintf(format, args...)}
}

// panicDetailPrefix starts the Detail of errors produced by a recovered
// panic; the fuzz test uses it to tell real decoder bugs from ordinary
// rejections.
const panicDetailPrefix = "decoder panic: "

// Process validates, decodes, orients, resizes and re-encodes one photo at
// once, with no Limiter: for tools and tests. A server sends every upload
// through its Limiter's Process instead, which bounds the memory and CPUs
// all photos take together. Zero-value fields of opt take the defaults.
// Every error is an *Error.
func Process(data []byte, opt Options) (*Photo, error) {
	opt = opt.withDefaults()
	return guard(func() (*Photo, error) {
		h, err := inspect(data, opt)
		if err != nil {
			return nil, err
		}
		if h.budget > opt.MaxMemory {
			return nil, tooMuchMemory(h, opt.MaxMemory)
		}
		return decode(data, h, opt)
	})
}

// guard is the last line of defence: a panic in a decoder (or in this
// package) becomes a KindCorrupt error instead of taking the server down.
// It cannot catch the runtime's fatal out-of-memory error; the header
// checks in process exist for that.
func guard(f func() (*Photo, error)) (p *Photo, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, reject(KindCorrupt, "%s%v", panicDetailPrefix, r)
		}
	}()
	p, err = f()
	if err != nil {
		// Keep the contract "every error is an *Error", even for a nil *Error.
		if e, ok := err.(*Error); !ok || e == nil {
			err = reject(KindCorrupt, "%v", err)
		}
		p = nil
	}
	return p, err
}

type format int

const (
	formatUnknown format = iota
	formatJPEG
	formatPNG
	formatWebP
)

// sniff identifies the format by its magic number.
func sniff(b []byte) format {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return formatJPEG
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return formatPNG
	case len(b) >= 16 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP" && string(b[12:15]) == "VP8":
		// The fourth byte tells VP8 (lossy), VP8L (lossless) or VP8X (extended).
		return formatWebP
	}
	return formatUnknown
}

// describeUnsupported names a few common formats we refuse, only to make the
// log detail useful.
func describeUnsupported(b []byte) string {
	has := func(p string) bool { return bytes.HasPrefix(b, []byte(p)) }
	switch {
	case has("GIF87a"), has("GIF89a"):
		return "GIF"
	case has("BM"):
		return "BMP"
	case has("II*\x00"), has("MM\x00*"):
		return "TIFF"
	case has("%PDF"):
		return "PDF"
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		return "ISO media (HEIC/HEIF/AVIF/video)"
	case has("RIFF"):
		return "RIFF container that is not WebP"
	}
	head := bytes.TrimLeft(b[:min(len(b), 512)], "\xef\xbb\xbf \t\r\n")
	if bytes.HasPrefix(head, []byte("<")) {
		return "XML/SVG/HTML text"
	}
	return "unknown content"
}

// Budget is the memory in bytes Process would allocate for data (the
// file included), worked out from its header alone; an error is the
// rejection Process would return before decoding.
func Budget(data []byte, opt Options) (int64, error) {
	var n int64
	_, err := guard(func() (*Photo, error) {
		h, err := inspect(data, opt.withDefaults())
		if err != nil {
			return nil, err
		}
		n = h.budget
		return nil, nil
	})
	return n, err
}

func tooMuchMemory(h *header, limit int64) *Error {
	return reject(KindTooManyPixels, "header claims %dx%d, decoding would need %d MB, limit is %d MB",
		h.cfg.Width, h.cfg.Height, h.budget>>20, limit>>20)
}

// inspect does the checks that need only the header, and works out the
// photo's memory budget.
func inspect(data []byte, opt Options) (*header, error) {
	// 1. Size, before looking at anything else.
	if len(data) > opt.MaxBytes {
		return nil, reject(KindTooLarge, "%d bytes, limit is %d", len(data), opt.MaxBytes)
	}
	if len(data) == 0 {
		return nil, reject(KindNotImage, "empty file")
	}

	// 2. Format from the magic number only.
	f := sniff(data)
	if f == formatUnknown {
		return nil, reject(KindNotImage, "detected %s; only JPEG, PNG and WebP are accepted", describeUnsupported(data))
	}
	if f == formatWebP && webpAnimated(data) {
		return nil, reject(KindNotImage, "animated WebP is not accepted")
	}

	// 3. Dimensions from the header, before any pixel buffer exists.
	// The format-specific DecodeConfig is used instead of
	// image.DecodeConfig so that a format registered elsewhere in the
	// program (GIF, BMP...) can never sneak in.
	h := &header{format: f, orientation: 1}
	var err error
	switch f {
	case formatJPEG:
		h.jpeg, err = jpeg.DecodeHeader(data)
		h.cfg = h.jpeg.Config
	case formatPNG:
		h.cfg, err = png.DecodeConfig(bytes.NewReader(data))
	case formatWebP:
		h.cfg, err = webp.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil {
		return nil, reject(KindCorrupt, "cannot read header: %v", err)
	}
	if err := checkPixels(h.cfg.Width, h.cfg.Height, opt.MaxPixels); err != nil {
		return nil, err
	}

	// 4. Orientation (cheap, bounded, never fails).
	switch f {
	case formatJPEG:
		h.orientation = jpegOrientation(data)
	case formatWebP:
		h.orientation = webpOrientation(data)
	}

	// 5. What decoding will cost, from all of the above.
	h.budget = decodeBudget(data, h, opt)
	return h, nil
}

// decode does the work inspect has budgeted.
func decode(data []byte, h *header, opt Options) (*Photo, error) {
	cfg, orientation := h.cfg, h.orientation
	// 6. Full decode. The output size is known from the header, and a JPEG
	// is decoded straight at the smallest n/8 scale that still covers it
	// (see jpeg.Decode): at 3000x2000 -> 1600x1067 that is 5/8, and most of
	// the decoder's work is never done. The longer edge is the same in
	// either orientation, so the size can be worked out before orienting.
	w, hh := fitWithin(cfg.Width, cfg.Height, opt.MaxDimension)
	wantW, wantH := cfg.Width, cfg.Height
	cover := [2]float64{float64(cfg.Width), float64(cfg.Height)} // picture size in decoded pixels
	r := bytes.NewReader(data)
	var (
		img image.Image
		s   scratch
		err error
	)
	defer s.release()
	switch h.format {
	case formatJPEG:
		// Not for RGB or CMYK JPEGs, rare enough: their subsampled planes
		// are colours, not chroma, and at n/8 would be too coarse for the
		// output.
		n := jpegScaleFor(cfg, opt)
		wantW, wantH = jpeg.ScaledSize(cfg.Width, cfg.Height, n)
		cover = [2]float64{float64(cfg.Width*n) / 8, float64(cfg.Height*n) / 8}
		img, err = jpeg.DecodeWith(data, n, s.bytes)
	case formatPNG:
		img, err = png.Decode(r)
	case formatWebP:
		img, err = webp.Decode(r)
	}
	if err != nil {
		return nil, reject(KindCorrupt, "cannot decode: %v", err)
	}
	if img == nil {
		return nil, reject(KindCorrupt, "decoder returned no image")
	}
	b := img.Bounds()
	if b.Dx() != wantW || b.Dy() != wantH {
		return nil, reject(KindCorrupt, "decoded size %dx%d differs from header %dx%d", b.Dx(), b.Dy(), wantW, wantH)
	}

	// 7. Resize, flatten onto white and orient, in one pass (see render).
	if orientation >= 5 {
		w, hh = hh, w
	}
	out := renderCover(&s, img, cover[0], cover[1], w, hh, orientation)

	// 8. Encode. The encoder writes SOI, DQT, SOF0, DHT, SOS and EOI only:
	// no APPn/COM segment, hence no metadata. It writes its buffer once,
	// which is kept rather than copied.
	var buf onceWriter
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: opt.JPEGQuality}); err != nil {
		return nil, reject(KindCorrupt, "cannot encode: %v", err)
	}
	sum := sha256.Sum256(buf.b)
	return &Photo{
		Data:        buf.b,
		ContentType: "image/jpeg",
		Width:       w,
		Height:      hh,
		SHA256:      hex.EncodeToString(sum[:]),
	}, nil
}

// onceWriter keeps what is written to it, without copying the first write.
type onceWriter struct{ b []byte }

func (o *onceWriter) Write(p []byte) (int, error) {
	if o.b == nil {
		o.b = p
	} else {
		o.b = append(o.b, p...)
	}
	return len(p), nil
}

// Cost per photo, measured on BenchmarkProcess1MB (a 1 MB 3000x2000 JPEG
// to 1600x1067) on the two-core server, where 25 reports a second, each
// with such a photo, share the CPU with the HTTP server and the database:
//   - Before: 142 ms. image/jpeg's full decode about 65 ms, the
//     x/image/draw resize about 45 ms and image/jpeg's encode about 30 ms.
//   - Now: about 42 ms. The decode at 5/8 about 20 ms (12 of them entropy
//     decoding, which no scale saves), render 8 ms, the encode 12 ms.
//
// The scaled decode is the one trade-off. Like libjpeg's, it drops each
// 8x8 block's frequencies above n/8 instead of filtering across block
// edges. Detail a camera delivers comes out as from a full-size decode
// (TestProcessFineDetail); full-contrast 1-pixel stripes, which lenses do
// not deliver, keep a faint ripple (about 25 levels in 255 at 2.5x) that
// a full-size decode and resize would smooth away, for about 20 ms more.

// jpegScale returns the smallest n for which a w x h JPEG decoded at n/8
// still covers tw x th, so that shrinking it further only ever averages:
// the picture is w*n/8 pixels wide at that scale (the decoded image is
// rounded up to whole pixels, but the last one is partly outside it).
func jpegScale(w, h, tw, th int) int {
	for n := 1; n < 8; n++ {
		if w*n >= 8*tw && h*n >= 8*th {
			return n
		}
	}
	return 8
}

// checkPixels applies the header limits. Done in int64-safe order: each side
// is bounded first, so the product cannot overflow even with 32-bit int.
func checkPixels(w, h, maxPixels int) error {
	switch {
	case w <= 0 || h <= 0:
		return reject(KindTooManyPixels, "header claims %dx%d", w, h)
	case w > maxSide || h > maxSide:
		return reject(KindTooManyPixels, "header claims %dx%d, a side exceeds %d", w, h, maxSide)
	case w*h > maxPixels:
		return reject(KindTooManyPixels, "header claims %dx%d = %d pixels, limit is %d", w, h, w*h, maxPixels)
	}
	return nil
}

// fitWithin returns the size that makes the longer edge at most maxDim while
// keeping the aspect ratio. It never upscales and never returns a zero side.
func fitWithin(w, h, maxDim int) (int, int) {
	long := max(w, h)
	if long <= maxDim {
		return w, h
	}
	// Rounded integer arithmetic; w, h <= 30000 and maxDim is an int, so
	// w*maxDim fits in int64; use int64 explicitly for 32-bit platforms.
	nw := int((int64(w)*int64(maxDim) + int64(long)/2) / int64(long))
	nh := int((int64(h)*int64(maxDim) + int64(long)/2) / int64(long))
	return max(nw, 1), max(nh, 1)
}
