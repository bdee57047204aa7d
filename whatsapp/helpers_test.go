package whatsapp

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/batonhq/baton"
)

// The test accounts: two numbers of one Meta app, and one of another app.
const (
	secretMain  = "test-app-secret-0f1e2d3c4b5a"
	secretOther = "test-app-secret-other-99887766"

	phoneMain   = "109876543210987"
	phoneSecond = "108765432109876"
	phoneOther  = "107654321098765"

	accessToken = "EAAtest-access-token-never-to-be-seen"
)

// mustAccount returns the account of cfg, with test secrets where it has none.
func mustAccount(tb testing.TB, cfg Config) *Account {
	tb.Helper()
	if cfg.AppSecret == "" {
		cfg.AppSecret = secretMain
	}
	if cfg.VerifyToken == "" {
		cfg.VerifyToken = "verify-" + cfg.Name
	}
	if cfg.AccessToken == "" {
		cfg.AccessToken = accessToken
	}
	a, err := New(cfg, nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// testAccounts are "main" and "second" of one app, "other" of another.
func testAccounts(tb testing.TB) []*Account {
	tb.Helper()
	return []*Account{
		mustAccount(tb, Config{Name: "main", PhoneNumberID: phoneMain}),
		mustAccount(tb, Config{Name: "second", PhoneNumberID: phoneSecond}),
		mustAccount(tb, Config{Name: "other", PhoneNumberID: phoneOther, AppSecret: secretOther}),
	}
}

// fakeSink records what the webhook hands over, and fails where told.
type fakeSink struct {
	mu       sync.Mutex
	inbound  []baton.Inbound
	statuses []baton.StatusUpdate
	// failIDs are message or platform IDs whose call fails.
	failIDs map[string]bool
}

func (s *fakeSink) Inbound(_ context.Context, in baton.Inbound) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failIDs[in.MessageID] {
		return baton.Errorf(baton.EUNAVAILABLE, "store is down")
	}
	s.inbound = append(s.inbound, in)
	return nil
}

func (s *fakeSink) StatusUpdate(_ context.Context, u baton.StatusUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failIDs[u.PlatformID] {
		return baton.Errorf(baton.EUNAVAILABLE, "store is down")
	}
	s.statuses = append(s.statuses, u)
	return nil
}

func (s *fakeSink) empty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.inbound) == 0 && len(s.statuses) == 0
}

// signature is the X-Hub-Signature-256 value Meta would send for body.
func signature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// testdata reads a file of testdata/.
func testdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// deliver posts body to h with the given signature header ("" for none).
func deliver(h http.Handler, body []byte, sig string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(SignatureHeader, sig)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// logBuffer is a logger that writes everything, debug included, to a
// buffer a test can search.
func logBuffer() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
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
