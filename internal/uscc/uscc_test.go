package uscc

import (
	"errors"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		code string
		want error
	}{
		{"example from the standard's users", "91310110666007217T", nil},
		{"wrong check character", "91310110666007217U", ErrCheck},
		{"check character off by one value", "91310110666007217R", ErrCheck},
		{"lower-case letter", "91310110666007217t", ErrCharacter},
		{"forbidden letter I", "9131011066600721IT", ErrCharacter},
		{"forbidden letter O", "9131O110666007217T", ErrCharacter},
		{"forbidden letter Z", "Z1310110666007217T", ErrCharacter},
		{"forbidden letter S", "91310110666007S17T", ErrCharacter},
		{"forbidden letter V", "91310110666007V17T", ErrCharacter},
		{"too short", "91310110666007217", ErrLength},
		{"too long", "91310110666007217TT", ErrLength},
		{"empty", "", ErrLength},
		{"full-width digits count as wrong length", "９1310110666007217T", ErrLength},
		{"chinese characters", "九一三一〇一一〇六六六〇〇七二一七T九", ErrLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.code)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Validate(%q) = %v, want %v", tt.code, err, tt.want)
			}
			if err != nil && err.Error() == "" {
				t.Fatal("error without message")
			}
		})
	}
}

func TestCheckErrorNamesExpectedCharacter(t *testing.T) {
	var e *Error
	if err := Validate("91310110666007217U"); !errors.As(err, &e) || e.Want != "T" {
		t.Fatalf("want expected check character T, got %v", err)
	}
}

func TestCheckCharAgreesWithValidate(t *testing.T) {
	for _, body := range []string{"91320402MA1XXXXX0", "92320411000000000", "12320400466000000"} {
		c, ok := CheckChar(body)
		if !ok {
			t.Fatalf("CheckChar(%q) refused", body)
		}
		if err := Validate(body + string(c)); err != nil {
			t.Fatalf("%s%c: %v", body, c, err)
		}
	}
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{" 9131 0110-6660\u300007217T\n", "91310110666007217T"}, // pasted with spaces
		{"91310110666007217t", "91310110666007217T"},            // typed in lower case
		{"９１３１０１１０６６６００７２１７Ｔ", "91310110666007217T"},            // a Chinese keyboard's full width
		{"91310110666007217o", "91310110666007217O"},            // O is not in a code: Validate says so
	} {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzValidate(f *testing.F) {
	for _, s := range []string{"91310110666007217T", "", "91310110666007217t", "\xff\xfe", "９1310110666007217T"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := Validate(s)
		if err == nil {
			// Anything accepted must be 18 allowed ASCII characters whose
			// check character we can recompute.
			c, ok := CheckChar(s[:17])
			if !ok || c != s[17] {
				t.Fatalf("accepted %q but check recomputes to %q", s, c)
			}
		}
	})
}
