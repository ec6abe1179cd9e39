package pii

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// view is a text as the rules read it: full-width digits, letters and
// punctuation made ASCII, dashes one '-', wide spaces one ' '. Every rule
// works on s; orig maps each byte of s back to the start of the rune of
// the original text it came from (orig[len(s)] is the text's length), so a
// hit's offsets are offsets into the original text and fall on its rune
// boundaries.
type view struct {
	s    string
	orig []int
}

func normalize(text string) view {
	b := make([]byte, 0, len(text))
	orig := make([]int, 0, len(text)+1)
	for i := 0; i < len(text); {
		r, w := utf8.DecodeRuneInString(text[i:])
		if c := fold(r); c != 0 && w > 1 {
			b = append(b, c)
			orig = append(orig, i)
		} else {
			b = append(b, text[i:i+w]...)
			for range w {
				orig = append(orig, i)
			}
		}
		i += w
	}
	orig = append(orig, len(text))
	return view{s: string(b), orig: orig}
}

// fold is the ASCII character a rune stands for in a number or an address,
// or 0.
func fold(r rune) byte {
	switch {
	case r >= '０' && r <= '９':
		return byte('0' + r - '０')
	case r >= 'Ａ' && r <= 'Ｚ':
		return byte('A' + r - 'Ａ')
	case r >= 'ａ' && r <= 'ｚ':
		return byte('a' + r - 'ａ')
	}
	switch r {
	case '＠', '﹫':
		return '@'
	case '．':
		return '.'
	case '－', '‐', '‑', '‒', '–', '—', '―', '−', '﹣':
		return '-'
	case '\u3000', '\u00a0', '\u2002', '\u2003', '\u2009', '\u202f':
		return ' '
	case '（':
		return '('
	case '）':
		return ')'
	case '＋':
		return '+'
	case '＿':
		return '_'
	}
	return 0
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' }
func isWord(c byte) bool   { return isDigit(c) || isLetter(c) }

// group is one run of digits in a view, with a trailing check character X
// when the run can end a resident ID number.
type group struct {
	start, end int // in view.s; end is after the X
	x          bool
	// glued: a letter touches the run, so it is part of a code (a
	// certificate or credit code, a courier's number). Such a run is taken
	// for a phone or ID number only as a whole, never joined to its
	// neighbours, and never for a bank card.
	glued bool
}

func (g group) digits(s string) string {
	if g.x {
		return s[g.start : g.end-1]
	}
	return s[g.start:g.end]
}

// minDigits and maxDigits bound the digits a number rule reads: from a
// landline's 10 to a bank card's 19.
const minDigits, maxDigits = 10, 19

// numbers finds phone, ID and bank-card numbers: runs of digits, alone or
// joined by single spaces or dashes (and an area code's parentheses) as
// people group them. A candidate is always made of whole runs, so a long
// run of digits (an order number) is never searched for a number inside it.
func (v view) numbers(hits []Hit) []Hit {
	s := v.s
	var token []group
	flush := func() {
		hits = v.token(hits, token)
		token = token[:0]
	}
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		g := group{start: i, end: j}
		if j < len(s) && (s[j] == 'X' || s[j] == 'x') && (j+1 == len(s) || !isWord(s[j+1])) {
			g.x, g.end = true, j+1
		}
		g.glued = i > 0 && isLetter(s[i-1]) || g.end < len(s) && isLetter(s[g.end])
		if n := len(token); n > 0 {
			p := token[n-1]
			if p.glued || g.glued || p.x || !separator(s[p.end:g.start]) {
				flush()
			}
		}
		token = append(token, g)
		i = g.end
	}
	flush()
	return hits
}

// separator reports whether what lies between two runs of digits is how
// people split one number: a space, a dash, or an area code's closing
// parenthesis with or without one of them.
func separator(sep string) bool {
	switch sep {
	case " ", "-", ")", ") ", ")-":
		return true
	}
	return false
}

