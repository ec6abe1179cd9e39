package qr_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	qrcode "github.com/skip2/go-qrcode"

	"honestmeasure/internal/model"
	"honestmeasure/internal/qr"
)

var testSecret = []byte("correct horse battery staple, but longer and random in production")

// base30 is the production host adjusted to exactly 30 characters (the real
// "https://jlcx.scjgj.changzhou.cn" is 31 and is tested too).
const (
	base30 = "http://jlcx.scjgj.changzhou.cn"
	base31 = "https://jlcx.scjgj.changzhou.cn"
)

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// b32 is an independent Crockford base32 encoder (no leading zeros).
func b32(n uint64) string {
	if n == 0 {
		return "0"
	}
	var s []byte
	for ; n > 0; n >>= 5 {
		s = append([]byte{crockford[n&31]}, s...)
	}
	return string(s)
}

// specToken builds a token straight from the written specification, with no
// code shared with the package.
func specToken(secret []byte, r qr.Ref) string {
	km := hmac.New(sha256.New, secret)
	km.Write([]byte("honestmeasure qr token v1"))
	key := km.Sum(nil)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(string(r.Kind) + "|" + strconv.FormatInt(r.ID, 10) + "|" + strconv.Itoa(r.Version)))
	v := binary.BigEndian.Uint64(m.Sum(nil)) >> 4
	mac := make([]byte, 12)
	for i := 11; i >= 0; i-- {
		mac[i] = crockford[v&31]
		v >>= 5
	}
	letter := map[model.QRKind]string{model.QRUnit: "U", model.QRInstrument: "I"}[r.Kind]
	return letter + b32(uint64(r.ID)) + "-" + b32(uint64(r.Version)) + "-" + string(mac)
}

// canonical is the form Parse is documented to read a token as: trimmed,
// ASCII upper case, and O→0, I/L→1 everywhere but the kind letter.
func canonical(s string) string {
	b := []byte(strings.TrimSpace(s))
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if i > 0 {
			switch c {
			case 'O':
				c = '0'
			case 'I', 'L':
				c = '1'
			}
		}
		b[i] = c
	}
	return string(b)
}

var tokenShape = regexp.MustCompile(`^[UI][1-9A-HJKMNP-TV-Z][0-9A-HJKMNP-TV-Z]*-[1-9A-HJKMNP-TV-Z][0-9A-HJKMNP-TV-Z]*-[0-9A-HJKMNP-TV-Z]{12}$`)

func refs() []qr.Ref {
	var out []qr.Ref
	for _, k := range []model.QRKind{model.QRUnit, model.QRInstrument} {
		for _, id := range []int64{1, 31, 32, 1_000_000, 10_000_000, qr.MaxID} {
			for _, v := range []int{1, 2, 31, 32, 99, qr.MaxVersion} {
				out = append(out, qr.Ref{Kind: k, ID: id, Version: v})
			}
		}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	s := qr.NewSigner(testSecret)
	seen := map[string]qr.Ref{}
	for _, r := range refs() {
		tok := token(s, r)
		if !tokenShape.MatchString(tok) {
			t.Errorf("%+v: token %q not of the documented shape", r, tok)
		}
		if want := specToken(testSecret, r); tok != want {
			t.Errorf("%+v: token %q, specification gives %q", r, tok, want)
		}
		if prev, dup := seen[tok]; dup {
			t.Errorf("%+v and %+v share token %q", prev, r, tok)
		}
		seen[tok] = r
		got, err := s.Parse(tok)
		if err != nil || got != r {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tok, got, err, r)
		}
	}
}

// TestGolden pins the format: codes already printed must keep verifying, so
// a change here means every label in the field is broken. The MACs were
// checked independently with Python's hmac module.
func TestGolden(t *testing.T) {
	s := qr.NewSigner([]byte("golden secret"))
	for _, c := range []struct {
		r    qr.Ref
		want string
	}{
		{qr.Ref{Kind: model.QRInstrument, ID: 10_000_000, Version: 99}, "I9H5M0-33-KTPMWFVPTZYR"},
		{qr.Ref{Kind: model.QRUnit, ID: 1, Version: 1}, "U1-1-88SCZPN75SRT"},
	} {
		if got := token(s, c.r); got != c.want {
			t.Errorf("Token(%+v) = %q, want %q", c.r, got, c.want)
		}
	}
}

