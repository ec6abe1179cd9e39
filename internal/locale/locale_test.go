package locale

import (
	"reflect"
	"testing"
)

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	zh, en := Keys(Chinese), Keys(English)
	if len(zh) == 0 {
		t.Fatal("empty catalogue")
	}
	if !reflect.DeepEqual(zh, en) {
		missing := func(a, b []string) []string {
			in := map[string]bool{}
			for _, k := range b {
				in[k] = true
			}
			var out []string
			for _, k := range a {
				if !in[k] {
					out = append(out, k)
				}
			}
			return out
		}
		t.Fatalf("only in zh-CN: %v\nonly in en: %v", missing(zh, en), missing(en, zh))
	}
}

func TestMatch(t *testing.T) {
	tests := []struct{ choice, accept, want string }{
		{"", "", Chinese},
		{"en", "zh-CN", English},
		{"zh-CN", "en-US", Chinese},
		{"", "en-GB,en;q=0.9", English},
		{"", "fr-FR,zh-TW;q=0.8", Chinese},
		{"", "fr-FR", Chinese},
		{"xx", "en", English},
	}
	for _, tt := range tests {
		if got := Match(tt.choice, tt.accept); got != tt.want {
			t.Errorf("Match(%q, %q) = %s, want %s", tt.choice, tt.accept, got, tt.want)
		}
	}
}
