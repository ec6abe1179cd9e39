package accounts

import (
	"testing"

	"honestmeasure/internal/model"
)

func TestNormalizeLogin(t *testing.T) {
	tests := []struct {
		in, want string
		email    bool
		ok       bool
	}{
		{"13800138000", "13800138000", false, true},
		{"+86 138-0013-8000", "13800138000", false, true},
		{" Wang.Li@Example.COM ", "wang.li@example.com", true, true},
		{"1380013800", "", false, false},          // 10 digits
		{"23800138000", "", false, false},         // not a mobile number
		{"１3800138000", "", false, false},         // full-width digit
		{"wang@", "", false, false},               // broken e-mail
		{"Li <li@example.com>", "", false, false}, // display-name form refused
		{"", "", false, false},
	}
	for _, tt := range tests {
		got, email, err := NormalizeLogin(tt.in)
		if (err == nil) != tt.ok || got != tt.want || email != tt.email {
			t.Errorf("NormalizeLogin(%q) = %q, %v, %v; want %q, %v, ok=%v", tt.in, got, email, err, tt.want, tt.email, tt.ok)
		}
	}
}

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "correct horse") {
		t.Fatal("right password refused")
	}
	if CheckPassword(h, "correct horsE") {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("correct horse")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	if _, err := HashPassword("short"); err != ErrPasswordTooShort {
		t.Fatalf("short password: %v", err)
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2id$v=19$m=1,t=1,p=1$!!$!!", "$bcrypt$whatever"} {
		if CheckPassword(bad, "x") {
			t.Fatalf("malformed hash %q accepted", bad)
		}
	}
}

func TestNewUserScopes(t *testing.T) {
	one := int64(1)
	tests := []struct {
		role   model.Role
		agency *int64
		body   *int64
		ok     bool
	}{
		{model.RoleMerchant, nil, nil, true},
		{model.RoleMerchant, &one, nil, false},
		{model.RoleOfficer, &one, nil, true},
		{model.RoleOfficer, nil, nil, false},
		{model.RoleSupervisor, &one, nil, true},
		{model.RoleCityAdmin, nil, nil, true},
		{model.RoleVerificationBody, nil, &one, true},
		{model.RoleVerificationBody, nil, nil, false},
		{model.RoleOfficer, &one, &one, false},
		{model.Role("king"), nil, nil, false},
	}
	for _, tt := range tests {
		_, err := NewUser("13800138000", "password1", "x", tt.role, tt.agency, tt.body)
		if (err == nil) != tt.ok {
			t.Errorf("NewUser(role=%s agency=%v body=%v) err = %v, want ok=%v", tt.role, tt.agency != nil, tt.body != nil, err, tt.ok)
		}
	}
}