// token finds the numbers in runs joined by separators: from each run on,
// the longest stretch of whole runs a rule accepts, then on after it.
func (v view) token(hits []Hit, gs []group) []Hit {
	s := v.s
	var buf [maxDigits + 1]byte
	for i := 0; i < len(gs); {
		best, kind := -1, Kind("")
		d := buf[:0]
		for j := i; j < len(gs); j++ {
			g := gs[j]
			if len(d)+(g.end-g.start) > maxDigits {
				break
			}
			d = append(d, g.digits(s)...)
			if g.x {
				d = append(d, 'X')
			}
			if len(d) < minDigits {
				continue
			}
			if k := classify(d, gs[i:j+1]); k != "" {
				best, kind = j, k
			}
		}
		if best < 0 {
			i++
			continue
		}
		start, end := gs[i].start, gs[best].end
		if start > 0 && s[start-1] == '+' {
			start--
		}
		if best > i && s[gs[i].end] == ')' && start > 0 && s[start-1] == '(' {
			start--
		}
		next := best + 1
		if kind == Landline {
			if next < len(gs) && s[gs[best].end:gs[next].start] == "-" && !gs[next].x && gs[next].end-gs[next].start <= 6 {
				end = gs[next].end
				next++
			} else if m := extension.FindStringIndex(s[end:]); m != nil && (end+m[1] == len(s) || !isDigit(s[end+m[1]])) {
				end += m[1]
			}
		}
		hits = append(hits, Hit{Kind: kind, Start: start, End: end})
		i = next
	}
	return hits
}

// extension is a landline's extension written out: 0519-88881234转801.
var extension = regexp.MustCompile(`^ ?(?:转|分机|[Ee][Xx][Tt]\.?) ?[0-9]{1,6}`)

// classify names the number d (digits, an ID's check X last) made of the
// runs gs, or returns "".
func classify(d []byte, gs []group) Kind {
	glued := gs[0].glued
	if d[len(d)-1] == 'X' {
		if isID(d) {
			return IDCard
		}
		return ""
	}
	switch {
	case isID(d):
		return IDCard
	case isMobile(d):
		return Mobile
	case isLandline(d):
		return Landline
	case !glued && len(d) >= 16 && cardGroups(gs) && luhn(d):
		return BankCard
	}
	return ""
}

// isMobile: 1[3-9] and 9 digits, after 86, 0086 or a trunk 0 if any.
func isMobile(d []byte) bool {
	switch {
	case len(d) == 13 && d[0] == '8' && d[1] == '6':
		d = d[2:]
	case len(d) == 15 && string(d[:4]) == "0086":
		d = d[4:]
	case len(d) == 12 && d[0] == '0':
		d = d[1:]
	}
	return len(d) == 11 && d[0] == '1' && d[1] >= '3'
}

// isLandline: a trunk 0, an area code (10 and 2x have two digits, the
// others three) and a local number of 7 or 8 digits, which never starts
// with 0 or 1.
func isLandline(d []byte) bool {
	if len(d) < 10 || d[0] != '0' {
		return false
	}
	area := 4
	switch {
	case d[1] == '1' && d[2] == '0', d[1] == '2':
		area = 3
	case d[1] < '3':
		return false
	}
	local := len(d) - area
	return (local == 7 || local == 8) && d[area] >= '2'
}

// idWeights are 2^(17-i) mod 11, ISO 7064 MOD 11-2 as GB 11643 uses it.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idChecks = "10X98765432"

// isID: 18 characters, the last the check character of the first 17, and
// a birth date that can be one (so an all-digit credit code or order number
// passes only by a double accident).
func isID(d []byte) bool {
	if len(d) != 18 || d[0] == '0' {
		return false
	}
	sum := 0
	for i := range 17 {
		if !isDigit(d[i]) {
			return false
		}
		sum += int(d[i]-'0') * idWeights[i]
	}
	if idChecks[sum%11] != d[17] {
		return false
	}
	year := string(d[6:8])
	month := int(d[10]-'0')*10 + int(d[11]-'0')
	day := int(d[12]-'0')*10 + int(d[13]-'0')
	return (year == "19" || year == "20") && month >= 1 && month <= 12 && day >= 1 && day <= 31
}

