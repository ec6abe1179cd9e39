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
// What this package must not do:
//   - It stores nothing: no files, no database rows, no caches. The caller
//     decides what to do with the returned bytes.
//   - It never keeps metadata. The output is produced by image/jpeg, which
//     writes no APPn or COM segments, so EXIF (including GPS position, camera
//     serial numbers and timestamps), XMP, ICC profiles and comments of the
//     input are always dropped. Only the orientation is read, and it is
//     applied to the pixels rather than copied.
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
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Default limits used for zero (or negative) fields of Options.
const (
	DefaultMaxBytes     = 10 << 20
	DefaultMaxPixels    = 40_000_000
	DefaultMaxDimension = 1600
	DefaultJPEGQuality  = 82

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
}

// DefaultOptions returns the defaults used for zero fields of Options.
func DefaultOptions() Options {
	return Options{
		MaxBytes:     DefaultMaxBytes,
		MaxPixels:    DefaultMaxPixels,
		MaxDimension: DefaultMaxDimension,
		JPEGQuality:  DefaultJPEGQuality,
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

// Process validates, decodes, orients, resizes and re-encodes one uploaded
// photo. Zero-value fields of opt take the defaults. Every error is an
// *Error.
func Process(data []byte, opt Options) (*Photo, error) {
	return guard(func() (*Photo, error) { return process(data, opt.withDefaults()) })
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

func process(data []byte, opt Options) (*Photo, error) {
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
	var (
		cfg image.Config
		err error
	)
	r := bytes.NewReader(data)
	switch f {
	case formatJPEG:
		cfg, err = jpeg.DecodeConfig(r)
	case formatPNG:
		cfg, err = png.DecodeConfig(r)
	case formatWebP:
		cfg, err = webp.DecodeConfig(r)
	}
	if err != nil {
		return nil, reject(KindCorrupt, "cannot read header: %v", err)
	}
	if err := checkPixels(cfg.Width, cfg.Height, opt.MaxPixels); err != nil {
		return nil, err
	}

	// 4. Orientation (cheap, bounded, never fails).
	orientation := 1
	switch f {
	case formatJPEG:
		orientation = jpegOrientation(data)
	case formatWebP:
		orientation = webpOrientation(data)
	}

	// 5. Full decode.
	r.Reset(data)
	var img image.Image
	switch f {
	case formatJPEG:
		img, err = jpeg.Decode(r)
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
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, reject(KindCorrupt, "decoded size %dx%d differs from header %dx%d", b.Dx(), b.Dy(), cfg.Width, cfg.Height)
	}

	// 6. Resize (in stored orientation: the longer edge is the same either
	// way, and rotating the small image is much cheaper), flatten onto
	// white, then orient.
	w, h := fitWithin(b.Dx(), b.Dy(), opt.MaxDimension)
	rgba := orient(flatten(img, w, h), orientation)

	// 7. Encode. image/jpeg writes SOI, DQT, SOF0, DHT, SOS and EOI only: no
	// APPn/COM segment, hence no metadata.
	var buf bytes.Buffer
	buf.Grow(rgba.Rect.Dx() * rgba.Rect.Dy() / 4)
	if err := jpeg.Encode(&buf, rgba, &jpeg.Options{Quality: opt.JPEGQuality}); err != nil {
		return nil, reject(KindCorrupt, "cannot encode: %v", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return &Photo{
		Data:        buf.Bytes(),
		ContentType: "image/jpeg",
		Width:       rgba.Rect.Dx(),
		Height:      rgba.Rect.Dy(),
		SHA256:      hex.EncodeToString(sum[:]),
	}, nil
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

// Resizing uses draw.ApproxBiLinear, in steps, and not draw.CatmullRom.
//
// The server has two cores, so the cost per photo matters. Measured there
// on BenchmarkProcess1MB (a 1 MB 3000x2000 JPEG; decoding alone takes about
// 65 ms of it):
//   - CatmullRom: about 350 ms and 120 MB allocated per photo. Its kernel
//     scaler keeps a float64 RGBA scratch buffer of output width x input
//     height (32 bytes per entry); for a 40-megapixel square input that is
//     over 300 MB, a memory problem on its own.
//   - ApproxBiLinear: about 140 ms and 16 MB per photo. Used in a single
//     pass it reads only the 2x2 source pixels nearest each output pixel,
//     so at the usual phone downscale (4000 -> 1600, 2.5x) most source
//     pixels are skipped and fine detail aliases into moire - and the digits
//     of a scale's display or a price label are exactly such detail.
//
// So flatten halves the image with ApproxBiLinear while it is still at least
// twice the target size (at exactly 2x, bilinear sampling falls midway
// between four pixels: an exact 2x2 box average, i.e. real anti-aliasing),
// then does one last ApproxBiLinear pass of less than 2x, in which every
// source pixel still contributes. This keeps ApproxBiLinear's speed and
// small memory without its moire; TestResizeAntiAliasing checks it.
var resampler draw.Interpolator = draw.ApproxBiLinear

// flatten draws img into a new w x h RGBA image, downscaling if needed and
// compositing any transparency onto white (JPEG has no alpha channel; a
// transparent PNG would otherwise turn black).
func flatten(img image.Image, w, h int) *image.RGBA {
	sb := img.Bounds()
	cw, ch := sb.Dx(), sb.Dy()
	// First step: the only one that reads img, so the only one that needs
	// to composite. Halve if the result still covers the target.
	if cw/2 >= w && ch/2 >= h {
		cw, ch = cw/2, ch/2
	} else {
		cw, ch = w, h
	}
	dst := image.NewRGBA(image.Rect(0, 0, cw, ch))
	if o, ok := img.(interface{ Opaque() bool }); !ok || !o.Opaque() {
		draw.Draw(dst, dst.Rect, image.White, image.Point{}, draw.Src)
	}
	// draw.Over onto white is the composite; for opaque sources image/draw
	// and x/image/draw switch to the faster Src path themselves.
	if cw == sb.Dx() && ch == sb.Dy() {
		draw.Draw(dst, dst.Rect, img, sb.Min, draw.Over)
	} else {
		resampler.Scale(dst, dst.Rect, img, sb, draw.Over, nil)
	}
	// Further steps work on the opaque RGBA result. Each at least halves
	// the pixel count, so there are at most about log2(30000) of them.
	for cw != w || ch != h {
		if cw/2 >= w && ch/2 >= h {
			cw, ch = cw/2, ch/2
		} else {
			cw, ch = w, h
		}
		next := image.NewRGBA(image.Rect(0, 0, cw, ch))
		resampler.Scale(next, next.Rect, dst, dst.Rect, draw.Src, nil)
		dst = next
	}
	return dst
}

// orient returns src transformed for display according to an EXIF
// orientation value (1..8). For 1 (or any unknown value) src is returned.
//
// For a W x H source, with (x, y) the output pixel:
//
//	2 mirror horizontal    src(W-1-x, y)
//	3 rotate 180           src(W-1-x, H-1-y)
//	4 mirror vertical      src(x, H-1-y)
//	5 transpose            src(y, x)             output is H x W
//	6 rotate 90 clockwise  src(y, H-1-x)         output is H x W
//	7 transverse           src(W-1-y, H-1-x)     output is H x W
//	8 rotate 90 counter-cw src(W-1-y, x)         output is H x W
func orient(src *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return src
	}
	W, H := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := W, H
	if o >= 5 {
		dw, dh = H, W
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		drow := dst.Pix[y*dst.Stride : y*dst.Stride+4*dw]
		for x := range dw {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = W-1-x, y
			case 3:
				sx, sy = W-1-x, H-1-y
			case 4:
				sx, sy = x, H-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, H-1-x
			case 7:
				sx, sy = W-1-y, H-1-x
			case 8:
				sx, sy = W-1-y, x
			}
			si := sy*src.Stride + 4*sx
			copy(drow[4*x:4*x+4], src.Pix[si:si+4])
		}
	}
	return dst
}
