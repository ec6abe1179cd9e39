package locale

import (
	"fmt"
	"reflect"
	"strings"
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
		// q-values, not the order written, decide.
		{"", "en;q=0.9, zh-CN;q=0.8", English},
		{"", "zh-CN;q=0.1, en;q=0.9", English},
		{"", "en;q=0.8, zh-CN", Chinese},
		{"", "fr, en;q=0.5, zh;q=0.4", English},
		// q=0 means "not this one".
		{"", "en;q=0, zh;q=0.1", Chinese},
		{"", "zh;q=0, en;q=0.1", English},
		// Regions and scripts match their language; Traditional Chinese
		// readers get the Chinese pages, not English offered lower.
		{"", "en-GB", English},
		{"", "zh-SG", Chinese},
		{"", "zh-TW, en;q=0.5", Chinese},
		{"", "zh-Hant-HK;q=0.9, en;q=0.5", Chinese},
		{"", "ja, en;q=0.1", English},
		{"", "*", Chinese},
		// Malformed or over-long headers fall back to Chinese.
		{"", "en;q=high", Chinese},
		{"", strings.Repeat("en-US;q=0.5,", 10000), Chinese},
	}
	for _, tt := range tests {
		if got := Match(tt.choice, tt.accept); got != tt.want {
			accept := tt.accept
			if len(accept) > 80 {
				accept = fmt.Sprintf("%s… (%d bytes)", accept[:80], len(accept))
			}
			t.Errorf("Match(%q, %q) = %s, want %s", tt.choice, accept, got, tt.want)
		}
	}
}
