// Package signature signs the HTTP requests Baton sends (bot webhooks,
// event webhooks, helpdesk hooks) and lets a receiver verify them.
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Header carries the request signature when a secret is set.
const Header = "X-Baton-Signature"

// DefaultTolerance is how far a signature's timestamp may be from the
// verifier's clock when Verify is given no tolerance.
const DefaultTolerance = 5 * time.Minute

// Verify's errors: each says why a request is refused.
var (
	ErrSignatureMalformed = errors.New("signature: malformed signature header")
	ErrSignatureExpired   = errors.New("signature: signature timestamp outside the tolerance")
	ErrSignatureMismatch  = errors.New("signature: signature does not match")
)

// Sign returns the X-Baton-Signature value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">".
func Sign(secret string, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

// SignAll is Sign with several secrets, one v1 value each: while a secret
// is rotated, receivers holding either the old or the new one verify.
func SignAll(secrets []string, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	var b strings.Builder
	b.WriteString("t=" + ts)
	for _, s := range secrets {
		b.WriteString(",v1=" + hex.EncodeToString(mac(s, ts, body)))
	}
	return b.String()
}

// Verify checks an X-Baton-Signature header against body. It refuses a
// timestamp more than tolerance away from now (DefaultTolerance when
// tolerance is zero or less), so a captured request cannot be replayed
// later. The header may carry several v1 values; one match is enough.
// Unknown keys are ignored, leaving room for later schemes.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrSignatureMalformed
		}
		switch k {
		case "t":
			if ts != "" {
				return ErrSignatureMalformed
			}
			ts = v
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				return ErrSignatureMalformed
			}
			sigs = append(sigs, sig)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return ErrSignatureMalformed
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sec <= 0 {
		return ErrSignatureMalformed
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrSignatureExpired
	}
	want := mac(secret, ts, body)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return ErrSignatureMismatch
}

func mac(secret, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}
