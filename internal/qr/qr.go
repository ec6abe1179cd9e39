// Package qr makes and checks the codes printed on shop fronts (units) and on
// the labels stuck to every scale (instruments).
//
// A citizen scans a code and lands on BASE_URL/Q/<token>. The token names the
// target (kind and numeric ID), the printed version of the code, and carries a
// short MAC keyed with the server secret, so a made-up or altered code is
// recognised without any lookup. This package is pure: it never touches the
// database. Whether a version has been revoked (a reprint issues version n+1
// and revokes n) is for the caller to check against its qr_tokens table after
// Parse succeeds.
//
// Everything a code carries is chosen to fit QR alphanumeric mode (0-9, A-Z,
// space and $%*+-./:), which packs 5.5 bits per character instead of 8: the
// token uses only upper-case letters, digits and '-', and URL upper-cases the
// whole string. With a 30-character base URL an instrument code stays within
// QR version 3 at error-correction level M (29×29 modules), small enough for
// a 2 cm label.
package qr

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"honestmeasure/internal/model"
)

// Ref is what a token points to.
type Ref struct {
	Kind    model.QRKind
	ID      int64
	Version int
}

// Errors returned by Parse.
var (
	// ErrMalformed: the string is not of the token's shape (characters,
	// parts, leading zeros, zero or out-of-range numbers, length).
	ErrMalformed = errors.New("qr: malformed token")
	// ErrForged: the token has the right shape but its MAC does not verify:
	// it was altered, made up, or signed with another secret.
	ErrForged = errors.New("qr: token does not verify")
	// ErrInvalidRef: Token was asked for a code Parse would reject (unknown
	// kind, ID or version out of range).
	ErrInvalidRef = errors.New("qr: reference cannot be encoded")
)

// Limits enforced by Parse and Token.
const (
	MaxID       = int64(1) << 53 // largest ID a token may carry (safe in JSON/JS numbers)
	MaxVersion  = 10000          // largest code version
	MaxTokenLen = 40             // longest token Parse looks at (after trimming spaces)

	macChars   = 12 // 12 base32 chars = 60 bits of HMAC-SHA256
	maxIDChars = 11 // 32^11 = 2^55 > MaxID
	maxVerChar = 3  // 32^3 = 32768 > MaxVersion
)

// keyLabel separates the QR key from every other use of the server secret.
const keyLabel = "honestmeasure qr token v1"

// Signer makes and checks tokens with a key derived from the server secret.
// It is safe for concurrent use.
type Signer struct {
	key [sha256.Size]byte
}

// NewSigner derives the QR-only key HMAC-SHA256(secret, "honestmeasure qr
// token v1"), so the same secret used elsewhere (sessions, CSRF) yields an
// unrelated key: a QR MAC says nothing about a session signature and vice
// versa.
func NewSigner(secret []byte) *Signer {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(keyLabel))
	s := &Signer{}
	m.Sum(s.key[:0])
	return s
}

// Token format
//
//	<kind><id>-<version>-<mac>      e.g. I9H5M0-33-KTPMWFVPTZYR (instrument 10,000,000, v99)
//
//	kind     one letter: "U" unit, "I" instrument
//	id       Crockford base32, no leading zeros (10,000,000 → 5 chars)
//	version  Crockford base32, no leading zeros (99 → 2 chars)
//	mac      first 60 bits of HMAC-SHA256(key, "<kind>|<id>|<version>"),
//	         kind spelled as model.QRKind ("unit"/"instrument"), id and version
//	         in decimal; 12 Crockford base32 chars, fixed width.
//
// Crockford's alphabet 0-9 A-Z without I, L, O, U keeps it readable when a
// citizen types a code from a blurred label; Parse reads O as 0 and I, L as 1
// in the id, version and MAC. The kind letter is always exactly the first
// character and is read before that mapping, so a leading "I" is always the
// instrument kind, never the digit 1. Forbidding leading zeros makes the
// canonical (upper-case, unaliased) form of a token unique for each Ref.
//
// An instrument token for ID ≤ 10,000,000 and version ≤ 99 is at most
// 1+5+1+2+1+12 = 22 characters.

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// decodeTable maps an upper-case ASCII byte to its base32 value, or -1.
var decodeTable = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	t['O'] = 0
	t['I'] = 1
	t['L'] = 1
	return t
}()

func kindLetter(k model.QRKind) (byte, bool) {
	switch k {
	case model.QRUnit:
		return 'U', true
	case model.QRInstrument:
		return 'I', true
	}
	return 0, false
}