// The signer must not use the raw secret as the MAC key.
func TestKeyIsDerived(t *testing.T) {
	secret := []byte("shared with sessions")
	r := qr.Ref{Kind: model.QRUnit, ID: 7, Version: 1}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("unit|7|1"))
	v := binary.BigEndian.Uint64(m.Sum(nil)) >> 4
	raw := make([]byte, 12)
	for i := 11; i >= 0; i-- {
		raw[i] = crockford[v&31]
		v >>= 5
	}
	if tok := token(qr.NewSigner(secret), r); strings.HasSuffix(tok, string(raw)) {
		t.Fatalf("token %q is keyed with the raw secret", tok)
	}
}

func TestParseLenient(t *testing.T) {
	s := qr.NewSigner(testSecret)
	r := qr.Ref{Kind: model.QRInstrument, ID: 1, Version: 1}
	tok := token(s, r) // "I1-1-…"
	if !strings.HasPrefix(tok, "I1-1-") {
		t.Fatalf("unexpected token %q", tok)
	}
	mac := tok[5:]
	for _, in := range []string{
		strings.ToLower(tok),
		"  " + tok + "  ",
		"\t" + strings.ToLower(tok) + "\r\n",
		"IL-1-" + mac, // L read as 1 right after the kind letter I
		"il-l-" + strings.ToLower(mac),
		"II-I-" + mac, // first I is the kind, second the digit 1
		"I1-1-" + strings.NewReplacer("0", "O", "1", "I").Replace(mac),
		"I1-1-" + strings.ToLower(strings.NewReplacer("0", "o", "1", "l").Replace(mac)),
	} {
		got, err := s.Parse(in)
		if err != nil || got != r {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", in, got, err, r)
		}
	}
}

func TestTamperSingleCharacter(t *testing.T) {
	s := qr.NewSigner(testSecret)
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-"
	for _, r := range []qr.Ref{
		{Kind: model.QRInstrument, ID: 10_000_000, Version: 99},
		{Kind: model.QRUnit, ID: 1, Version: 1},
		{Kind: model.QRUnit, ID: 32, Version: 2},
	} {
		tok := token(s, r)
		var forged, malformed, aliases int
		for i := 0; i < len(tok); i++ {
			for _, c := range []byte(chars) {
				if c == tok[i] {
					continue
				}
				mut := tok[:i] + string(c) + tok[i+1:]
				got, err := s.Parse(mut)
				switch {
				case canonical(mut) == tok:
					// A Crockford look-alike (O for 0, I/L for 1): same token.
					aliases++
					if err != nil || got != r {
						t.Errorf("alias %q of %q: %+v, %v", mut, tok, got, err)
					}
				case err == nil:
					t.Errorf("altered token %q (from %q) accepted as %+v", mut, tok, got)
				case errors.Is(err, qr.ErrForged):
					forged++
				case errors.Is(err, qr.ErrMalformed):
					malformed++
				default:
					t.Errorf("altered token %q: unexpected error %v", mut, err)
				}
			}
		}
		// Every MAC position has at least 31 forging substitutions.
		if forged < 12*31 || malformed == 0 || aliases == 0 {
			t.Errorf("%q: forged=%d malformed=%d aliases=%d", tok, forged, malformed, aliases)
		}
	}
}

func TestKindSwap(t *testing.T) {
	s := qr.NewSigner(testSecret)
	for _, r := range refs() {
		tok := token(s, r)
		swapped := map[byte]string{'U': "I", 'I': "U"}[tok[0]] + tok[1:]
		if _, err := s.Parse(swapped); !errors.Is(err, qr.ErrForged) {
			t.Errorf("Parse(%q) (kind swapped from %q) = %v, want ErrForged", swapped, tok, err)
		}
	}
}

func TestOtherSecret(t *testing.T) {
	s := qr.NewSigner(testSecret)
	other := qr.NewSigner([]byte("another secret"))
	for _, r := range refs() {
		tok := token(other, r)
		if _, err := s.Parse(tok); !errors.Is(err, qr.ErrForged) {
			t.Errorf("Parse(%q) from another secret = %v, want ErrForged", tok, err)
		}
	}
}

