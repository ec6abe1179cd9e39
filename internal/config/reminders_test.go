package config

import (
	"slices"
	"strings"
	"testing"
)

func TestExpiryReminderDays(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want []int
		err  string
	}{
		{"", []int{30, 15, 7, 1}, ""},
		{"14, 3", []int{14, 3}, ""},
		{"0", []int{0}, ""},
		{"30,x", nil, "HM_EXPIRY_REMINDER_DAYS must be comma-separated"},
		{"30,,7", nil, "HM_EXPIRY_REMINDER_DAYS must be comma-separated"},
		{"-1", nil, "from 0 to 365"},
		{"400", nil, "from 0 to 365"},
		{"7,7", nil, "lists 7 twice"},
		{"1,2,3,4,5,6,7,8,9,10,11", nil, "1 to 10 days"},
	} {
		cfg, err := Load("", func(k string) string { return map[string]string{"HM_EXPIRY_REMINDER_DAYS": tc.env}[k] })
		switch {
		case tc.err == "" && (err != nil || !slices.Equal(cfg.ExpiryReminderDays, tc.want)):
			t.Errorf("%q: %v %v, want %v", tc.env, cfg.ExpiryReminderDays, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: err %v, want %q", tc.env, err, tc.err)
		}
	}
}
