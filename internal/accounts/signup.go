package accounts

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
)

// StartSignUp is step one of a merchant's sign-up: a code goes to the
// phone or e-mail typed. When that login is already registered (a merchant,
// an officer, anyone) no code is sent; its holder is told instead that
// someone tried to register with it. The answer is the same either way.
func (s *Service) StartSignUp(ctx context.Context, loginInput string, c Client) (*CodeSent, error) {
	login, isEmail, err := NormalizeLogin(loginInput)
	if err != nil {
		return nil, invalid("login", "login.bad_login")
	}
	now := s.now()
	if err := s.chargeCodeRequest(ctx, PurposeSignUp, login, c, now); err != nil {
		return nil, err
	}
	issued := "" // the code stored by the attempt that committed
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		issued = ""
		existing, err := tx.UserByLogin(ctx, login)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		var m model.OutboxMessage
		if existing != nil {
			to, email := contactOf(existing)
			if m, err = codeMessage(msgSignUpExisting, to, email, c.Locale, ""); err != nil {
				return err
			}
			if s.LogCodes && s.Logger != nil {
				s.Logger.Info("development mode: sign-up for a registered login, no code sent", "login", login)
			}
		} else {
			code, err := s.issueCode(ctx, tx, PurposeSignUp, login, now)
			if err != nil {
				return err
			}
			issued = code
			if m, err = codeMessage(msgSignUpCode, login, isEmail, c.Locale, code); err != nil {
				return err
			}
		}
		return tx.Enqueue(ctx, m)
	})
	if err != nil {
		return nil, err
	}
	s.logCode(PurposeSignUp, login, issued)
	return &CodeSent{Login: login, To: Mask(login), Email: isEmail}, nil
}

// SignUpRequest is step two: the code and the account's details.
type SignUpRequest struct {
	Login       string
	Code        string
	DisplayName string
	Password    string
	Confirm     string
	Client      Client
}

// ConfirmSignUp creates the merchant account once the code proves the
// login belongs to whoever signs up; the caller signs them in.
func (s *Service) ConfirmSignUp(ctx context.Context, req SignUpRequest) (*model.User, error) {
	login, isEmail, err := NormalizeLogin(req.Login)
	if err != nil {
		return nil, invalid("login", "login.bad_login")
	}
	name := form.Clean(req.DisplayName)
	// Every field is checked, all problems shown at once, before a guess
	// at the code is spent.
	errs := newPasswordErrors("password", "password_confirm", req.Password, req.Confirm)
	if name == "" {
		errs.Add("display_name", "form.required")
	} else if form.TooLong(name, 100) {
		errs.Add("display_name", "form.too_long", 100)
	}
	if _, ok := cleanCode(req.Code); !ok {
		errs.Add("code", "accounts.code_format", codeDigits)
	}
	if errs.Any() {
		return nil, fail.Fields(errs)
	}
	now := s.now()
	oc, err := s.checkCode(ctx, PurposeSignUp, login, req.Code, now)
	if err != nil {
		return nil, err
	}
	u, err := NewUser(login, req.Password, name, model.RoleMerchant, nil, nil)
	if err != nil {
		return nil, err
	}
	if isEmail {
		u.EmailVerifiedAt = &now
	} else {
		u.PhoneVerifiedAt = &now
	}
	if strings.HasPrefix(req.Client.Locale, "en") {
		u.Locale = "en"
	}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := spendCode(ctx, tx, oc, now); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, u); errors.Is(err, storage.ErrDuplicate) {
			// Registered since the code was sent (by an administrator);
			// only the holder of the code learns it.
			return fail.Field(fail.Conflict, "login", "signup.taken")
		} else if err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event{ActorID: &u.ID, Actor: u.Login, Action: audit.ActionAccountCreate,
			ObjectType: audit.ObjectUser, ObjectID: strconv.FormatInt(u.ID, 10), IP: req.Client.Address, At: now,
			After: map[string]any{"login": u.Login, "role": u.Role, "self_signup": true, "verified_by": "one_time_code"}})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
