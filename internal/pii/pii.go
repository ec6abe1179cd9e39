// Package pii finds personal data in text that is about to be published:
// phone numbers, resident ID numbers, e-mail addresses, bank-card numbers,
// vehicle plates, and the reporter's own name, phone and e-mail. It finds
// every occurrence, so a preview can highlight each one and a masked copy
// carries none of them.
//
// It only looks at text; it does not decide what may be published, and it
// keeps no state. Where it must guess, it guesses towards masking: a masked
// date is a small loss, a published phone number is not.
package pii

import (
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
// Full-width letters and digits count as their ASCII selves and ASCII
// letters match in either case; a phone is looked for by its digits
// without +86, wherever they stand; a one-character name is not looked for.
type Known struct {
	Names, Phones, Emails []string
}

// MaxText bounds the text Find looks at (bytes): public texts are far
// shorter, and Find's work stays linear in it.
const MaxText = 64 << 10

// tailGuard is how far before MaxText Mask starts masking a longer text
// whole: a number or address cut in two at MaxText is not recognisable in
// the part Find sees, so that part is masked too. It is longer than any hit
// the rules can make except a name the caller supplies (the longest, an
// e-mail address of 254 full-width characters, is 762 bytes).
const tailGuard = 1 << 10

// Find returns every hit in text, sorted by Start, not overlapping. It
// looks at the first MaxText bytes only (cut at a rune boundary); Mask and
// Redact mask what lies beyond, so nothing Find did not look at is
// published.
func Find(text string, known Known) []Hit {
	text = text[:boundary(text, MaxText)]
	v := normalize(text)
	var hits []Hit
	hits = v.numbers(hits)
	hits = v.emails(hits)
	hits = v.plates(hits)
	hits = v.known(hits, known)
	for i := range hits {
		hits[i].Start, hits[i].End = v.orig[hits[i].Start], v.orig[hits[i].End]
	}
	return merge(hits)
}

// boundary is the largest rune boundary of text not after max, counting
// runes as range and Mask do (an invalid byte is one rune).
func boundary(text string, max int) int {
	if len(text) <= max {
		return len(text)
	}
	if max < 0 {
		return 0
	}
	i := 0
	for i < len(text) {
		_, w := utf8.DecodeRuneInString(text[i:])
		if i+w > max {
			break
		}
		i += w
	}
	return i
}

// merge sorts hits and joins the ones that overlap. A joined hit is the
// reporter's when any part of it is: that is what a preview should say.
func merge(hits []Hit) []Hit {
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Start != hits[j].Start {
			return hits[i].Start < hits[j].Start
		}
		return hits[i].End > hits[j].End
	})
	var out []Hit
	for _, h := range hits {
		if h.End <= h.Start {
			continue
		}
		if n := len(out); n > 0 && h.Start < out[n-1].End {
			if h.End > out[n-1].End {
				out[n-1].End = h.End
			}
			if h.Kind == Reporter {
				out[n-1].Kind = Reporter
			}
			continue
		}
		out = append(out, h)
	}
	return out
}

// Mask returns text with every rune of every hit replaced by '＊'. Of a
// text longer than MaxText, which Find does not read whole, everything from
// shortly before MaxText on is masked as well (see tailGuard): a caller who
// masks a long text loses its end rather than publishes it unread. The
// result has as many runes as text.
func Mask(text string, hits []Hit) string {
	from := len(text)
	if len(text) > MaxText {
		from = boundary(text, MaxText-tailGuard)
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, h := range hits {
		if h.Start < last || h.End > len(text) || h.Start > h.End || h.Start >= from {
			continue
		}
		b.WriteString(text[last:h.Start])
		stars(&b, text[h.Start:h.End])
		last = h.End
	}
	if last < from {
		b.WriteString(text[last:from])
		last = from
	}
	stars(&b, text[last:])
	return b.String()
}

func stars(b *strings.Builder, s string) {
	for range utf8.RuneCountInString(s) {
		b.WriteString("＊")
	}
}

// Redact is Mask(text, Find(text, Known{})): the last line of defence of
// what leaves the system in bulk (open data, Open311), where no reporter is
// known and nothing may pass unmasked. Like Mask, it masks the end of a
// text longer than MaxText whole.
func Redact(text string) string { return Mask(text, Find(text, Known{})) }

// Segment is a piece of a text for a preview: Hit is nil for plain text.
type Segment struct {
	Text string
	Hit  *Hit
}

// Segments cuts text at its hits, for a preview that highlights each. The
// segments always join to text; a preview of a text longer than MaxText
// shows its end as plain text, though Mask would mask it.
func Segments(text string, hits []Hit) []Segment {
	var out []Segment
	last := 0
	for i := range hits {
		h := &hits[i]
		if h.Start < last || h.End > len(text) || h.Start > h.End {
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
