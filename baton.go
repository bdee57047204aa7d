// Package baton holds the domain of the Baton handoff server: conversations,
// their timeline, agents, departments, tickets and the interfaces the domain needs.
//
// Everything that talks to the outside world lives in a package named after
// that dependency (sqlite, api, hub, ...); cmd/baton wires them together.
package baton

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"strings"
)

// NewID returns a random, URL-safe identifier with the given prefix,
// for example "c_k3j5..." for a conversation.
func NewID(prefix string) string {
	return prefix + "_" + randomString(16)
}

// Token prefixes tell which kind of token a bearer token is, so checking
// one needs a single lookup.
const (
	TokenPrefixAdmin       = "adm"
	TokenPrefixAgent       = "agt"
	TokenPrefixCustomer    = "cus"
	TokenPrefixIntegration = "bot"
	TokenPrefixSession     = "ses"
)

// NewToken returns a new secret bearer token with the given prefix.
// Tokens carry 160 bits of randomness; only their hash is ever stored.
func NewToken(prefix string) string {
	return prefix + "_" + randomString(20)
}

var idEncoding = base32.NewEncoding("abcdefghijkmnpqrstuvwxyz23456789").WithPadding(base32.NoPadding)

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("baton: no randomness: " + err.Error())
	}
	return idEncoding.EncodeToString(b)
}

// HashToken returns the stored form of a token. Tokens are long random
// strings, so a fast hash is enough: there is nothing to brute-force.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return sum[:]
}

// TokenMatches reports, in constant time, whether token hashes to hash.
func TokenMatches(token string, hash []byte) bool {
	return len(hash) == sha256.Size && subtle.ConstantTimeCompare(HashToken(token), hash) == 1
}
