package accounts

import (
	"context"
	"errors"
	"strconv"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/throttle"
)

// StartReset sends a password-reset code to the account's phone (or
// e-mail) when the login belongs to an active account, and nothing
// otherwise; the answer is the same either way.
func (s *Service) StartReset(ctx context.Context, loginInput string, c Client) (*CodeSent, error) {
	login, isEmail, err := NormalizeLogin(loginInput)
	if err != nil {
		return nil, invalid("login", "login.bad_login")
	}
	now := s.now()
	if err := s.chargeCodeRequest(ctx, PurposeReset, login, c, now); err != nil {
		return nil, err
	}
	issued := "" // the code stored by the attempt that committed
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		issued = ""
		u, err := tx.UserByLogin(ctx, login)
		if errors.Is(err, storage.ErrNotFound) || (err == nil && u.Disabled) {
			if s.LogCodes && s.Logger != nil {
				s.Logger.Info("development mode: reset for an unknown or disabled login, no code sent", "login", login)
			}
			return nil
		}
		if err != nil {
			return err
		}
		code, err := s.issueCode(ctx, tx, PurposeReset, login, now)
		if err != nil {
			return err
		}
		issued = code
		to, email := contactOf(u)
		m, err := codeMessage(msgResetCode, to, email, c.Locale, code)
		if err != nil {
			return err
		}
		return tx.Enqueue(ctx, m)
	})
	if err != nil {
		return nil, err
	}
	s.logCode(PurposeReset, login, issued)
	return &CodeSent{Login: login, To: Mask(login), Email: isEmail}, nil
}

// ResetRequest is step two of a reset: the code and the new password.
type ResetRequest struct {
	Login    string
	Code     string
	Password string
	Confirm  string
	Client   Client
}

// ConfirmReset sets the new password once the code is right, ends every
// session of the account (whoever else was signed in is out) and returns
// the user for the caller to sign in. It is also the owner's way past the
// sign-in delays, which it does not consult: the code is the proof.
func (s *Service) ConfirmReset(ctx context.Context, req ResetRequest) (*model.User, error) {
	login, _, err := NormalizeLogin(req.Login)
	if err != nil {
		return nil, invalid("login", "login.bad_login")
	}
	errs := newPasswordErrors("password", "password_confirm", req.Password, req.Confirm)
	if _, ok := cleanCode(req.Code); !ok {
		errs.Add("code", "accounts.code_format", codeDigits)
	}
	if errs.Any() {
		return nil, fail.Fields(errs)
	}
	now := s.now()
	oc, err := s.checkCode(ctx, PurposeReset, login, req.Code, now)
	if err != nil {
		return nil, err
	}
	u, err := s.Store.UserByLogin(ctx, login)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && u.Disabled) {
		return nil, invalid("code", "accounts.code_wrong")
	}
	if err != nil {
		return nil, err
	}
	hash, err := HashPassword(req.Password)
	if err != nil {
		return nil, err
	}
	_, email := contactOf(u)
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := spendCode(ctx, tx, oc, now); err != nil {
			return err
		}
		if err := tx.SetPassword(ctx, u.ID, hash, now); err != nil {
			return err
		}
		if err := tx.MarkContactVerified(ctx, u.ID, email, now); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, u.ID, ""); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event{ActorID: &u.ID, Actor: u.Login, Action: audit.ActionPasswordChange,
			ObjectType: audit.ObjectUser, ObjectID: strconv.FormatInt(u.ID, 10), AgencyID: u.AgencyID, IP: req.Client.Address, At: now,
			After: map[string]string{"via": "reset_code"}})
	})
	if err != nil {
		return nil, err
	}
	// The owner proved themselves from this address: its sign-in delays
	// for the account start afresh.
	if err := s.Store.DelayReset(ctx, bucket("login:pair", login, throttle.AddressKey(req.Client.Address))); err != nil {
		return nil, err
	}
	u.PasswordHash = hash
	return u, nil
}
