package reports

import "testing"

func TestTrackingNumbersAreCanonicalAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		n := NewTrackingNumber()
		if NormalizeTrackingNumber(n) != n {
			t.Fatalf("%s does not normalise to itself", n)
		}
		if seen[n] {
			t.Fatalf("repeated tracking number %s", n)
		}
		seen[n] = true
	}
}

func TestNormalizeTrackingNumber(t *testing.T) {
	tests := map[string]string{
		"7kq2 m9qx 4tpr": "7KQ2-M9QX-4TPR",
		"7KQ2M9QX4TPR":   "7KQ2-M9QX-4TPR",
		"7KQ2-M9QX-4TPO": "7KQ2-M9QX-4TP0",
		"7KQ2-M9QX-4TP":  "",
		"7KQ2-M9QX-4TPU": "",
		"":               "",
	}
	for in, want := range tests {
		if got := NormalizeTrackingNumber(in); got != want {
			t.Errorf("NormalizeTrackingNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAccessCode(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	code := AccessCodeFor(secret, NewKey())
	if len(code) != 8 || code == AccessCodeFor(secret, NewKey()) && code == AccessCodeFor(secret, NewKey()) {
		t.Fatalf("code %q", code)
	}
	h := HashAccessCode(secret, "7KQ2-M9QX-4TPR", code)
	if !CheckAccessCode(secret, "7KQ2-M9QX-4TPR", code, h) {
		t.Fatal("right code refused")
	}
	if CheckAccessCode(secret, "7KQ2-M9QX-4TPS", code, h) {
		t.Fatal("code accepted for another tracking number")
	}
	if CheckAccessCode([]byte("another secret, also 32 bytes!!!"), "7KQ2-M9QX-4TPR", code, h) {
		t.Fatal("code accepted under another secret")
	}
}
