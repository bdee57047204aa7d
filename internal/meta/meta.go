// Package meta holds what the WhatsApp Cloud API and Messenger webhooks
// share: Meta's verification handshake and X-Hub-Signature-256.
package meta

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// SignatureHeader carries Meta's signature of a webhook body: "sha256="
// and the hex HMAC-SHA256 of the raw body, keyed with the app secret.
const SignatureHeader = "X-Hub-Signature-256"

// Keys holds the verify tokens and app secrets of the accounts served at
// one webhook URL. The zero value holds none.
type Keys struct {
	tokens  [][sha256.Size]byte // hashes, compared in constant time whatever their length
	secrets []string            // the distinct app secrets
}

// Add adds one account's verify token and app secret.
func (k *Keys) Add(verifyToken, appSecret string) {
	k.tokens = append(k.tokens, sha256.Sum256([]byte(verifyToken)))
	for _, s := range k.secrets {
		if s == appSecret {
			return
		}
	}
	k.secrets = append(k.secrets, appSecret)
}

// Handshake reports the hub.challenge of q and whether q is a
// subscription handshake (hub.mode "subscribe") with a known verify token.
func (k *Keys) Handshake(q url.Values) (challenge string, ok bool) {
	return q.Get("hub.challenge"), q.Get("hub.mode") == "subscribe" && k.knownToken(q.Get("hub.verify_token"))
}

// knownToken compares token with every verify token in constant time, so
// the answer's timing tells nothing of which one, or how much of it,
// matched.
func (k *Keys) knownToken(token string) bool {
	if token == "" {
		return false
	}
	sum := sha256.Sum256([]byte(token))
	found := 0
	for _, t := range k.tokens {
		found |= subtle.ConstantTimeCompare(sum[:], t[:])
	}
	return found == 1
}

// Answer writes challenge back as the 200 answer to a handshake.
func Answer(w http.ResponseWriter, challenge string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, challenge)
}

// Signers returns the app secrets that signed body, given the value of
// its SignatureHeader; nil when none did.
func (k *Keys) Signers(header string, body []byte) map[string]bool {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return nil
	}
	sig, err := hex.DecodeString(hexSig)
	if err != nil || len(sig) != sha256.Size {
		return nil
	}
	var signed map[string]bool
	for _, secret := range k.secrets {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		if hmac.Equal(sig, m.Sum(nil)) {
			if signed == nil {
				signed = map[string]bool{}
			}
			signed[secret] = true
		}
	}
	return signed
}

// Serve routes one webhook request: GET, Meta's handshake, to handshake;
// POST, a notification, to receive; any other method is answered 405.
func Serve(w http.ResponseWriter, r *http.Request, handshake, receive http.HandlerFunc) {
	switch r.Method {
	case http.MethodGet:
		handshake(w, r)
	case http.MethodPost:
		receive(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}
