// Package password hashes and checks agents' sign-in passwords with
// bcrypt, slow on purpose so a stolen database does not give them away.
package password

import (
	"unicode/utf8"

	"github.com/batonhq/baton"
	"golang.org/x/crypto/bcrypt"
)

// Limits of an acceptable password. bcrypt reads at most 72 bytes; a longer
// password would be cut silently, so it is refused instead.
const (
	MinLength = 10
	MaxBytes  = 72
)

// Cost is bcrypt's work factor: about 50–100 ms per check on a server core.
var Cost = bcrypt.DefaultCost

// Validate says what is wrong with a new password, if anything.
func Validate(pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < MinLength:
		return baton.Errorf(baton.EINVALID, "password must be at least %d characters", MinLength)
	case len(pw) > MaxBytes:
		return baton.Errorf(baton.EINVALID, "password must be at most %d bytes", MaxBytes)
	}
	return nil
}

// Hash validates pw and returns its stored form.
func Hash(pw string) ([]byte, error) {
	if err := Validate(pw); err != nil {
		return nil, err
	}
	return bcrypt.GenerateFromPassword([]byte(pw), Cost)
}

// Matches reports whether pw is the password of hash. With no hash (an
// unknown email, or an agent without a password) it does the same work
// and reports false, so the answer's timing does not tell which it was.
func Matches(hash []byte, pw string) bool {
	if len(hash) == 0 {
		bcrypt.CompareHashAndPassword(decoy, []byte(pw))
		return false
	}
	return bcrypt.CompareHashAndPassword(hash, []byte(pw)) == nil
}

// decoy is a hash of a random password, compared against when there is
// no real hash.
var decoy, _ = bcrypt.GenerateFromPassword([]byte(baton.NewToken("decoy")), bcrypt.DefaultCost)
