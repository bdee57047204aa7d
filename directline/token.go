package directline

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/batonhq/baton"
)

// Tokens are stateless: a JWT (HS256) signed with Server.TokenKey that
// names the conversation, the user and the expiry. Being a JWT matters to
// Web Chat and directlinejs, which decode it (unverified) to read "user".

// Token scopes: a conversation token is the client's bearer credential; a
// stream token only opens the WebSocket of its streamUrl, so a URL that
// ends up in a proxy's log grants nothing else.
const (
	scopeConversation = "conversation"
	scopeStream       = "stream"
)

const tokenIssuer = "baton-directline"

// tokenHeader is the only JOSE header accepted: nothing else is parsed, so
// a token cannot ask for another algorithm.
var tokenHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

type claims struct {
	Issuer         string `json:"iss"`
	ConversationID string `json:"conv"`
	User           string `json:"user,omitempty"`
	Scope          string `json:"scope"`
	IssuedAt       int64  `json:"iat"`
	Expires        int64  `json:"exp"`
	ID             string `json:"jti"`
}

func (c *claims) expiry() time.Time { return time.Unix(c.Expires, 0) }

// mint signs a token for the claims, valid until exp.
func (s *Server) mint(conversationID, user, scope string, exp time.Time) string {
	jti := make([]byte, 9)
	if _, err := rand.Read(jti); err != nil {
		panic("directline: no randomness: " + err.Error())
	}
	body, err := json.Marshal(claims{Issuer: tokenIssuer, ConversationID: conversationID, User: user, Scope: scope,
		IssuedAt: s.now().Unix(), Expires: exp.Unix(), ID: base64.RawURLEncoding.EncodeToString(jti)})
	if err != nil {
		panic("directline: encode claims: " + err.Error())
	}
	signed := tokenHeader + "." + base64.RawURLEncoding.EncodeToString(body)
	return signed + "." + base64.RawURLEncoding.EncodeToString(s.sign(signed))
}

func (s *Server) sign(signed string) []byte {
	mac := hmac.New(sha256.New, s.TokenKey)
	mac.Write([]byte(signed))
	return mac.Sum(nil)
}

// parseToken returns the claims of a token signed with TokenKey, expired
// or not; nil if it is not one.
func (s *Server) parseToken(token string) *claims {
	header, rest, ok := strings.Cut(token, ".")
	if !ok || header != tokenHeader {
		return nil
	}
	payload, sig, ok := strings.Cut(rest, ".")
	if !ok {
		return nil
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.sign(header+"."+payload)) {
		return nil
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil
	}
	var c claims
	if json.Unmarshal(body, &c) != nil || c.Issuer != tokenIssuer || c.ConversationID == "" ||
		(c.Scope != scopeConversation && c.Scope != scopeStream) {
		return nil
	}
	return &c
}

// credential is who is calling: the holder of a secret, or of a token.
type credential struct {
	secret bool
	token  string
	claims *claims
}

// bearer returns the request's bearer credential; the stream also takes
// its token from ?t=, as the streamUrl carries it (browsers cannot set
// headers on a WebSocket).
func bearer(r *http.Request, query bool) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), true
	}
	if query {
		if t := r.URL.Query().Get("t"); t != "" {
			return t, false
		}
	}
	return "", false
}

// authenticate returns the caller's credential. A token past its expiry is
// 403 TokenExpired, as on Direct Line: directlinejs then stops refreshing
// and reports ExpiredToken, so the page can hand it a new token.
func (s *Server) authenticate(r *http.Request, fromQuery bool) (credential, error) {
	token, header := bearer(r, fromQuery)
	if token == "" {
		return credential{}, baton.Errorf(baton.EUNAUTHORIZED, "missing bearer token (Authorization: Bearer <Direct Line secret or token>)")
	}
	// A secret in a URL would end up in logs: only the header may carry one.
	if header && s.isSecret(token) {
		return credential{secret: true}, nil
	}
	c := s.parseToken(token)
	if c == nil {
		return credential{}, baton.Errorf(baton.EUNAUTHORIZED, "invalid Direct Line secret or token")
	}
	if now := s.now(); !now.Before(c.expiry()) {
		return credential{}, baton.Errorf(codeTokenExpired, "the token expired at %s; get a new one from tokens/generate (or refresh it before it expires)",
			c.expiry().UTC().Format(time.RFC3339))
	}
	return credential{token: token, claims: c}, nil
}

// isSecret reports, in constant time per secret, whether token is one of
// the configured secrets.
func (s *Server) isSecret(token string) bool {
	found := false
	for _, h := range s.SecretHashes {
		if baton.TokenMatches(token, h) {
			found = true
		}
	}
	return found
}

// conversationToken authenticates a request that acts on the conversation
// of the path (or on conversationID): a secret, or a conversation token for it.
func (s *Server) conversationToken(r *http.Request, conversationID string) (credential, error) {
	c, err := s.authenticate(r, false)
	if err != nil {
		return c, err
	}
	return c, c.grants(conversationID, scopeConversation)
}

// grants reports, as an error, whether the credential may act on the
// conversation with a token of the scope.
func (c credential) grants(conversationID, scope string) error {
	switch {
	case c.secret:
		return nil
	case c.claims.ConversationID != conversationID:
		return baton.Errorf(baton.EFORBIDDEN, "this token does not grant access to conversation %s", conversationID)
	case c.claims.Scope != scope && !(scope == scopeStream && c.claims.Scope == scopeConversation):
		return baton.Errorf(baton.EFORBIDDEN, "this token only opens the conversation's stream; use the conversation token")
	}
	return nil
}
