package spotcheck

import "testing"

func TestLooksPersonal(t *testing.T) {
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"抽查合格。", false},
		{"2026-12-03 抽查，计价秤合格。", false},
		{"2026年12月3日抽查，5 kg 砝码示值 5.000 kg。", false},
		{"联系电话 13812345678", true},
		{"电话 138-1234-5678", true},
		{"电话 0519-88886666", true},
		{"身份证 32040219900101123X", true},
		{"卡号 6222 0212 3456 7890", true},
		{"全角 １３８１２３４５６７８", true},
	} {
		if got := looksPersonal(tt.text); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.text, got, tt.want)
		}
	}
}
