package webhookbot_test

import (
	"bytes"
	"encoding/json"
	"github.com/batonhq/baton/signature"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/webhookbot"
)

// rasaPath is where Rasa's REST channel listens.
const rasaPath = "/webhooks/rest/webhook"

// attempt is one request the fake bot received.
type attempt struct {
	header http.Header
	body   []byte
}

// fakeBot is an httptest server that checks what every bot must be able to
// rely on (method, path, headers, signature) and answers through script,
// which gets the attempt number, from 1.
type fakeBot struct {
	*httptest.Server
	mu       sync.Mutex
	attempts []attempt
}

type script func(n int, w http.ResponseWriter, r *http.Request, body []byte)

func newFakeBot(tb testing.TB, path, secret string, s script) *fakeBot {
	tb.Helper()
	f := &fakeBot{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.attempts = append(f.attempts, attempt{header: r.Header.Clone(), body: body})
		n := len(f.attempts)
		f.mu.Unlock()
		switch {
		case r.Method != http.MethodPost || r.URL.Path != path:
			http.Error(w, "not found", http.StatusNotFound)
			return
		case r.Header.Get("Content-Type") != "application/json" || r.Header.Get("User-Agent") != "Baton":
			http.Error(w, "bad headers", http.StatusBadRequest)
			return
		case r.Header.Get(webhookbot.DeliveryHeader) == "":
			http.Error(w, "no delivery id", http.StatusBadRequest)
			return
		}
		if secret != "" {
			if err := signature.Verify(secret, r.Header.Get(signature.Header), body, time.Now(), time.Minute); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
		}
		s(n, w, r, body)
	}))
	tb.Cleanup(f.Close)
	return f
}

func (f *fakeBot) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.attempts)
}

func (f *fakeBot) attempt(i int) attempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[i]
}

// rasaIn is Rasa's REST channel request, decoded strictly.
type rasaIn struct {
	Sender   string         `json:"sender"`
	Message  string         `json:"message"`
	Metadata map[string]any `json:"metadata"`
}

// rasaScript decodes the request as Rasa's REST channel would, refusing
// what it would not understand, and answers with reply(n, request).
func rasaScript(reply func(n int, in rasaIn) (int, string)) script {
	return func(n int, w http.ResponseWriter, _ *http.Request, body []byte) {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		var in rasaIn
		if err := dec.Decode(&in); err != nil || in.Sender == "" || dec.More() {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		status, out := reply(n, in)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, out)
	}
}

// fixed answers every request with the same status and body.
func fixed(status int, body string) script {
	return func(_ int, w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func mustNew(tb testing.TB, cfg webhookbot.Config) *webhookbot.Bot {
	tb.Helper()
	b, err := webhookbot.New(cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func testConversation() *baton.Conversation {
	return &baton.Conversation{ID: "c_123", Channel: baton.ChannelWeb, Locale: "nl", Mode: baton.ModeBot,
		Contact: baton.Contact{Name: "Ann", Email: "ann@example.com"}}
}
