package accounts

import (
	"net/mail"
	"strings"

	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
)

// NormalizeLogin turns what a person types into the stored login: a mainland
// mobile number as its 11 digits (spaces, dashes and a +86 prefix removed),
// or an e-mail address in lower case. It also returns which of the two it is.
func NormalizeLogin(s string) (login string, isEmail bool, err error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "@") {
		addr, perr := mail.ParseAddress(s)
		if perr != nil || addr.Address != s || len(s) > 254 {
			return "", false, ErrBadLogin
		}
		return strings.ToLower(s), true, nil
	}
	digits, ok := form.MobileNumber(s)
	if !ok {
		return "", false, ErrBadLogin
	}
	return digits, false, nil
}

// NewUser validates the parts of an account and returns it ready to store.
// Officers and supervisors must belong to an agency; verification-body users
// to a body; merchants and the city admin to neither.
func NewUser(loginInput, password, displayName string, role model.Role, agencyID, bodyID *int64) (*model.User, error) {
	login, isEmail, err := NormalizeLogin(loginInput)
	if err != nil {
		return nil, err
	}
	if !role.Valid() {
		return nil, &ScopeError{"unknown role " + string(role)}
	}
	switch {
	case role.NeedsAgency() && agencyID == nil:
		return nil, &ScopeError{"role " + string(role) + " must belong to an agency"}
	case !role.NeedsAgency() && agencyID != nil:
		return nil, &ScopeError{"role " + string(role) + " does not belong to an agency"}
	case role == model.RoleVerificationBody && bodyID == nil:
		return nil, &ScopeError{"a verification_body user must belong to a verification body"}
	case role != model.RoleVerificationBody && bodyID != nil:
		return nil, &ScopeError{"only verification_body users belong to a verification body"}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &model.User{Login: login, DisplayName: strings.TrimSpace(displayName), PasswordHash: hash, Role: role,
		AgencyID: agencyID, VerificationBodyID: bodyID}
	if isEmail {
		u.Email = login
	} else {
		u.Phone = login
	}
	return u, nil
}

// ScopeError says a role and its agency or body do not fit together.
type ScopeError struct{ msg string }

func (e *ScopeError) Error() string { return e.msg }