func TestGarbage(t *testing.T) {
	s := qr.NewSigner(testSecret)
	good := token(s, qr.Ref{Kind: model.QRUnit, ID: 1, Version: 1})
	mac := good[len(good)-12:]
	for _, in := range []string{
		"",
		" ",
		"-",
		"U--",
		"U1-1",
		"U1-1-",
		"X1-1-AAAAAAAAAAAA",
		"11-1-" + mac,
		"-U1-1-" + mac,
		"U1-1-" + mac[:11],
		"U1-1-" + mac + "0",
		"U1-1-" + mac + "-",
		"U1--1-" + mac,
		"U-1-" + mac,
		"U1--" + mac,
		"U1-1" + mac,
		"U1_1_" + mac,
		"U1 -1-" + mac,
		"U1-1-" + mac[:6] + " " + mac[7:],
		"U1-1-" + mac[:11] + "U", // U is not a Crockford digit
		"U1-1-" + mac[:11] + "*",
		"U0-1-" + mac,  // id 0
		"U01-1-" + mac, // leading zero: not canonical
		"U1-0-" + mac,  // version 0
		"U1-01-" + mac,
		"U" + b32(uint64(qr.MaxID)+1) + "-1-" + mac,
		"U" + strings.Repeat("Z", 13) + "-1-" + mac, // would overflow 64 bits
		"U1-" + b32(qr.MaxVersion+1) + "-" + mac,
		"U1-" + strings.Repeat("Z", 20) + "-" + mac,
		strings.Repeat("A", 41),
		strings.Repeat("U1-1-"+mac, 100),
		"U" + strings.Repeat("1", 40) + "-1-" + mac,
		"Ü1-1-" + mac,
		"ı1-1-" + mac, // dotless i: strings.ToUpper would make it "I"
		"U1-1-" + mac[:11] + "ſ",
		"U1-1-" + mac[:11] + "\x00",
		"U1-1-" + mac[:11] + "\xff",
		"U１-1-" + mac, // full-width digit one
		"/Q/U1-1-" + mac,
		"https://x/q/U1-1-" + mac,
	} {
		if got, err := s.Parse(in); !errors.Is(err, qr.ErrMalformed) {
			t.Errorf("Parse(%q) = %+v, %v; want ErrMalformed", in, got, err)
		}
	}
}

// An unencodable reference is an error, never a panic: the directory builds
// tokens from database rows, and one bad row must not take it down.
func TestTokenRefusesInvalidRef(t *testing.T) {
	s := qr.NewSigner(testSecret)
	for _, r := range []qr.Ref{
		{Kind: "shop", ID: 1, Version: 1},
		{Kind: model.QRUnit, ID: 0, Version: 1},
		{Kind: model.QRUnit, ID: -1, Version: 1},
		{Kind: model.QRUnit, ID: qr.MaxID + 1, Version: 1},
		{Kind: model.QRUnit, ID: 1, Version: 0},
		{Kind: model.QRUnit, ID: 1, Version: qr.MaxVersion + 1},
	} {
		if tok, err := s.Token(r); !errors.Is(err, qr.ErrInvalidRef) || tok != "" {
			t.Errorf("Token(%+v) = %q, %v; want ErrInvalidRef", r, tok, err)
		}
		if u, err := s.URLFor("https://example.cn", r); !errors.Is(err, qr.ErrInvalidRef) || u != "" {
			t.Errorf("URLFor(%+v) = %q, %v; want ErrInvalidRef", r, u, err)
		}
	}
}

func TestURL(t *testing.T) {
	for _, c := range []struct{ base, tok, want string }{
		{"https://jlcx.scjgj.changzhou.cn", "I1-1-ABC", "HTTPS://JLCX.SCJGJ.CHANGZHOU.CN/Q/I1-1-ABC"},
		{"https://example.cn/", "u1-1-abc", "HTTPS://EXAMPLE.CN/Q/U1-1-ABC"},
		{"http://Example.cn:8080//", "I2-1-X", "HTTP://EXAMPLE.CN:8080/Q/I2-1-X"},
	} {
		if got := qr.URL(c.base, c.tok); got != c.want {
			t.Errorf("URL(%q, %q) = %q, want %q", c.base, c.tok, got, c.want)
		}
	}
}