func luhn(d []byte) bool {
	sum := 0
	for i := range d {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			n *= 2
			if n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

// cardGroups: a card number is written whole or in blocks of four (or more)
// digits; a date or a count before a number is not one of its blocks.
func cardGroups(gs []group) bool {
	for _, g := range gs[:len(gs)-1] {
		if g.end-g.start < 4 {
			return false
		}
	}
	return true
}

// emails finds addresses as people type them (full-width ＠ and ． arrive
// here as ASCII): from each @, the local part before it and a domain of at
// least two labels after it, the last beginning with two letters. The
// letters and digits that follow an address ("a@b.com123") are taken with
// it: masking half a word would leave a stray number. Done by hand rather
// than by a regular expression: it only looks near each @.
func (v view) emails(hits []Hit) []Hit {
	s := v.s
	done := 0 // addresses do not overlap: a@b.c@d.com is one
	for at := strings.IndexByte(s, '@'); at >= 0; {
		start := at
		for start > done && localChar(s[start-1]) {
			start--
		}
		end := -1
		if start < at {
			end = domainEnd(s, at+1)
		}
		if end > 0 {
			for end < len(s) && isWord(s[end]) {
				end++
			}
			hits = append(hits, Hit{Kind: Email, Start: start, End: end})
			done = end
		} else {
			end = at + 1
		}
		next := strings.IndexByte(s[end:], '@')
		if next < 0 {
			break
		}
		at = end + next
	}
	return hits
}

func localChar(c byte) bool {
	return isWord(c) || c == '.' || c == '%' || c == '+' || c == '-'
}

// domainEnd is the end of the domain that starts at i, or -1: labels of
// letters, digits and dashes joined by single dots, the address ending with
// the last label that begins with two letters.
func domainEnd(s string, i int) int {
	end, labels := -1, 0
	for i < len(s) {
		j := i
		for j < len(s) && (isDigit(s[j]) || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z' || s[j] == '-') {
			j++
		}
		if j == i {
			break
		}
		if labels > 0 && j-i >= 2 && isLetter(s[i]) && s[i] != '_' && isLetter(s[i+1]) && s[i+1] != '_' {
			end = j
		}
		labels++
		if j+1 >= len(s) || s[j] != '.' {
			break
		}
		i = j + 1
	}
	return end
}

// provinces are the abbreviations a plate starts with.
var provinces = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼" {
		m[r] = true
	}
	return m
}()

// plates finds vehicle plates: a province's abbreviation, the office's
// letter, an optional separator and five characters (six for new-energy
// vehicles, four and 学, 警, 挂, 港 or 澳 for special ones), not followed
// by a letter or digit. I and O are never used. It looks at each letter
// that follows a CJK character.
func (v view) plates(hits []Hit) []Hit {
	s := v.s
	for i := 3; i < len(s); i++ {
		if !plateChar(s[i]) || isDigit(s[i]) {
			continue
		}
		start := i - 3
		if s[i-1] == ' ' && i >= 4 {
			start = i - 4 // 苏 D12345
		}
		if r, w := utf8.DecodeRuneInString(s[start:]); !provinces[r] || start+w != i && s[start+w:i] != " " {
			continue
		}
		j := i + 1
		for _, sep := range []string{" ", "-", "·", "•", "・", "･", "‧"} {
			if strings.HasPrefix(s[j:], sep) {
				j += len(sep)
				break
			}
		}
		k := j
		for k < len(s) && plateChar(s[k]) {
			k++
		}
		if k < len(s) && isWord(s[k]) {
			continue
		}
		tail := strings.ToUpper(s[j:k])
		switch r, w := utf8.DecodeRuneInString(s[k:]); {
		case len(tail) == 4 && strings.ContainsRune("学警挂港澳", r) && digitCount(tail) >= 3:
			k += w
		case !plateTail(tail):
			continue
		}
		hits = append(hits, Hit{Kind: Plate, Start: start, End: k})
		i = k - 1
	}
	return hits
}

