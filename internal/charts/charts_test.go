package charts

import (
	"encoding/xml"
	"errors"
	"html/template"
	"io"
	"math"
	"strings"
	"testing"
)

// parse decodes the whole chart as XML and returns its elements' names with
// their class attributes, in document order.
func parse(t *testing.T, svg template.HTML) []xml.StartElement {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(svg)))
	var out []xml.StartElement
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			out = append(out, se.Copy())
		}
	}
	if len(out) == 0 || out[0].Name.Local != "svg" || out[0].Name.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root is not an SVG element: %s", svg)
	}
	return out
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// count returns how many elements are named name and carry class.
func count(elems []xml.StartElement, name, class string) int {
	n := 0
	for _, e := range elems {
		if e.Name.Local != name {
			continue
		}
		for _, c := range strings.Fields(attr(e, "class")) {
			if c == class {
				n++
				break
			}
		}
	}
	return n
}

var charts = map[string]func(string, []Bar) template.HTML{"HBar": HBar, "Columns": Columns}

func TestOneBarPerDataPoint(t *testing.T) {
	bars := []Bar{{Label: "天宁区", Value: 3}, {Label: "钟楼区", Value: 1, Target: 300}, {Label: "新北区", Value: 0}, {Label: "武进区", Value: 12.5, Text: "12.5 天"}}
	for name, draw := range charts {
		t.Run(name, func(t *testing.T) {
			svg := draw("各区域", bars)
			elems := parse(t, svg)
			if got := count(elems, "g", "bar"); got != len(bars) {
				t.Errorf("%d bars, want %d", got, len(bars))
			}
			if got := count(elems, "rect", "fill"); got != len(bars) {
				t.Errorf("%d filled rectangles, want %d", got, len(bars))
			}
			if attr(elems[0], "viewBox") == "" || attr(elems[0], "style") != "" || strings.Contains(string(svg), "style=") {
				t.Errorf("root must have a viewBox and no style: %v", elems[0].Attr)
			}
			for _, s := range []string{"<title>各区域</title>", "<title>钟楼区: 1</title>", "12.5 天"} {
				if !strings.Contains(string(svg), s) {
					t.Errorf("chart lacks %q", s)
				}
			}
		})
	}
}

// The largest value fills the room; others are in proportion.
func TestBarsAreScaledToTheLargest(t *testing.T) {
	elems := parse(t, HBar("t", []Bar{{Label: "a", Value: 10}, {Label: "b", Value: 5}, {Label: "c", Value: 2, Target: 20}}))
	var widths []string
	for _, e := range elems {
		if e.Name.Local == "rect" && attr(e, "class") == "fill" {
			widths = append(widths, attr(e, "width"))
		}
	}
	// The target 20 is the largest; one-letter labels take the least label
	// room (4 ems of 13): room 640-(52+8)-96 = 484 units.
	want := []string{"242.0", "121.0", "48.4"}
	if strings.Join(widths, " ") != strings.Join(want, " ") {
		t.Errorf("widths %v, want %v", widths, want)
	}
	if count(elems, "line", "target") != 1 {
		t.Error("the target mark is missing")
	}
}

func TestLabelsAreEscaped(t *testing.T) {
	bars := []Bar{{Label: `<script>alert("x")</script>`, Value: 1, Text: "1 & 2"}, {Label: "a'b", Value: 2, Class: `x" onclick="y`}}
	for name, draw := range charts {
		t.Run(name, func(t *testing.T) {
			svg := string(draw(`</title><script>`, bars))
			parse(t, template.HTML(svg))
			if strings.Contains(svg, "<script") || strings.Contains(svg, "onclick=") {
				t.Fatalf("unescaped markup:\n%s", svg)
			}
			if !strings.Contains(svg, "&lt;script&gt;") || !strings.Contains(svg, "1 &amp; 2") {
				t.Errorf("escaped label missing:\n%s", svg)
			}
		})
	}
}

func TestZeroAndEmptyData(t *testing.T) {
	cases := map[string][]Bar{
		"empty":    nil,
		"zeros":    {{Label: "a"}, {Label: "b"}},
		"nonsense": {{Label: "a", Value: math.NaN()}, {Label: "b", Value: math.Inf(1)}, {Label: "c", Value: -4}},
	}
	for name, draw := range charts {
		for what, bars := range cases {
			t.Run(name+"/"+what, func(t *testing.T) {
				svg := draw("t", bars)
				elems := parse(t, svg)
				if got := count(elems, "g", "bar"); got != len(bars) {
					t.Errorf("%d bars, want %d", got, len(bars))
				}
				if s := string(svg); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") || strings.Contains(s, `width="-`) || strings.Contains(s, `height="-`) {
					t.Errorf("bad geometry:\n%s", s)
				}
			})
		}
	}
}

func TestFit(t *testing.T) {
	for _, tt := range []struct {
		in   string
		ems  float64
		want string
	}{
		{"天宁区", 15, "天宁区"},
		{"定量包装商品净含量不足", 6, "定量包装商…"},
		{"Short net content in packaged goods", 10, "Short net conte…"},
		{"2025-04", 4.8, "2025-04"},
	} {
		if got := fit(tt.in, tt.ems); got != tt.want {
			t.Errorf("fit(%q, %v) = %q, want %q", tt.in, tt.ems, got, tt.want)
		}
	}
}

// An English label that fits in the widest label column is shown whole; a
// longer one is shortened, whole in its tooltip.
func TestLabelColumnFitsTheLabels(t *testing.T) {
	svg := string(HBar("t", []Bar{{Label: "Short net content in packages", Value: 1}, {Label: "Altered or rigged instruments, cheating devices and more", Value: 2}}))
	for _, want := range []string{">Short net content in packages</text>", ">Altered or rigged instruments, che…</text>", "<title>Altered or rigged instruments, cheating devices and more: 2</title>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}
}

// A bar with a link is an SVG link to it, escaped, and the chart is then a
// group of links rather than one image (an image may not hold links).
func TestBarsLink(t *testing.T) {
	for name, draw := range charts {
		t.Run(name, func(t *testing.T) {
			svg := string(draw("t", []Bar{{Label: "a", Value: 1, Link: "/staff/queue?district=3&due=overdue"}, {Label: "b", Value: 2}}))
			parse(t, template.HTML(svg))
			if strings.Count(svg, "<a ") != 1 || !strings.Contains(svg, `<a href="/staff/queue?district=3&amp;due=overdue"><g class="bar">`) {
				t.Errorf("bar link wrong:\n%s", svg)
			}
			if !strings.Contains(svg, `role="group"`) || !strings.Contains(string(draw("t", []Bar{{Label: "a", Value: 1}})), `role="img"`) {
				t.Errorf("role wrong:\n%s", svg)
			}
		})
	}
}
