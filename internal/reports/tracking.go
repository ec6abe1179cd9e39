// Package reports holds the rules for citizens' reports: tracking numbers,
// access codes and (in later work) validation of what was submitted.
package reports

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"math/big"
	"strings"
)

// trackingAlphabet is Crockford's base32 without I, L, O, U: nothing to
// confuse when read aloud or typed on a phone.
const trackingAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewTrackingNumber returns a random tracking number such as "7KQ2-M9QX-4TPR":
// 12 random symbols (60 bits), so numbers can be neither guessed nor counted
// through.
func NewTrackingNumber() string {
	var b strings.Builder
	for i := 0; i < 12; i++ {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(trackingAlphabet[randInt(len(trackingAlphabet))])
	}
	return b.String()
}

// NormalizeTrackingNumber accepts what people type (lower case, spaces, no
// dashes, O for 0, I/L for 1) and returns the canonical form, or "" if it
// cannot be a tracking number.
func NormalizeTrackingNumber(s string) string {
	s = strings.ToUpper(s)
	s = strings.NewReplacer("O", "0", "I", "1", "L", "1", "-", "", " ", "", "\u3000", "").Replace(s)
	if len(s) != 12 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(trackingAlphabet, s[i]) < 0 {
			return ""
		}
	}
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12]
}

// Access codes are 8 digits: easy to type on a phone keypad. They only work
// together with the unguessable tracking number, and /track is rate limited.
// See AccessCodeFor for how they are made.

// HashAccessCode keys the hash with the server secret, so a copy of the
// database alone does not let anyone try all 10^8 codes offline.
func HashAccessCode(secret []byte, trackingNo, code string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(trackingNo + ":" + code))
	return hex.EncodeToString(m.Sum(nil))
}

// CheckAccessCode compares in constant time.
func CheckAccessCode(secret []byte, trackingNo, code, hash string) bool {
	want := HashAccessCode(secret, trackingNo, code)
	return subtle.ConstantTimeCompare([]byte(want), []byte(hash)) == 1
}

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return int(v.Int64())
}
