package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"sync"

	qrcode "github.com/skip2/go-qrcode"
)

// level is the error-correction level of every code we print: M recovers
// about 15% damage, enough for a scuffed label, and keeps the symbol small.
const level = qrcode.Medium

// bitmap encodes content with go-qrcode at level M and returns its modules,
// bitmap[y][x] true for dark, including the standard 4-module quiet zone.
// (A qrcode.QRCode must be rendered only once: its encode step appends
// padding to its data on every call.)
func bitmap(content string) ([][]bool, error) {
	q, err := qrcode.New(content, level)
	if err != nil {
		return nil, err
	}
	return q.Bitmap(), nil
}

// Version returns the QR version (1-40) go-qrcode picks for content at
// level M. Version 3 is 29×29 modules.
func Version(content string) (int, error) {
	q, err := qrcode.New(content, level)
	if err != nil {
		return 0, err
	}
	return q.VersionNumber, nil
}

// pngEncoder reuses its deflate state between calls (it is most of the
// memory a PNG costs).
var pngEncoder = &png.Encoder{CompressionLevel: png.DefaultCompression, BufferPool: &bufferPool{}}

type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() *png.EncoderBuffer {
	if e, ok := b.p.Get().(*png.EncoderBuffer); ok {
		return e
	}
	return nil
}

func (b *bufferPool) Put(e *png.EncoderBuffer) { b.p.Put(e) }

// PNG renders content as a size×size black-on-white PNG at level M with the
// standard 4-module quiet zone. Unlike go-qrcode's own PNG, which stretches
// modules to unequal widths to fill the size exactly, every module here is
// the same whole number of pixels and the symbol is centred, the remainder
// widening the white margin: edges stay sharp when the image is printed.
// size must be at least the module count including the quiet zone (37 for
// version 3).
func PNG(content string, size int) ([]byte, error) {
	bm, err := bitmap(content)
	if err != nil {
		return nil, err
	}
	n := len(bm)
	if size < n {
		return nil, fmt.Errorf("qr: size %d px is below the %d modules of this code", size, n)
	}
	scale := size / n
	off := (size - scale*n) / 2

	img := image.NewPaletted(image.Rect(0, 0, size, size),
		color.Palette{color.Gray{Y: 0xff}, color.Gray{Y: 0}})
	for my, row := range bm {
		y0 := off + my*scale
		line := img.Pix[y0*img.Stride : y0*img.Stride+size]
		for mx, dark := range row {
			if dark {
				x0 := off + mx*scale
				for x := x0; x < x0+scale; x++ {
					line[x] = 1
				}
			}
		}
		for y := y0 + 1; y < y0+scale; y++ {
			copy(img.Pix[y*img.Stride:y*img.Stride+size], line)
		}
	}
	var buf bytes.Buffer
	buf.Grow(1024)
	if err := pngEncoder.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SVG renders content as a vector image for print: a viewBox of one unit per
// module (quiet zone of 4 included), a white background and a single <path>
// in which each horizontal run of dark modules is one rectangle. It has no
// pixel width or height, so it scales to whatever the label layout gives it;
// shape-rendering="crispEdges" keeps module edges from being anti-aliased.
func SVG(content string) ([]byte, error) {
	bm, err := bitmap(content)
	if err != nil {
		return nil, err
	}
	n := len(bm)
	if n == 0 {
		return nil, errors.New("qr: empty symbol")
	}
	ns := strconv.Itoa(n)
	var b bytes.Buffer
	b.Grow(4096)
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 `)
	b.WriteString(ns + " " + ns)
	b.WriteString(`" shape-rendering="crispEdges"><rect width="`)
	b.WriteString(ns + `" height="` + ns)
	b.WriteString(`" fill="#fff"/><path fill="#000" d="`)
	d := make([]byte, 0, 4096)
	for y, row := range bm {
		for x := 0; x < n; {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < n && row[x] {
				x++
			}
			// M<x> <y>h<w>v1h-<w>z: a 1-module-high rectangle of width w.
			d = append(d, 'M')
			d = strconv.AppendInt(d, int64(start), 10)
			d = append(d, ' ')
			d = strconv.AppendInt(d, int64(y), 10)
			d = append(d, 'h')
			d = strconv.AppendInt(d, int64(x-start), 10)
			d = append(d, "v1h-"...)
			d = strconv.AppendInt(d, int64(x-start), 10)
			d = append(d, 'z')
		}
	}
	b.Write(d)
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}
