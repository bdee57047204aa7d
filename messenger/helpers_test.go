package messenger

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/batonhq/baton"
)

// Test values: two pages of one Meta app, and a page of another app.
const (
	testSecret      = "test-app-secret"
	otherSecret     = "other-app-secret"
	testVerifyToken = "test-verify-token"
	testPageToken   = "EAAtestPageTokenDoNotLeak"
	shopPage        = "104412345678901"
	helpPage        = "104498765432109"
	otherPage       = "104455555555555"
	customer        = "7123456789012345"
	otherCustomer   = "7234567890123456"
)

// sink records what the webhook hands over. failInbound and failStatus
// make it refuse.
type sink struct {
	mu          sync.Mutex
	inbound     []baton.Inbound
	statuses    []baton.StatusUpdate
	failInbound error
	failStatus  error
}

func (s *sink) Inbound(_ context.Context, in baton.Inbound) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failInbound != nil {
		return s.failInbound
	}
	s.inbound = append(s.inbound, in)
	return nil
}

func (s *sink) StatusUpdate(_ context.Context, u baton.StatusUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failStatus != nil {
		return s.failStatus
	}
	s.statuses = append(s.statuses, u)
	return nil
}

func (s *sink) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.inbound) + len(s.statuses)
}

var errSinkDown = errors.New("store unavailable")

// mustAccount returns an account for cfg, with the test defaults for
// what cfg leaves empty.
func mustAccount(tb testing.TB, cfg Config) *Account {
	tb.Helper()
	if cfg.AppSecret == "" {
		cfg.AppSecret = testSecret
	}
	if cfg.VerifyToken == "" {
		cfg.VerifyToken = testVerifyToken
	}
	if cfg.PageAccessToken == "" {
		cfg.PageAccessToken = testPageToken
	}
	a, err := New(cfg, nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// testAccounts are the shop and help pages of the test app and a page of
// another app.
func testAccounts(tb testing.TB) []*Account {
	tb.Helper()
	return []*Account{
		mustAccount(tb, Config{Name: "shop-page", PageID: shopPage}),
		mustAccount(tb, Config{Name: "help-page", PageID: helpPage, VerifyToken: "help-verify-token"}),
		mustAccount(tb, Config{Name: "other-app-page", PageID: otherPage, AppSecret: otherSecret, VerifyToken: "other-verify-token"}),
	}
}

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// sign is the X-Hub-Signature-256 Meta sends for body.
func sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// post sends body to h with signature (none when empty).
func post(h http.Handler, body []byte, signature string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/messenger", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if signature != "" {
		r.Header.Set(SignatureHeader, signature)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// logBuffer is a debug-level logger writing into a buffer.
func logBuffer() (*slog.Logger, *syncBuffer) {
	var b syncBuffer
	return slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug})), &b
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