// plateChar: the letters and digits a plate uses, without I and O.
func plateChar(c byte) bool {
	return isDigit(c) || c >= 'A' && c <= 'Z' && c != 'I' && c != 'O' || c >= 'a' && c <= 'z' && c != 'i' && c != 'o'
}

// plateTail: five characters with at most two letters, or a new-energy
// vehicle's six: D–K (the energy), a letter or digit and four digits for a
// car, five digits and D–K for a lorry or bus.
func plateTail(t string) bool {
	switch len(t) {
	case 5:
		return digitCount(t) >= 3
	case 6:
		energy := func(c byte) bool { return c >= 'A' && c <= 'K' && c != 'I' }
		return energy(t[0]) && digitCount(t[2:]) == 4 || digitCount(t[:5]) == 5 && energy(t[5])
	}
	return false
}

func digitCount(t string) int {
	n := 0
	for i := 0; i < len(t); i++ {
		if isDigit(t[i]) {
			n++
		}
	}
	return n
}

// known finds the reporter's own values: names and e-mail addresses
// literally (ASCII letters in any case, full-width as half-width), phones
// by their digits, however split by single spaces or dashes, wherever they
// stand. A name of one character is not looked for: it would mask every
// occurrence of a common character and hide nothing.
func (v view) known(hits []Hit, known Known) []Hit {
	if len(known.Names)+len(known.Phones)+len(known.Emails) == 0 {
		return hits
	}
	lower := asciiLower(v.s)
	literal := func(value string, minRunes int) {
		value = asciiLower(normalize(strings.TrimSpace(value)).s)
		if utf8.RuneCountInString(value) < minRunes {
			return
		}
		for i := 0; ; {
			j := strings.Index(lower[i:], value)
			if j < 0 {
				break
			}
			hits = append(hits, Hit{Kind: Reporter, Start: i + j, End: i + j + len(value)})
			i += j + len(value)
		}
	}
	for _, name := range known.Names {
		literal(name, 2)
	}
	for _, addr := range known.Emails {
		literal(addr, 3)
	}
	for _, phone := range known.Phones {
		d := phoneDigits(phone)
		if len(d) < 7 {
			continue
		}
		for i := 0; i < len(v.s); i++ {
			if v.s[i] != d[0] {
				continue
			}
			if end := looseMatch(v.s, i, d); end > 0 {
				hits = append(hits, Hit{Kind: Reporter, Start: i, End: end})
				i = end - 1
			}
		}
	}
	return hits
}

// phoneDigits is a phone's national number: its digits without +86 or 0086.
func phoneDigits(phone string) string {
	var b strings.Builder
	for _, c := range []byte(normalize(phone).s) {
		if isDigit(c) {
			b.WriteByte(c)
		}
	}
	d := b.String()
	switch {
	case len(d) == 15 && strings.HasPrefix(d, "0086"):
		d = d[4:]
	case len(d) == 13 && strings.HasPrefix(d, "86"):
		d = d[2:]
	}
	return d
}

// looseMatch is the end of d's digits in s from i on, each pair of them
// perhaps split as separator allows (one space or dash, an area code's
// parenthesis), or -1.
func looseMatch(s string, i int, d string) int {
	for k := 0; k < len(d); k++ {
		if k > 0 {
			j := i
			if j < len(s) && s[j] == ')' {
				j++
			}
			if j < len(s) && (s[j] == ' ' || s[j] == '-') {
				j++
			}
			if j < len(s) && s[j] == d[k] {
				i = j
			}
		}
		if i >= len(s) || s[i] != d[k] {
			return -1
		}
		i++
	}
	return i
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
