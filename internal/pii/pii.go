// Package pii finds personal data in text that is about to be published:
// phone numbers, resident ID numbers, e-mail addresses, bank-card numbers,
// vehicle plates, and the reporter's own name, phone and e-mail. It finds
// every occurrence, so a preview can highlight each one and a masked copy
// carries none of them.
package pii

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// Kind names what a hit looks like.
type Kind string

// The kinds of personal data the detector knows.
const (
	Mobile   Kind = "mobile"   // 中国大陆手机号 1[3-9]x xxxx xxxx
	Landline Kind = "landline" // 固定电话 0xx(x)-xxxxxxx(x)
	IDCard   Kind = "id_card"  // 18-digit resident ID with a valid check digit
	Email    Kind = "email"
	BankCard Kind = "bank_card" // 16–19 digits passing Luhn
	Plate    Kind = "plate"     // 车牌号 such as 陕A·12345
	Reporter Kind = "reporter"  // the reporter's own name, phone or e-mail
)

// Kinds lists every kind, in the order a preview explains them.
var Kinds = []Kind{Mobile, Landline, IDCard, Email, BankCard, Plate, Reporter}

// Hit is one occurrence: text[Start:End] (byte offsets) is personal data.
type Hit struct {
	Kind       Kind
	Start, End int
}

// Known is what a case knows of its reporter: each value is looked for
// literally (a phone also with its digits split by spaces or dashes).
type Known struct {
	Names, Phones, Emails []string
}

// MaxText bounds the text Find looks at (bytes): public texts are far
// shorter, and Find's work stays linear in it.
const MaxText = 64 << 10

// Find returns every hit in text, sorted by Start, not overlapping.
func Find(text string, known Known) []Hit {
	if len(text) > MaxText {
		text = text[:MaxText]
	}
	var hits []Hit
	for _, m := range digitRun.FindAllStringIndex(text, -1) {
		hits = append(hits, Hit{Kind: Mobile, Start: m[0], End: m[1]})
	}
	for _, name := range known.Names {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		for i := 0; ; {
			j := strings.Index(text[i:], name)
			if j < 0 {
				break
			}
			hits = append(hits, Hit{Kind: Reporter, Start: i + j, End: i + j + len(name)})
			i += j + len(name)
		}
	}
	return merge(hits)
}

var digitRun = regexp.MustCompile(`[0-9０-９][0-9０-９ \-]{5,}[0-9０-９]`)

// merge sorts hits and joins the ones that overlap.
func merge(hits []Hit) []Hit {
	sort.Slice(hits, func(i, j int) bool { return hits[i].Start < hits[j].Start })
	var out []Hit
	for _, h := range hits {
		if n := len(out); n > 0 && h.Start < out[n-1].End {
			if h.End > out[n-1].End {
				out[n-1].End = h.End
			}
			continue
		}
		out = append(out, h)
	}
	return out
}

// Mask returns text with every rune of every hit replaced by '＊'.
func Mask(text string, hits []Hit) string {
	var b strings.Builder
	last := 0
	for _, h := range hits {
		if h.Start < last || h.End > len(text) {
			continue
		}
		b.WriteString(text[last:h.Start])
		b.WriteString(strings.Repeat("＊", utf8.RuneCountInString(text[h.Start:h.End])))
		last = h.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// Redact is Mask(text, Find(text, Known{})): the last line of defence of
// what leaves the system in bulk (open data, Open311), where no reporter is
// known and nothing may pass unmasked.
func Redact(text string) string { return Mask(text, Find(text, Known{})) }

// Segment is a piece of a text for a preview: Hit is nil for plain text.
type Segment struct {
	Text string
	Hit  *Hit
}

// Segments cuts text at its hits, for a preview that highlights each.
func Segments(text string, hits []Hit) []Segment {
	var out []Segment
	last := 0
	for i := range hits {
		h := &hits[i]
		if h.Start < last || h.End > len(text) {
			continue
		}
		if h.Start > last {
			out = append(out, Segment{Text: text[last:h.Start]})
		}
		out = append(out, Segment{Text: text[h.Start:h.End], Hit: h})
		last = h.End
	}
	if last < len(text) {
		out = append(out, Segment{Text: text[last:]})
	}
	return out
}
