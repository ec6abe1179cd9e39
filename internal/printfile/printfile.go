// Package printfile makes the files a print shop takes: the demonstration
// unit's poster and the instruments' label sheet, as PDF (vector text, the
// QR code as an image) and as PNG.
//
// Chinese needs a CJK font inside each file: a phone or a print shop's PC
// cannot be trusted to have one. The product embeds Droid Sans Fallback
// (Apache-2.0, fonts/COPYRIGHT), a TrueType font covering GB 18030's common
// hanzi, so the binary needs nothing from the machine it runs on. The PDF
// carries only the glyphs its text uses (fpdf subsets the font), a few
// kilobytes; the PNG is rendered with the same font.
package printfile

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

//go:embed fonts/DroidSansFallbackFull.ttf
var cjkFont []byte

// latinFont draws what the CJK font lacks — Droid Sans Fallback has no
// Latin letters, digits or ASCII punctuation: Go Regular (BSD, shipped in
// golang.org/x/image), chosen rune by rune (runs).
var latinFont = goregular.TTF

var (
	fontsOnce      sync.Once
	cjkOT, latinOT *opentype.Font
	fontsErr       error
	cjkGlyphs      sfnt.Buffer
	cjkGlyphsMu    sync.Mutex
)

func loadFonts() error {
	fontsOnce.Do(func() {
		if cjkOT, fontsErr = opentype.Parse(cjkFont); fontsErr != nil {
			return
		}
		latinOT, fontsErr = opentype.Parse(latinFont)
	})
	return fontsErr
}

// inCJK says whether the CJK font draws r; everything else is drawn with
// the Latin font.
func inCJK(r rune) bool {
	if r < 0x2E80 { // below the CJK blocks: Latin, digits, punctuation, symbols
		return false
	}
	cjkGlyphsMu.Lock()
	defer cjkGlyphsMu.Unlock()
	i, err := cjkOT.GlyphIndex(&cjkGlyphs, r)
	return err == nil && i != 0
}

// run is a stretch of text drawn with one font.
type run struct {
	text string
	cjk  bool
}

// runs splits s where the font changes.
func runs(s string) []run {
	var out []run
	for _, r := range s {
		c := inCJK(r)
		if n := len(out); n > 0 && out[n-1].cjk == c {
			out[n-1].text += string(r)
			continue
		}
		out = append(out, run{string(r), c})
	}
	return out
}

// Poster is what the demonstration-unit poster says.
type Poster struct {
	Heading  string   // 诚信计量示范单位
	UnitName string   // the unit, large
	Address  string   // where it is
	Points   []string // the pledge's key points
	Footer   string   // the supervising bureau and the hotline
	Note     string   // how to use the code (scan to check, report)
	Version  string   // the code's version, small, for the merchant
	QR       []byte   // the unit's code, PNG
}

// Label is one instrument's sticker.
type Label struct {
	Unit    string // the unit's name
	Type    string // the instrument's type
	Serial  string // its serial number
	State   string // its verification state in words
	Warning bool   // the state is a problem (printed in red, with a box)
	QR      []byte // its code, PNG
}

// The label stock: an A4 sheet of 24 labels of 70 × 37 mm, 3 across and 8
// down, with no margins between them — the most common 24-up self-adhesive
// sheet in Chinese stationery shops (and Avery 3474 elsewhere), which any
// laser or inkjet printer takes.
const (
	LabelsAcross   = 3
	LabelsDown     = 8
	LabelWidthMM   = 70.0
	LabelHeightMM  = 37.0
	LabelsPerSheet = LabelsAcross * LabelsDown
	// MaxLabels bounds one request: ten sheets, more instruments than any
	// market stall has, and a bounded amount of work for the server.
	MaxLabels = 10 * LabelsPerSheet
)

// A4 in millimetres, and the PNG's resolution: 150 dpi, plenty for a poster
// read from a metre away, 1240 × 1754 pixels.
const (
	a4W, a4H  = 210.0, 297.0
	pngDPI    = 150.0
	PNGWidth  = 1240
	PNGHeight = 1754
)

func newPDF() *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.AddUTF8FontFromBytes("cjk", "", cjkFont)
	pdf.AddUTF8FontFromBytes("latin", "", latinFont)
	pdf.SetCreator("honestmeasure", true)
	return pdf
}