// isAlnum reports whether every byte is in the QR alphanumeric set.
func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", rune(s[i])) {
			return false
		}
	}
	return true
}

// Version 3-M holds 61 alphanumeric characters.
func TestBudget(t *testing.T) {
	if len(base30) != 30 {
		t.Fatalf("len(base30) = %d", len(base30))
	}
	s := qr.NewSigner(testSecret)
	for _, k := range []model.QRKind{model.QRInstrument, model.QRUnit} {
		for _, id := range []int64{1, 9_999_999, 10_000_000} {
			for _, v := range []int{1, 31, 32, 99} {
				tok := token(s, qr.Ref{Kind: k, ID: id, Version: v})
				u := qr.URL(base30, tok)
				if !isAlnum(u) {
					t.Errorf("%q is not QR alphanumeric", u)
				}
				if n := 30 + len("/Q/") + len(tok); n > 61 || len(u) != n {
					t.Errorf("%q: %d characters, budget 61", u, len(u))
				}
			}
		}
	}
}

func TestQRVersion(t *testing.T) {
	if len(base30) != 30 {
		t.Fatalf("len(base30) = %d", len(base30))
	}
	s := qr.NewSigner(testSecret)
	for _, c := range []struct {
		base string
		id   int64
		ver  int
		max  int
	}{
		{base30, 10_000_000, 99, 3},
		{base30, 1, 1, 3},
		{base31, 10_000_000, 99, 3},
		{base30, qr.MaxID, qr.MaxVersion, 4}, // 62 characters: just over
	} {
		tok := token(s, qr.Ref{Kind: model.QRInstrument, ID: c.id, Version: c.ver})
		u := qr.URL(c.base, tok)
		v, err := qr.Version(u)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("instrument id %d version %d: %q (%d chars) → QR version %d-M", c.id, c.ver, u, len(u), v)
		if v > c.max {
			t.Errorf("%q: QR version %d, want ≤ %d", u, v, c.max)
		}
	}
	// The 61-character capacity of 3-M really is reached with our content
	// (i.e. go-qrcode encodes it as alphanumeric, not bytes).
	tok := token(s, qr.Ref{Kind: model.QRInstrument, ID: 10_000_000, Version: 99})
	base := "https://" + strings.Repeat("a", 61-len("/Q/")-len(tok)-len("https://"))
	if u := qr.URL(base, tok); len(u) != 61 {
		t.Fatalf("len = %d", len(u))
	} else if v, _ := qr.Version(u); v != 3 {
		t.Errorf("61-char URL %q: QR version %d, want 3", u, v)
	} else if v, _ := qr.Version(u + "A"); v != 4 {
		t.Errorf("62-char URL: QR version %d, want 4", v)
	}
}

func decode(t testing.TB, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res.GetText()
}

func TestPNGDecodes(t *testing.T) {
	s := qr.NewSigner(testSecret)
	for _, c := range []struct {
		r    qr.Ref
		size int
	}{
		{qr.Ref{Kind: model.QRInstrument, ID: 10_000_000, Version: 99}, 256},
		{qr.Ref{Kind: model.QRInstrument, ID: 1, Version: 1}, 256},
		{qr.Ref{Kind: model.QRUnit, ID: 123_456, Version: 2}, 256},
		{qr.Ref{Kind: model.QRUnit, ID: 1_000_000, Version: 3}, 1000},
		{qr.Ref{Kind: model.QRInstrument, ID: 32, Version: 1}, 37}, // one pixel per module
	} {
		u := qr.URL(base30, token(s, c.r))
		b, err := qr.PNG(u, c.size)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if bd := img.Bounds(); bd.Dx() != c.size || bd.Dy() != c.size {
			t.Errorf("image is %v, want %d px square", bd, c.size)
		}
		// Quiet zone: the outer 4 modules (at least) are white.
		v, _ := qr.Version(u)
		modules := 17 + 4*v + 8
		border := c.size / modules * 4
		for i := 0; i < c.size; i++ {
			for j := 0; j < border; j++ {
				for _, p := range [][2]int{{i, j}, {j, i}, {i, c.size - 1 - j}, {c.size - 1 - j, i}} {
					if g := color.GrayModel.Convert(img.At(p[0], p[1])).(color.Gray); g.Y != 0xff {
						t.Fatalf("pixel %v in the quiet zone is %v", p, g)
					}
				}
			}
		}
		text := decode(t, img)
		if text != u {
			t.Fatalf("decoded %q, want %q", text, u)
		}
		_, tok, ok := strings.Cut(text, "/Q/")
		if !ok {
			t.Fatalf("no /Q/ in %q", text)
		}
		got, err := s.Parse(tok)
		if err != nil || got != c.r {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tok, got, err, c.r)
		}
	}
	if _, err := qr.PNG(qr.URL(base30, "I1-1-0123456789AB"), 20); err == nil {
		t.Error("PNG below one pixel per module did not fail")
	}
}

