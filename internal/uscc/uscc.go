// Package uscc validates unified social credit codes (统一社会信用代码,
// GB 32100-2015). It only checks the code's form; whether the business exists
// is a question for the registry, not for this package.
package uscc

import (
	"errors"
	"fmt"
	"strings"
)

// alphabet lists the 31 characters in value order; I, O, Z, S and V are left
// out because they are easily confused with digits.
const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// weights are 3^i mod 31 for positions 1–17.
var weights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// Length is the number of characters in a code.
const Length = 18

// Error kinds, so the UI can say precisely what is wrong.
var (
	ErrLength    = errors.New("wrong length")
	ErrCharacter = errors.New("character not allowed")
	ErrCheck     = errors.New("check character does not match")
)

// Error describes why a code is not valid, with the offending position.
type Error struct {
	Kind     error
	Position int    // 1-based; 0 when not about one character
	Char     string // the offending character, if any
	Want     string // the expected check character, for ErrCheck
	Length   int
}

func (e *Error) Error() string {
	switch e.Kind {
	case ErrLength:
		return fmt.Sprintf("a unified social credit code has 18 characters, this has %d", e.Length)
	case ErrCharacter:
		return fmt.Sprintf("character %q at position %d is not allowed (only digits and capital letters except I, O, Z, S, V)", e.Char, e.Position)
	default:
		return fmt.Sprintf("check character is %s but should be %s: a character was probably mistyped", e.Char, e.Want)
	}
}

func (e *Error) Unwrap() error { return e.Kind }

// Normalize undoes what typing and pasting do to a code: it drops spaces
// and dashes, makes full-width characters (a Chinese keyboard's) half-width
// and lower-case letters capitals, as the code is printed. Characters the
// code never holds (I, O, Z, S, V, anything else) are left for Validate to
// report.
func Normalize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u3000' || r == '-' || r == '\uff0d':
			return -1
		case r >= '\uff01' && r <= '\uff5e': // full-width ASCII
			r -= 0xfee0
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		return r
	}, s)
}

// Validate reports nil when code is a well-formed code with a correct check
// character, and an *Error otherwise.
func Validate(code string) error {
	if n := len([]rune(code)); n != Length || len(code) != Length {
		return &Error{Kind: ErrLength, Length: n}
	}
	sum := 0
	for i := 0; i < Length; i++ {
		v := strings.IndexByte(alphabet, code[i])
		if v < 0 {
			return &Error{Kind: ErrCharacter, Position: i + 1, Char: string(code[i])}
		}
		if i < 17 {
			sum += v * weights[i]
		}
	}
	want := alphabet[CheckValue(sum)]
	if code[17] != want {
		return &Error{Kind: ErrCheck, Position: 18, Char: string(code[17]), Want: string(want)}
	}
	return nil
}

// CheckValue turns the weighted sum of the first 17 values into the value of
// the check character: 31 − (sum mod 31), where 31 becomes 0.
func CheckValue(sum int) int { return (31 - sum%31) % 31 }

// CheckChar computes the check character for the first 17 characters, for
// demo data and tests. It reports false when body is not 17 allowed characters.
func CheckChar(body string) (byte, bool) {
	if len(body) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(alphabet, body[i])
		if v < 0 {
			return 0, false
		}
		sum += v * weights[i]
	}
	return alphabet[CheckValue(sum)], true
}
