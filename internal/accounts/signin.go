package accounts

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strconv"
	"time"

	"honestmeasure/internal/audit"
	"honestmeasure/internal/fail"
	"honestmeasure/internal/form"
	"honestmeasure/internal/model"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/throttle"
)

// How password guesses are throttled. Every limit is reserved before the
// password is checked (one atomic step each) and given back when it turns
// out right, so concurrent guesses cannot slip past a limit, and no limit
// ever locks the owner out for good:
//
//   - per account and client address (or, with the device cookie of an
//     earlier sign-in, per account and device): three wrong passwords are
//     free, then each waits twice as long as the one before, 10 s up to
//     10 min;
//   - per account over all addresses: ten free, then 15 s, 30 s, and 60 s
//     at most between guesses. A device that signed in before is not held
//     by this one, so an attacker on many addresses does not keep the owner
//     out of their own phone;
//   - per address over all accounts (spraying one password at many
//     accounts): 30 guesses per 15 minutes.
var (
	pairDelays    = storage.DelayPolicy{Free: 3, Base: 10 * time.Second, Cap: 10 * time.Minute, Forget: 24 * time.Hour}
	accountDelays = storage.DelayPolicy{Free: 10, Base: 15 * time.Second, Cap: time.Minute, Forget: time.Hour}
)

const (
	addressWindow = 15 * time.Minute
	addressLimit  = 30
)

// dummyHash makes a login for an unknown account cost as much as one for a
// known account, so timing does not reveal which logins exist.
var dummyHash, _ = HashPassword("not-a-real-password")

// LoginRequest is one sign-in attempt.
type LoginRequest struct {
	Login    string
	Password string
	Client   Client
}

// Login checks a login and password. A wrong one is a fail.Unauthorized
// error, too many a fail.RateLimited one; the caller starts the session.
func (s *Service) Login(ctx context.Context, req LoginRequest) (*model.User, error) {
	login, _, err := NormalizeLogin(req.Login)
	if err != nil {
		return nil, invalid("login", "login.bad_login")
	}
	now := s.now()
	user, err := s.Store.UserByLogin(ctx, login)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, err
	}
	g, err := s.reserveGuess(ctx, login, user, req.Client, now)
	if err != nil {
		return nil, err
	}
	hash := dummyHash
	if user != nil {
		hash = user.PasswordHash
	}
	if !s.checkPassword(hash, req.Password) || user == nil || user.Disabled {
		failed := audit.Event{Action: audit.ActionLoginFailed, Actor: login, IP: req.Client.Address, At: now}
		if user != nil {
			failed.ObjectType, failed.ObjectID = audit.ObjectUser, strconv.FormatInt(user.ID, 10)
		}
		if err := s.Audit.Record(ctx, s.Store, failed); err != nil {
			return nil, err
		}
		return nil, errWrongPassword
	}
	if err := g.succeeded(ctx, now); err != nil {
		return nil, err
	}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.RecordLogin(ctx, user.ID, now); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event{ActorID: &user.ID, Actor: user.Login, Action: audit.ActionLogin,
			ObjectType: audit.ObjectUser, ObjectID: strconv.FormatInt(user.ID, 10), AgencyID: user.AgencyID, IP: req.Client.Address, At: now})
	})
	if err != nil {
		return nil, err
	}
	return user, nil
}

// DeviceToken is the value of the device cookie set at sign-in. It proves
// the browser signed in to u before, until u's password changes.
func (s *Service) DeviceToken(u *model.User) string {
	return base64.RawURLEncoding.EncodeToString(s.mac("device", strconv.FormatInt(u.ID, 10), u.PasswordHash)[:24])
}

func (s *Service) knownDevice(u *model.User, token string) bool {
	return u != nil && token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.DeviceToken(u))) == 1
}

// guess is the set of limits one password check has reserved.
type guess struct {
	st       *storage.Store
	address  string // rate_limits bucket, "" when not taken
	account  string // rate_delays bucket, "" when not taken
	accTaken storage.DelayStatus
	pair     string
	pairSt   storage.DelayStatus
}