// Token returns the canonical token for r, or ErrInvalidRef if r is not a
// valid reference (unknown kind, ID outside 1..MaxID, version outside
// 1..MaxVersion). It never panics: tokens are built from database rows while
// serving public lists, and one bad row must cost its own link, not the
// whole page.
func (s *Signer) Token(r Ref) (string, error) {
	k, ok := kindLetter(r.Kind)
	if !ok || r.ID < 1 || r.ID > MaxID || r.Version < 1 || r.Version > MaxVersion {
		return "", fmt.Errorf("%w: %s %d v%d", ErrInvalidRef, r.Kind, r.ID, r.Version)
	}
	b := make([]byte, 0, 1+maxIDChars+1+maxVerChar+1+macChars)
	b = append(b, k)
	b = appendBase32(b, uint64(r.ID))
	b = append(b, '-')
	b = appendBase32(b, uint64(r.Version))
	b = append(b, '-')
	b = s.appendMAC(b, r)
	return string(b), nil
}

// Parse checks a token and returns what it points to. It accepts lower case,
// surrounding white space and the Crockford look-alikes O→0, I/L→1 in the
// numeric and MAC parts. It returns ErrMalformed for anything not of the
// token's shape and ErrForged when the MAC does not verify. It does not know
// about revocation.
func (s *Signer) Parse(token string) (Ref, error) {
	t := strings.TrimSpace(token)
	if len(t) < 1+1+1+1+1+macChars || len(t) > MaxTokenLen {
		return Ref{}, ErrMalformed
	}
	var r Ref
	switch upper(t[0]) {
	case 'U':
		r.Kind = model.QRUnit
	case 'I':
		r.Kind = model.QRInstrument
	default:
		return Ref{}, ErrMalformed
	}
	rest := t[1:]
	idPart, rest, ok1 := strings.Cut(rest, "-")
	verPart, macPart, ok2 := strings.Cut(rest, "-")
	if !ok1 || !ok2 || len(macPart) != macChars {
		return Ref{}, ErrMalformed
	}
	id, ok := parseNumber(idPart, maxIDChars)
	if !ok || id < 1 || id > uint64(MaxID) {
		return Ref{}, ErrMalformed
	}
	ver, ok := parseNumber(verPart, maxVerChar)
	if !ok || ver < 1 || ver > MaxVersion {
		return Ref{}, ErrMalformed
	}
	r.ID, r.Version = int64(id), int(ver)

	var got [macChars]byte
	for i := 0; i < macChars; i++ {
		v := decodeTable[upper(macPart[i])]
		if v < 0 {
			return Ref{}, ErrMalformed
		}
		got[i] = alphabet[v]
	}
	want := s.appendMAC(make([]byte, 0, macChars), r)
	if !hmac.Equal(got[:], want) {
		return Ref{}, ErrForged
	}
	return r, nil
}

// upper maps ASCII a-z to A-Z and leaves every other byte alone (bytes of
// multi-byte UTF-8 sequences are ≥ 0x80 and never valid). strings.ToUpper is
// avoided on purpose: it maps e.g. 'ı' to 'I' and 'ſ' to 'S'.
func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// parseNumber decodes a non-empty Crockford base32 number of at most maxLen
// characters with no leading zero.
func parseNumber(p string, maxLen int) (uint64, bool) {
	if len(p) == 0 || len(p) > maxLen {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(p); i++ {
		v := decodeTable[upper(p[i])]
		if v < 0 || (i == 0 && v == 0) {
			return 0, false
		}
		n = n<<5 | uint64(v)
	}
	return n, true
}

// appendBase32 appends n (> 0) in Crockford base32 without leading zeros.
func appendBase32(b []byte, n uint64) []byte {
	var buf [13]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = alphabet[n&31]
		n >>= 5
	}
	return append(b, buf[i:]...)
}

// appendMAC appends the 12-character MAC of r.
func (s *Signer) appendMAC(b []byte, r Ref) []byte {
	m := hmac.New(sha256.New, s.key[:])
	msg := make([]byte, 0, 48)
	msg = append(msg, r.Kind...)
	msg = append(msg, '|')
	msg = strconv.AppendInt(msg, r.ID, 10)
	msg = append(msg, '|')
	msg = strconv.AppendInt(msg, int64(r.Version), 10)
	m.Write(msg)
	var sum [sha256.Size]byte
	v := binary.BigEndian.Uint64(m.Sum(sum[:0])[:8]) >> 4 // first 60 bits
	var out [macChars]byte
	for i := macChars - 1; i >= 0; i-- {
		out[i] = alphabet[v&31]
		v >>= 5
	}
	return append(b, out[:]...)
}

// URL is the exact string encoded in the QR code: the base URL (trailing
// slashes dropped), "/q/" and the token, all upper-cased so the whole URL is
// QR alphanumeric. The scheme and host are case-insensitive; a base URL with
// a path is upper-cased too, so the caller must route it (and both /q/ and
// /Q/) case-insensitively. A base URL with characters outside the
// alphanumeric set (e.g. '_', '?') still works but costs byte mode and space.
func URL(baseURL, token string) string {
	return strings.ToUpper(strings.TrimRight(baseURL, "/") + "/q/" + token)
}

// URLFor is URL(baseURL, Token(r)): the string printed into r's code.
func (s *Signer) URLFor(baseURL string, r Ref) (string, error) {
	tok, err := s.Token(r)
	if err != nil {
		return "", err
	}
	return URL(baseURL, tok), nil
}