func output(pdf *fpdf.Fpdf) ([]byte, error) {
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// pdfText writes s from its top y (mm) at size points, wrapped at width
// between any two characters (Chinese has no spaces to break at), each line
// centred on the page when x < 0 or from x; each run in its own font. It
// returns the top of the next line.
func pdfText(pdf *fpdf.Fpdf, s string, size, x, y, width float64) float64 {
	lineH := size * 0.46
	widthOf := func(r run) float64 {
		if r.cjk {
			pdf.SetFont("cjk", "", size)
		} else {
			pdf.SetFont("latin", "", size)
		}
		return pdf.GetStringWidth(r.text)
	}
	var lines [][]run
	var line []run
	lineW := 0.0
	for _, rn := range runs(s) {
		for _, ch := range rn.text {
			piece := run{string(ch), rn.cjk}
			w := widthOf(piece)
			if lineW+w > width && len(line) > 0 {
				lines, line, lineW = append(lines, line), nil, 0
			}
			if n := len(line); n > 0 && line[n-1].cjk == piece.cjk {
				line[n-1].text += piece.text
			} else {
				line = append(line, piece)
			}
			lineW += w
		}
	}
	if len(line) > 0 {
		lines = append(lines, line)
	}
	for _, l := range lines {
		total := 0.0
		for _, r := range l {
			total += widthOf(r)
		}
		left := x
		if x < 0 {
			left = (a4W - total) / 2
		}
		for _, r := range l {
			w := widthOf(r) // sets the run's font
			pdf.Text(left, y+size*0.36, r.text)
			left += w
		}
		y += lineH
	}
	return y
}

// PosterPDF is the poster as an A4 PDF.
func PosterPDF(p Poster) ([]byte, error) {
	if err := loadFonts(); err != nil {
		return nil, err
	}
	pdf := newPDF()
	pdf.AddPage()
	pdf.SetFillColor(179, 38, 30)
	pdf.Rect(0, 0, a4W, 38, "F")
	pdf.SetTextColor(255, 255, 255)
	pdfText(pdf, p.Heading, 40, -1, 10, a4W-30)
	pdf.SetTextColor(29, 35, 41)
	y := pdfText(pdf, p.UnitName, 30, -1, 50, a4W-30)
	y = pdfText(pdf, p.Address, 14, -1, y+2, a4W-30)
	const qrMM = 110.0
	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(p.QR))
	pdf.ImageOptions("qr", (a4W-qrMM)/2, y+6, qrMM, qrMM, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	y = pdfText(pdf, p.Note, 14, -1, y+qrMM+10, a4W-30)
	for _, pt := range p.Points {
		y = pdfText(pdf, "● "+pt, 14, 35, y+2, a4W-70)
	}
	pdf.SetTextColor(70, 80, 90)
	pdfText(pdf, p.Footer, 11, -1, a4H-26, a4W-30)
	pdfText(pdf, p.Version, 8, -1, a4H-14, a4W-30)
	return output(pdf)
}

// LabelsPDF is the label sheet as A4 PDF pages, LabelsPerSheet to a page.
func LabelsPDF(labels []Label) ([]byte, error) {
	if len(labels) > MaxLabels {
		return nil, fmt.Errorf("%d labels, at most %d", len(labels), MaxLabels)
	}
	if err := loadFonts(); err != nil {
		return nil, err
	}
	pdf := newPDF()
	marginX := (a4W - LabelsAcross*LabelWidthMM) / 2
	marginY := (a4H - LabelsDown*LabelHeightMM) / 2
	for i, l := range labels {
		if i%LabelsPerSheet == 0 {
			pdf.AddPage()
		}
		n := i % LabelsPerSheet
		x := marginX + float64(n%LabelsAcross)*LabelWidthMM
		y := marginY + float64(n/LabelsAcross)*LabelHeightMM
		name := fmt.Sprintf("qr%d", i)
		pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(l.QR))
		pdf.ImageOptions(name, x+2, y+3.5, 30, 30, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		tx, tw := x+33, LabelWidthMM-35
		pdf.SetTextColor(29, 35, 41)
		ty := pdfText(pdf, l.Unit, 8, tx, y+4, tw)
		ty = pdfText(pdf, l.Type, 9.5, tx, ty+0.5, tw)
		ty = pdfText(pdf, l.Serial, 9.5, tx, ty, tw)
		if l.Warning {
			pdf.SetTextColor(179, 38, 30)
		}
		pdfText(pdf, l.State, 8, tx, ty+0.5, tw)
	}
	if len(labels) == 0 {
		pdf.AddPage()
	}
	return output(pdf)
}

// face is the two fonts at size points for the PNG's resolution, each rune
// drawn by the one that has it.
func face(size float64) (font.Face, error) {
	if err := loadFonts(); err != nil {
		return nil, err
	}
	opt := &opentype.FaceOptions{Size: size, DPI: pngDPI, Hinting: font.HintingFull}
	c, err := opentype.NewFace(cjkOT, opt)
	if err != nil {
		return nil, err
	}
	l, err := opentype.NewFace(latinOT, opt)
	if err != nil {
		return nil, err
	}
	return fallbackFace{cjk: c, latin: l}, nil
}

// fallbackFace draws a rune with the CJK face when it has it, else with the
// Latin one.
type fallbackFace struct{ cjk, latin font.Face }

func (f fallbackFace) pick(r rune) font.Face {
	if inCJK(r) {
		return f.cjk
	}
	return f.latin
}

func (f fallbackFace) Close() error { f.cjk.Close(); return f.latin.Close() }

func (f fallbackFace) Glyph(dot fixed.Point26_6, r rune) (image.Rectangle, image.Image, image.Point, fixed.Int26_6, bool) {
	return f.pick(r).Glyph(dot, r)
}

func (f fallbackFace) GlyphBounds(r rune) (fixed.Rectangle26_6, fixed.Int26_6, bool) {
	return f.pick(r).GlyphBounds(r)
}

func (f fallbackFace) GlyphAdvance(r rune) (fixed.Int26_6, bool) { return f.pick(r).GlyphAdvance(r) }

func (f fallbackFace) Kern(r0, r1 rune) fixed.Int26_6 {
	if inCJK(r0) != inCJK(r1) {
		return 0
	}
	return f.pick(r0).Kern(r0, r1)
}

func (f fallbackFace) Metrics() font.Metrics { return f.cjk.Metrics() }

// pngWriter draws lines of text on an A4 canvas, in millimetres like the PDF.
type pngWriter struct {
	img *image.RGBA
}

func px(mm float64) int { return int(mm / 25.4 * pngDPI) }

// text draws s centred (or from x when x ≥ 0) at baseline y, wrapping at
// width; it returns the baseline of the next line, in millimetres.
func (w pngWriter) text(s string, size, x, y, width float64, c color.Color) (float64, error) {
	f, err := face(size)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	d := &font.Drawer{Dst: w.img, Src: image.NewUniform(c), Face: f}
	lineMM := size * 0.45
	for _, line := range wrap(d, s, px(width)) {
		adv := d.MeasureString(line).Round()
		left := px(x)
		if x < 0 {
			left = (PNGWidth - adv) / 2
		}
		d.Dot = fixed.P(left, px(y))
		d.DrawString(line)
		y += lineMM
	}
	return y, nil
}

// wrap breaks s into lines no wider than width pixels, between any two
// characters (Chinese has no spaces to break at).
func wrap(d *font.Drawer, s string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, r := range s {
		if cur.Len() > 0 && d.MeasureString(cur.String()+string(r)).Round() > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		cur.WriteRune(r)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// PosterPNG is the poster as a PNG of PNGWidth × PNGHeight (A4 at 150 dpi).
func PosterPNG(p Poster) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, PNGWidth, PNGHeight))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, 0, PNGWidth, px(38)), image.NewUniform(color.RGBA{179, 38, 30, 255}), image.Point{}, draw.Src)
	w := pngWriter{img}
	dark, grey := color.RGBA{29, 35, 41, 255}, color.RGBA{70, 80, 90, 255}
	steps := []struct {
		s           string
		size, y, dy float64
		c           color.Color
	}{
		{p.Heading, 40, 26, 0, color.White},
		{p.UnitName, 30, 62, 2, dark},
	}
	var y float64
	var err error
	for _, st := range steps {
		if y, err = w.text(st.s, st.size, -1, st.y, a4W-30, st.c); err != nil {
			return nil, err
		}
	}
	if y, err = w.text(p.Address, 14, -1, y+2, a4W-30, dark); err != nil {
		return nil, err
	}
	qr, err := png.Decode(bytes.NewReader(p.QR))
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	const qrMM = 110.0
	top := y + 2
	dst := image.Rect(px((a4W-qrMM)/2), px(top), px((a4W+qrMM)/2), px(top+qrMM))
	draw.NearestNeighbor.Scale(img, dst, qr, qr.Bounds(), draw.Src, nil)
	if y, err = w.text(p.Note, 14, -1, top+qrMM+10, a4W-30, dark); err != nil {
		return nil, err
	}
	for _, pt := range p.Points {
		if y, err = w.text("● "+pt, 14, 35, y+2, a4W-70, dark); err != nil {
			return nil, err
		}
	}
	if _, err = w.text(p.Footer, 11, -1, a4H-18, a4W-30, grey); err != nil {
		return nil, err
	}
	if _, err = w.text(p.Version, 8, -1, a4H-8, a4W-30, grey); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Making a file takes tens of milliseconds of a CPU and a few megabytes
// (240 labels several times that): a merchant reloading the download in a
// loop must not starve the scan pages. Renders is how many run at once in
// one process; PerAccount and PerWindow bound one account's files.
const (
	Renders    = 2
	PerAccount = 60
	PerWindow  = 10 * time.Minute
)

var renders = make(chan struct{}, Renders)

// ErrBusy: no render slot came free while the request waited.
var ErrBusy = errors.New("printfile: busy")

// Acquire waits (as long as ctx allows, at most busyWait) for one of the
// Renders slots; call release when the file is made.
func Acquire(ctx context.Context) (release func(), err error) {
	ctx, cancel := context.WithTimeout(ctx, busyWait)
	defer cancel()
	select {
	case renders <- struct{}{}:
		return func() { <-renders }, nil
	case <-ctx.Done():
		return nil, ErrBusy
	}
}

const busyWait = 10 * time.Second
