package ui

import (
	"strings"
	"testing"
)

// TestSafeNextKeepsRedirectsOnThisSite: after sign-in the visitor goes to
// next only when a browser would resolve it to a path of this site.
func TestSafeNextKeepsRedirectsOnThisSite(t *testing.T) {
	for _, tc := range []struct{ next, want string }{
		{"/merchant", "/merchant"},
		{"/merchant/units/3?tab=instruments", "/merchant/units/3?tab=instruments"},
		{"/staff/queue?status=%E5%BE%85%E5%8F%97%E7%90%86", "/staff/queue?status=%E5%BE%85%E5%8F%97%E7%90%86"},
		{"", ""},
		{"merchant", ""},
		{"//evil.example", ""},
		{"///evil.example", ""},
		{"/\\evil.example", ""},
		{"/%5Cevil.example", ""},
		{"/%2F/evil.example", ""},
		{"/%09/evil.example", ""},
		{"/\t/evil.example", ""},
		{"/%0a/evil.example", ""},
		{"/%0D%0ALocation:%20https://evil.example", ""},
		{"/x\r\nSet-Cookie: a=b", ""},
		{"/%00", ""},
		{"/%7F", ""},
		{"/ok?x=\t", ""},
		{"https://evil.example/", ""},
		{"javascript:alert(1)", ""},
		{"/javascript:alert(1)", "/javascript:alert(1)"},
		{"http:/evil.example", ""},
		{"/@evil.example", "/@evil.example"},
		{"\\\\evil.example", ""},
		{" /merchant", ""},
		{"/%zz", ""},
		{"/" + strings.Repeat("a", 3000), ""}, // longer than any page of ours
	} {
		if got := safeNext(tc.next); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}