// reserveGuess takes one guess from every limit that applies, or none: a
// limit that refuses gives back what the others had reserved.
func (s *Service) reserveGuess(ctx context.Context, login string, user *model.User, c Client, now time.Time) (*guess, error) {
	g := &guess{st: s.Store}
	addr := throttle.AddressKey(c.Address)
	known := s.knownDevice(user, c.Device)
	if !known {
		b := bucket("login:ip", addr)
		st, err := s.Store.RateTake(ctx, b, addressWindow, addressLimit, now)
		if err != nil {
			return nil, err
		}
		if st.Blocked {
			return nil, throttled(st.RetryAfter)
		}
		g.address = b
		b = bucket("login:acct", login)
		ds, err := s.Store.DelayTake(ctx, b, accountDelays, now)
		if err != nil {
			return nil, errors.Join(err, g.giveBack(ctx, now))
		}
		if ds.Blocked {
			return nil, errors.Join(throttled(ds.RetryAfter), g.giveBack(ctx, now))
		}
		g.account, g.accTaken = b, ds
	}
	pair := bucket("login:pair", login, addr)
	if known {
		pair = bucket("login:device", login)
	}
	ps, err := s.Store.DelayTake(ctx, pair, pairDelays, now)
	if err != nil {
		return nil, errors.Join(err, g.giveBack(ctx, now))
	}
	if ps.Blocked {
		return nil, errors.Join(throttled(ps.RetryAfter), g.giveBack(ctx, now))
	}
	g.pair, g.pairSt = pair, ps
	return g, nil
}

// giveBack returns the reservations of a guess that was never checked.
func (g *guess) giveBack(ctx context.Context, now time.Time) error {
	var errs []error
	if g.address != "" {
		errs = append(errs, g.st.RateRefund(ctx, g.address))
	}
	if g.account != "" {
		errs = append(errs, g.st.DelayRefund(ctx, g.account, g.accTaken.Ticket, now))
	}
	if g.pair != "" {
		errs = append(errs, g.st.DelayRefund(ctx, g.pair, g.pairSt.Ticket, now))
	}
	return errors.Join(errs...)
}

// succeeded: the password was right. The guess does not count anywhere,
// and this address (or device) starts afresh for the account.
func (g *guess) succeeded(ctx context.Context, now time.Time) error {
	pair := g.pair
	g.pair = ""
	return errors.Join(g.giveBack(ctx, now), g.st.DelayReset(ctx, pair))
}

// ChangeRequest changes a signed-in user's password.
type ChangeRequest struct {
	User        *model.User
	Current     string
	New         string
	Confirm     string
	Client      Client
	KeepSession string // the session making the change stays signed in
}

// ChangePassword checks the current password (throttled like a sign-in:
// a stolen session must not become a password oracle), sets the new one
// and ends every other session of the account. Device tokens of the old
// password stop counting; req.User gets the new hash.
func (s *Service) ChangePassword(ctx context.Context, req ChangeRequest) error {
	u := req.User
	errs := newPasswordErrors("new", "new_confirm", req.New, req.Confirm)
	if errs.Any() {
		return fail.Fields(errs)
	}
	now := s.now()
	g, err := s.reserveGuess(ctx, u.Login, u, req.Client, now)
	if err != nil {
		return err
	}
	if !s.checkPassword(u.PasswordHash, req.Current) {
		err := s.Audit.Record(ctx, s.Store, audit.Event{ActorID: &u.ID, Actor: u.Login, Action: audit.ActionLoginFailed,
			ObjectType: audit.ObjectUser, ObjectID: strconv.FormatInt(u.ID, 10), AgencyID: u.AgencyID, IP: req.Client.Address, At: now,
			After: map[string]string{"check": "current_password"}})
		if err != nil {
			return err
		}
		return invalid("current", "password.wrong_current")
	}
	if err := g.succeeded(ctx, now); err != nil {
		return err
	}
	hash, err := HashPassword(req.New)
	if err != nil {
		return err
	}
	err = s.Store.Tx(ctx, func(tx *storage.Store) error {
		if err := tx.SetPassword(ctx, u.ID, hash, now); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, u.ID, req.KeepSession); err != nil {
			return err
		}
		return s.Audit.Record(ctx, tx, audit.Event{ActorID: &u.ID, Actor: u.Login, Action: audit.ActionPasswordChange,
			ObjectType: audit.ObjectUser, ObjectID: strconv.FormatInt(u.ID, 10), AgencyID: u.AgencyID, IP: req.Client.Address, At: now})
	})
	if err != nil {
		return err
	}
	// The caller's copy now matches the database, so DeviceToken(u) is
	// the token for the new password.
	u.PasswordHash = hash
	return nil
}

// newPasswordErrors checks a new password and its confirmation.
func newPasswordErrors(field, confirmField, password, confirm string) form.Errors {
	errs := form.Errors{}
	if len([]rune(password)) < MinPasswordLength {
		errs.Add(field, "signup.password_short", MinPasswordLength)
	} else if len(password) > MaxPasswordBytes {
		errs.Add(field, "accounts.password_long", MaxPasswordBytes)
	}
	if password != confirm {
		errs.Add(confirmField, "signup.password_mismatch")
	}
	return errs
}
