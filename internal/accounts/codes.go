package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"honestmeasure/internal/fail"
	"honestmeasure/internal/model"
	"honestmeasure/internal/outbox"
	"honestmeasure/internal/storage"
	"honestmeasure/internal/throttle"
)

// One-time codes prove that whoever types the code back reads the phone or
// mailbox it was sent to. A code is six digits, stored only as an HMAC
// under HM_SECRET (a copy of the database does not give the codes away),
// lives ten minutes, allows five guesses, works once, and each new code
// spends the previous one. At most three codes per login and purpose go out
// an hour, so one login can be guessed at most 15 times an hour: one chance
// in about 67,000.
const (
	CodeMinutes         = 10
	codeTTL             = CodeMinutes * time.Minute
	codeGuesses         = 5
	codesPerLoginHourly = 3
	codeDigits          = 6
)

// Purposes of a code; a code of one purpose is worthless for the other.
const (
	PurposeSignUp = "signup"
	PurposeReset  = "reset"
)

// CodeSent is what the person is told after asking for a code: the same
// whether or not a code was really sent, so it says nothing about who is
// registered.
type CodeSent struct {
	Login string // normalised, for the next step's form
	To    string // the login masked, to show where to look
	Email bool   // the code went (or would go) by e-mail, not SMS
}

func (s *Service) codeHash(purpose, login, code string) string {
	return hex.EncodeToString(s.mac("one-time-code", purpose, login, code))
}

func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%0*d", codeDigits, n.Int64()), nil
}

// chargeCodeRequest counts a request for a code against the per-address,
// global and per-login hourly limits before anything is sent: all of them
// or, when one refuses, none. A request that passes is never refunded, as
// it sends a message.
func (s *Service) chargeCodeRequest(ctx context.Context, purpose, login string, c Client, now time.Time) error {
	limits := []struct {
		bucket string
		limit  int
	}{
		{bucket("code:ip", throttle.AddressKey(c.Address)), s.Limits.CodesPerAddressPerHour},
		{"code:all", s.Limits.CodesPerHour},
		{bucket("code:login", purpose, login), codesPerLoginHourly},
	}
	var taken []string
	giveBack := func() error {
		var errs []error
		for _, b := range taken {
			errs = append(errs, s.Store.RateRefund(ctx, b))
		}
		return errors.Join(errs...)
	}
	for _, l := range limits {
		if l.limit <= 0 {
			continue
		}
		st, err := s.Store.RateTake(ctx, l.bucket, time.Hour, l.limit, now)
		if err != nil {
			return errors.Join(err, giveBack())
		}
		if st.Blocked {
			return errors.Join(throttled(st.RetryAfter), giveBack())
		}
		taken = append(taken, l.bucket)
	}
	return nil
}

// issueCode stores a fresh code for purpose and login in tx and returns it.
func (s *Service) issueCode(ctx context.Context, tx *storage.Store, purpose, login string, now time.Time) (string, error) {
	code, err := newCode()
	if err != nil {
		return "", err
	}
	err = tx.IssueOneTimeCode(ctx, &storage.OneTimeCode{Purpose: purpose, Login: login, CodeHash: s.codeHash(purpose, login, code),
		ExpiresAt: now.Add(codeTTL), CreatedAt: now})
	if err != nil {
		return "", err
	}
	return code, nil
}

// logCode writes an issued code to the log in development mode. Callers
// call it after their transaction commits: Tx may run the transaction
// again, and the code of a rolled-back attempt would never work.
func (s *Service) logCode(purpose, login, code string) {
	if code != "" && s.LogCodes && s.Logger != nil {
		s.Logger.Info("development mode: one-time code (never logged in production)", "purpose", purpose, "login", login, "code", code)
	}
}

// cleanCode accepts what people type: digits with spaces or dashes.
func cleanCode(s string) (string, bool) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
	if len(s) != codeDigits {
		return "", false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return s, true
}

// checkCode spends one guess at the live code for purpose and login and
// returns the code's row when the guess is right. Wrong, expired, spent
// and out-of-guesses all answer the same.
func (s *Service) checkCode(ctx context.Context, purpose, login, typed string, now time.Time) (*storage.OneTimeCode, error) {
	code, ok := cleanCode(typed)
	if !ok {
		return nil, invalid("code", "accounts.code_format", codeDigits)
	}
	oc, err := s.Store.LiveOneTimeCode(ctx, purpose, login, now)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, invalid("code", "accounts.code_wrong")
	}
	if err != nil {
		return nil, err
	}
	taken, err := s.Store.TakeCodeAttempt(ctx, oc.ID, codeGuesses)
	if err != nil {
		return nil, err
	}
	if !taken || subtle.ConstantTimeCompare([]byte(s.codeHash(purpose, login, code)), []byte(oc.CodeHash)) != 1 {
		return nil, invalid("code", "accounts.code_wrong")
	}
	return oc, nil
}

// spendCode marks oc used inside the transaction that acts on it; of two
// requests racing with the right code, the second gets a fail.Conflict.
func spendCode(ctx context.Context, tx *storage.Store, oc *storage.OneTimeCode, now time.Time) error {
	ok, err := tx.SpendOneTimeCode(ctx, oc.ID, now)
	if err != nil {
		return err
	}
	if !ok {
		return fail.Field(fail.Conflict, "code", "accounts.code_wrong")
	}
	return nil
}

// Mask shows enough of a login to recognise it, not enough to read it off a
// shoulder: 138****5678, w***@example.com.
func Mask(login string) string { return outbox.MaskAddress(login) }

// contactOf is where a user's codes go: the phone when there is one.
func contactOf(u *model.User) (to string, email bool) {
	if u.Phone != "" {
		return u.Phone, false
	}
	return u.Email, true
}
