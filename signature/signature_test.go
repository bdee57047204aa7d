package signature_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/signature"
)

func TestSign(t *testing.T) {
	at := time.Unix(1767225600, 0)
	got := signature.Sign("k", []byte(`{"a":1}`), at)
	// HMAC-SHA256("k", `1767225600.{"a":1}`), computed independently.
	if want := "t=1767225600,v1=6ae64a4b295c0172152e96208272092ca0f841124a6b70b4a384d70a318b0276"; got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
	if signature.Sign("k", []byte(`{"a":2}`), at) == got || signature.Sign("j", []byte(`{"a":1}`), at) == got {
		t.Error("the signature ignores the body or the secret")
	}
	if signature.Sign("k", []byte(`{"a":1}`), at.Add(time.Second)) == got {
		t.Error("the signature ignores the timestamp")
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"version":1}`)
	at := time.Unix(1767225600, 0)
	good := signature.Sign("s3cret", body, at)
	_, sig, _ := strings.Cut(good, ",v1=")
	tests := []struct {
		name   string
		secret string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"good", "s3cret", good, body, at, nil},
		{"good, a little later", "s3cret", good, body, at.Add(4 * time.Minute), nil},
		{"good, clocks a little apart", "s3cret", good, body, at.Add(-time.Minute), nil},
		{"spaces and an unknown scheme", "s3cret", "t=1767225600, v0=abc, v1=" + sig, body, at, nil},
		{"one of two v1 matches", "s3cret", "t=1767225600,v1=" + strings.Repeat("0", 64) + ",v1=" + sig, body, at, nil},
		{"wrong secret", "other", good, body, at, signature.ErrSignatureMismatch},
		{"tampered body", "s3cret", good, []byte(`{"version":2}`), at, signature.ErrSignatureMismatch},
		{"stale", "s3cret", good, body, at.Add(6 * time.Minute), signature.ErrSignatureExpired},
		{"from the future", "s3cret", good, body, at.Add(-6 * time.Minute), signature.ErrSignatureExpired},
		{"another timestamp", "s3cret", "t=1767225601,v1=" + sig, body, at, signature.ErrSignatureMismatch},
		{"empty", "s3cret", "", body, at, signature.ErrSignatureMalformed},
		{"no timestamp", "s3cret", "v1=" + sig, body, at, signature.ErrSignatureMalformed},
		{"no signature", "s3cret", "t=1767225600", body, at, signature.ErrSignatureMalformed},
		{"timestamp not a number", "s3cret", "t=soon,v1=" + sig, body, at, signature.ErrSignatureMalformed},
		{"two timestamps", "s3cret", "t=1767225600,t=1767225600,v1=" + sig, body, at, signature.ErrSignatureMalformed},
		{"signature not hex", "s3cret", "t=1767225600,v1=" + strings.Repeat("z", 64), body, at, signature.ErrSignatureMalformed},
		{"signature too short", "s3cret", "t=1767225600,v1=" + sig[:62], body, at, signature.ErrSignatureMalformed},
		{"no key", "s3cret", "1767225600," + sig, body, at, signature.ErrSignatureMalformed},
	}
	for _, tt := range tests {
		err := signature.Verify(tt.secret, tt.header, tt.body, tt.now, 5*time.Minute)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: Verify = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestVerifyDefaultTolerance(t *testing.T) {
	body := []byte("{}")
	at := time.Unix(1767225600, 0)
	h := signature.Sign("k", body, at)
	if err := signature.Verify("k", h, body, at.Add(signature.DefaultTolerance-time.Second), 0); err != nil {
		t.Errorf("within the default tolerance: %v", err)
	}
	if err := signature.Verify("k", h, body, at.Add(signature.DefaultTolerance+time.Second), 0); !errors.Is(err, signature.ErrSignatureExpired) {
		t.Errorf("past the default tolerance: %v", err)
	}
}
