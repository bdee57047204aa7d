package password_test

import (
	"strings"
	"testing"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/password"
	"golang.org/x/crypto/bcrypt"
)

func init() { password.Cost = bcrypt.MinCost }

func TestHashAndMatch(t *testing.T) {
	h, err := password.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if string(h) == "correct horse battery" || !strings.HasPrefix(string(h), "$2") {
		t.Fatalf("stored form %q is not a bcrypt hash", h)
	}
	if !password.Matches(h, "correct horse battery") {
		t.Error("the right password does not match")
	}
	for _, wrong := range []string{"", "correct horse batter", "Correct horse battery", "correct horse battery "} {
		if password.Matches(h, wrong) {
			t.Errorf("%q matches", wrong)
		}
	}
	if password.Matches(nil, "anything at all") {
		t.Error("no hash matches a password")
	}
}

func TestValidate(t *testing.T) {
	for pw, want := range map[string]string{
		"short":                 "at least 10",
		strings.Repeat("x", 73): "at most 72",
		"סיסמהארוכה":            "", // 10 letters, 20 bytes
		"long enough password":  "",
	} {
		err := password.Validate(pw)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(baton.ErrorMessage(err), want)) {
			t.Errorf("Validate(%q) = %v, want %q", pw, err, want)
		}
		if want != "" && baton.ErrorCode(err) != baton.EINVALID {
			t.Errorf("Validate(%q) code %q", pw, baton.ErrorCode(err))
		}
	}
}

// BenchmarkMatches is the cost of one sign-in attempt at the production
// work factor: what a guesser pays per password, on top of the throttle.
func BenchmarkMatches(b *testing.B) {
	password.Cost = bcrypt.DefaultCost
	defer func() { password.Cost = bcrypt.MinCost }()
	h, err := password.Hash("correct horse battery")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		password.Matches(h, "correct horse battery")
	}
}