// PNG shares pooled encoder state: concurrent calls must give the same bytes
// as a lone call.
func TestPNGConcurrent(t *testing.T) {
	urls := benchURLs()
	want := make([][]byte, len(urls))
	for i, u := range urls {
		b, err := qr.PNG(u, 256)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = b
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for k := 0; k < 5; k++ {
				i := (g + k) % len(urls)
				b, err := qr.PNG(urls[i], 256)
				if err != nil || !bytes.Equal(b, want[i]) {
					t.Errorf("concurrent PNG of %q differs (err %v)", urls[i], err)
				}
			}
		})
	}
	wg.Wait()
}

var pathRun = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

func TestSVG(t *testing.T) {
	s := qr.NewSigner(testSecret)
	r := qr.Ref{Kind: model.QRInstrument, ID: 10_000_000, Version: 99}
	u := qr.URL(base30, token(s, r))
	b, err := qr.SVG(u)
	if err != nil {
		t.Fatal(err)
	}
	svg := string(b)

	dec := xml.NewDecoder(bytes.NewReader(b))
	var root string
	var paths int
	var d, viewBox string
	for {
		tk, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("invalid XML: %v\n%s", err, svg)
		}
		if se, ok := tk.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			for _, a := range se.Attr {
				switch {
				case se.Name.Local == "svg" && a.Name.Local == "viewBox":
					viewBox = a.Value
				case se.Name.Local == "svg" && (a.Name.Local == "width" || a.Name.Local == "height"):
					t.Errorf("svg has a fixed %s=%q", a.Name.Local, a.Value)
				case se.Name.Local == "path" && a.Name.Local == "d":
					d = a.Value
				}
			}
			if se.Name.Local == "path" {
				paths++
			}
		}
	}
	if root != "svg" || paths != 1 || strings.Count(svg, "<path") != 1 {
		t.Errorf("root %q, %d paths", root, paths)
	}
	if !strings.Contains(svg, `shape-rendering="crispEdges"`) {
		t.Error("no crispEdges")
	}
	v, _ := qr.Version(u)
	n := 17 + 4*v + 8
	if want := "0 0 " + strconv.Itoa(n) + " " + strconv.Itoa(n); viewBox != want {
		t.Errorf("viewBox %q, want %q", viewBox, want)
	}

	// Rasterise the path (8 px per module) and scan it: the geometry must be
	// the code, and runs must be maximal (no two touching on one row).
	const px = 8
	img := image.NewGray(image.Rect(0, 0, n*px, n*px))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	runs := pathRun.FindAllStringSubmatch(d, -1)
	if strings.Join(pathRun.FindAllString(d, -1), "") != d || len(runs) == 0 {
		t.Fatalf("path data not made of unit-high runs: %q", d)
	}
	end := map[[2]int]bool{}
	for _, m := range runs {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		if m[3] != m[4] || w < 1 || x < 4 || y < 4 || x+w > n-4 || y >= n-4 {
			t.Fatalf("bad run %q (outside the code or the quiet zone)", m[0])
		}
		if end[[2]int{x, y}] {
			t.Errorf("run %q touches the previous one: not merged", m[0])
		}
		end[[2]int{x + w, y}] = true
		for yy := y * px; yy < (y+1)*px; yy++ {
			for xx := x * px; xx < (x+w)*px; xx++ {
				img.Pix[yy*img.Stride+xx] = 0
			}
		}
	}
	if text := decode(t, img); text != u {
		t.Errorf("SVG decodes to %q, want %q", text, u)
	}
}

