// Package accounts holds the rules for user accounts: what a login looks
// like, how passwords are hashed and checked, which roles need which scope,
// and (Service) what a person does with an account — sign in under
// throttling that never locks the owner out, sign up and reset a password
// with one-time codes, change the password. SQL stays in internal/storage.
package accounts

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
// They are written into every hash, so raising them later keeps old hashes
// checkable.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 8

// MaxPasswordBytes is the longest new password accepted: long enough for
// any passphrase or password manager, short enough that hashing it costs
// nothing extra.
const MaxPasswordBytes = 256

// ErrPasswordTooShort is returned for passwords under MinPasswordLength.
var ErrPasswordTooShort = fmt.Errorf("password must have at least %d characters", MinPasswordLength)

// HashPassword returns an encoded argon2id hash of password.
func HashPassword(password string) (string, error) {
	if len([]rune(password)) < MinPasswordLength {
		return "", ErrPasswordTooShort
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the encoded hash, in
// constant time with respect to the key.
func CheckPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var mem, iter uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &iter, &threads); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || mem > 256*1024 || iter > 10 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, iter, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// ErrBadLogin is returned when a login is neither a phone number nor an e-mail.
var ErrBadLogin = errors.New("enter a mobile phone number (11 digits) or an e-mail address")
