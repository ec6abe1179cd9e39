// Package charts draws bar and column charts as SVG markup on the server, so
// pages show charts without any script. It knows nothing of the domain or of
// languages: callers pass labels already translated and values already
// formatted, and every text is escaped here.
//
// It must never write style attributes or <style> elements: the
// Content-Security-Policy blocks inline styles. Colours and fonts come from
// the CSS classes on the elements (static/css/dashboard.css); the markup
// carries only geometry, in a viewBox, so a chart scales to its container.
package charts

import (
	"encoding/xml"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Bar is one data point: a bar of a bar chart or a column of a column chart.
type Bar struct {
	Label string  // what the bar is; long labels are shortened on the chart, never in the tooltip
	Value float64 // the bar's length; negative, NaN and infinite values draw as 0
	Text  string  // the value as shown; empty shows Value
	// Target, when positive, is drawn as a mark the bar is measured against
	// (a district's share of the unit target, say).
	Target float64
	Class  string // extra CSS classes of the bar, e.g. "warn"
	// Link, when set, makes the bar a link (a relative URL such as the
	// queue filtered to what the bar counts).
	Link string
}

const (
	width       = 640.0 // viewBox width of every chart
	fontSize    = 13.0  // fallback for text size when the stylesheet is missing
	rowHeight   = 28.0  // horizontal bars: one row per bar
	barHeight   = 18.0
	minLabelEms = 4.0  // horizontal bars: the least room for a label, in ems
	maxLabelEms = 22.0 // and the most: longer labels are shortened
	valueW      = 96.0 // horizontal bars: room for the value right of the bar
	colHeight   = 160.0
)

// HBar draws a horizontal bar chart: a label on the left, the bar, and the
// value on its right. Bars are scaled to the largest value or target.
func HBar(title string, bars []Bar) template.HTML {
	// The label column is as wide as the longest label, within bounds, so
	// English labels are not cut short where there is room for them.
	labelEms := minLabelEms
	for _, bar := range bars {
		labelEms = max(labelEms, min(maxLabelEms, ems(bar.Label)))
	}
	labelW := labelEms * fontSize
	barX := labelW + 8
	maxW := width - barX - valueW
	height := float64(len(bars))*rowHeight + 8
	scale := scaleOf(bars, maxW)

	var b strings.Builder
	open(&b, "chart chart-hbar", title, height, bars)
	for i, bar := range bars {
		y := 4 + float64(i)*rowHeight
		w := clean(bar.Value) * scale
		group(&b, bar)
		text(&b, "label", labelW, y+barHeight-4, "end", fit(bar.Label, labelEms))
		rect(&b, "track", barX, y, maxW, barHeight)
		rect(&b, "fill", barX, y, w, barHeight)
		if t := clean(bar.Target); t > 0 {
			x := barX + t*scale
			b.WriteString(`<line class="target" x1="` + num(x) + `" y1="` + num(y-2) + `" x2="` + num(x) + `" y2="` + num(y+barHeight+2) + `"/>`)
		}
		text(&b, "value", barX+w+6, y+barHeight-4, "start", valueText(bar))
		closeGroup(&b, bar)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text above went through escape
}

// Columns draws a column chart, for a series over time: one column per
// point from left to right, its value above it and its label below (the
// stylesheet sets column labels in 11-unit type; labels are fitted to that).
func Columns(title string, bars []Bar) template.HTML {
	top, bottom := 22.0, 24.0
	height := top + colHeight + bottom
	base := top + colHeight
	slot := width
	if len(bars) > 0 {
		slot = width / float64(len(bars))
	}
	colW := slot * 0.6
	scale := scaleOf(bars, colHeight)

	var b strings.Builder
	open(&b, "chart chart-columns", title, height, bars)
	b.WriteString(`<line class="axis" x1="0" y1="` + num(base) + `" x2="` + num(width) + `" y2="` + num(base) + `"/>`)
	for i, bar := range bars {
		mid := slot*float64(i) + slot/2
		h := clean(bar.Value) * scale
		group(&b, bar)
		rect(&b, "fill", mid-colW/2, base-h, colW, h)
		text(&b, "value", mid, base-h-5, "middle", valueText(bar))
		text(&b, "label", mid, base+16, "middle", fit(bar.Label, slot/11))
		closeGroup(&b, bar)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// scaleOf is the length per unit that makes the largest value or target
// span room; all zeros (or no bars) give a harmless scale, never a division
// by zero.
func scaleOf(bars []Bar, room float64) float64 {
	top := 0.0
	for _, b := range bars {
		top = math.Max(top, math.Max(clean(b.Value), clean(b.Target)))
	}
	if top <= 0 {
		return 0
	}
	return room / top
}

// open starts the chart. A chart is one image to assistive technology
// unless its bars are links: an image may not hold links, so it is then a
// group of them.
func open(b *strings.Builder, class, title string, height float64, bars []Bar) {
	role := "img"
	for _, bar := range bars {
		if bar.Link != "" {
			role = "group"
		}
	}
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" class="` + class + `" viewBox="0 0 ` + num(width) + ` ` + num(height) +
		`" font-size="` + num(fontSize) + `" role="` + role + `" aria-label="`)
	escape(b, title)
	b.WriteString(`"><title>`)
	escape(b, title)
	b.WriteString(`</title>`)
}

// group opens a bar's <g> (inside an <a> when the bar links somewhere);
// its <title> is the tooltip with the full label.
func group(b *strings.Builder, bar Bar) {
	if bar.Link != "" {
		b.WriteString(`<a href="`)
		escape(b, bar.Link)
		b.WriteString(`">`) // its name is the bar's own text: label and value
	}
	b.WriteString(`<g class="bar`)
	if c := classes(bar.Class); c != "" {
		b.WriteString(" " + c)
	}
	b.WriteString(`"><title>`)
	escape(b, bar.Label+": "+valueText(bar))
	b.WriteString(`</title>`)
}

func closeGroup(b *strings.Builder, bar Bar) {
	b.WriteString(`</g>`)
	if bar.Link != "" {
		b.WriteString(`</a>`)
	}
}

func rect(b *strings.Builder, class string, x, y, w, h float64) {
	b.WriteString(`<rect class="` + class + `" x="` + num(x) + `" y="` + num(y) + `" width="` + num(w) + `" height="` + num(h) + `"/>`)
}

func text(b *strings.Builder, class string, x, y float64, anchor, s string) {
	b.WriteString(`<text class="` + class + `" x="` + num(x) + `" y="` + num(y) + `" text-anchor="` + anchor + `">`)
	escape(b, s)
	b.WriteString(`</text>`)
}

func escape(b *strings.Builder, s string) {
	_ = xml.EscapeText(b, []byte(s)) // a strings.Builder never fails
}

func valueText(bar Bar) string {
	if bar.Text != "" {
		return bar.Text
	}
	return strconv.FormatFloat(clean(bar.Value), 'f', -1, 64)
}

func clean(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0
	}
	return v
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// classes keeps only characters that are safe in a class attribute.
func classes(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == ' ' {
			return r
		}
		return -1
	}, s)
}

// runeW is a character's width in ems: Chinese characters are one em
// wide, Latin letters and digits about 0.6.
func runeW(r rune) float64 {
	if r >= 0x2E80 {
		return 1
	}
	return 0.6
}

// ems is s's width in ems.
func ems(s string) float64 {
	total := 0.0
	for _, r := range s {
		total += runeW(r)
	}
	return total
}

// fit shortens s to about room ems wide, with an ellipsis.
func fit(s string, room float64) string {
	if room < 2 {
		room = 2
	}
	if ems(s) <= room {
		return s
	}
	w := 1.0 // the ellipsis
	for i, r := range s {
		if w+runeW(r) > room {
			return strings.TrimSpace(s[:i]) + "…"
		}
		w += runeW(r)
	}
	return s
}