// FuzzParse: Parse never panics, and whatever it accepts is a token it would
// have issued itself, read in its canonical form.
func FuzzParse(f *testing.F) {
	s := qr.NewSigner(testSecret)
	for _, r := range refs() {
		tok := token(s, r)
		f.Add(tok)
		f.Add(strings.ToLower(tok))
		f.Add(" " + tok + "\n")
	}
	for _, g := range []string{"", "-", "U--", "X1-1-AAAAAAAAAAAA", "IL-L-OOOOOOOOOOOO", "ı1-1-AAAAAAAAAAAA", strings.Repeat("Z", 60)} {
		f.Add(g)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := s.Parse(in)
		if err != nil {
			if r != (qr.Ref{}) {
				t.Fatalf("Parse(%q) returned %+v with error %v", in, r, err)
			}
			if !errors.Is(err, qr.ErrMalformed) && !errors.Is(err, qr.ErrForged) {
				t.Fatalf("Parse(%q): unexpected error %v", in, err)
			}
			return
		}
		if tok := token(s, r); tok != canonical(in) {
			t.Fatalf("Parse(%q) = %+v, which is token %q, not the canonical %q", in, r, tok, canonical(in))
		}
	})
}

// FuzzRoundTrip: every valid Ref survives Token then Parse, in upper and
// lower case; every invalid one is refused with ErrInvalidRef.
func FuzzRoundTrip(f *testing.F) {
	s := qr.NewSigner(testSecret)
	f.Add(true, int64(1), 1)
	f.Add(false, int64(10_000_000), 99)
	f.Add(true, qr.MaxID, qr.MaxVersion)
	f.Add(false, int64(0), 1)
	f.Add(true, int64(-5), 0)
	f.Fuzz(func(t *testing.T, unit bool, id int64, ver int) {
		r := qr.Ref{Kind: model.QRInstrument, ID: id, Version: ver}
		if unit {
			r.Kind = model.QRUnit
		}
		if id < 1 || id > qr.MaxID || ver < 1 || ver > qr.MaxVersion {
			if _, err := s.Token(r); !errors.Is(err, qr.ErrInvalidRef) {
				t.Fatalf("Token(%+v): %v, want ErrInvalidRef", r, err)
			}
			return
		}
		tok := token(s, r)
		if len(tok) > qr.MaxTokenLen || !tokenShape.MatchString(tok) {
			t.Fatalf("Token(%+v) = %q: bad shape", r, tok)
		}
		for _, in := range []string{tok, strings.ToLower(tok)} {
			if got, err := s.Parse(in); err != nil || got != r {
				t.Fatalf("Parse(%q) = %+v, %v; want %+v", in, got, err, r)
			}
		}
	})
}

func benchURLs() []string {
	s := qr.NewSigner(testSecret)
	var out []string
	for _, id := range []int64{1, 4242, 1_000_000, 10_000_000} {
		out = append(out, qr.URL(base31, token(s, qr.Ref{Kind: model.QRInstrument, ID: id, Version: 2})))
	}
	return out
}

func BenchmarkRawEncode(b *testing.B) {
	urls := benchURLs()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q, err := qrcode.New(urls[i%len(urls)], qrcode.Medium)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := q.PNG(256); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkPNG(b *testing.B) {
	urls := benchURLs()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := qr.PNG(urls[i%len(urls)], 256); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkSVG(b *testing.B) {
	urls := benchURLs()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := qr.SVG(urls[i%len(urls)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkToken(b *testing.B) {
	s := qr.NewSigner(testSecret)
	r := qr.Ref{Kind: model.QRInstrument, ID: 10_000_000, Version: 99}
	b.ReportAllocs()
	for b.Loop() {
		got, err := s.Parse(token(s, r))
		if err != nil || got != r {
			b.Fatal(got, err)
		}
	}
}

// token is Signer.Token for references the test knows are valid.
func token(s *qr.Signer, r qr.Ref) string {
	tok, err := s.Token(r)
	if err != nil {
		panic(err)
	}
	return tok
}
