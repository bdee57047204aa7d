package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton"
)

const (
	testToken  = "7312450981:AAFq3vTmZ_x9Kq2LmNp0RsTuVwXyZab-cde"
	testSecret = "wh-Secret_4f1c9a7e2b"
	testName   = "shop-bot"
)

// journal records, in order, what reached the sink and the fake Bot API.
type journal struct {
	mu      sync.Mutex
	entries []string
}

func (j *journal) add(s string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, s)
}

func (j *journal) list() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.entries...)
}

// fakeSink is the engine's side of the webhook: it records what it is
// handed and fails when told to.
type fakeSink struct {
	journal *journal
	err     error

	mu  sync.Mutex
	ins []baton.Inbound
}

func (s *fakeSink) Inbound(_ context.Context, in baton.Inbound) error {
	s.journal.add("sink")
	if s.err != nil {
		return s.err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ins = append(s.ins, in)
	return nil
}

func (s *fakeSink) StatusUpdate(context.Context, baton.StatusUpdate) error { return nil }

func (s *fakeSink) inbound() []baton.Inbound {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]baton.Inbound(nil), s.ins...)
}

// apiCall is one request the fake Bot API received.
type apiCall struct {
	Method      string // Bot API method, from the path
	HTTPMethod  string
	ContentType string
	Body        []byte
}

// field decodes one field of the call's JSON body.
func (c apiCall) field(t testing.TB, name string) any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(c.Body))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("%s body is not a JSON object: %v: %s", c.Method, err, c.Body)
	}
	return m[name]
}

// answer is what the fake Bot API says to a call.
type answer struct {
	status int
	body   string
	header http.Header
}

func okAnswer(result string) answer {
	return answer{status: http.StatusOK, body: `{"ok":true,"result":` + result + `}`}
}

// fakeAPI is a Bot API server: it checks that every request is a POST to
// /bot<token>/<method>, records it, and answers with respond.
type fakeAPI struct {
	*httptest.Server
	journal *journal
	respond func(call apiCall, n int) answer // n counts the calls of that method, from 1

	mu    sync.Mutex
	calls []apiCall
}

func newFakeAPI(t *testing.T, j *journal, respond func(call apiCall, n int) answer) *fakeAPI {
	t.Helper()
	f := &fakeAPI{journal: j, respond: respond}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		prefix := "/bot" + testToken + "/"
		if !strings.HasPrefix(r.URL.Path, prefix) {
			t.Errorf("Bot API request to %q, want a path under %q", r.URL.Path, prefix)
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		call := apiCall{Method: strings.TrimPrefix(r.URL.Path, prefix), HTTPMethod: r.Method,
			ContentType: r.Header.Get("Content-Type"), Body: body}
		f.mu.Lock()
		f.calls = append(f.calls, call)
		n := 0
		for _, c := range f.calls {
			if c.Method == call.Method {
				n++
			}
		}
		f.mu.Unlock()
		if j != nil {
			j.add("api:" + call.Method)
		}
		a := answer{status: http.StatusOK, body: `{"ok":true,"result":true}`}
		if f.respond != nil {
			a = f.respond(call, n)
		}
		for k, v := range a.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) callsOf(method string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeAPI) all() []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]apiCall(nil), f.calls...)
}

// testNow is the clock of test accounts: when a tap arrives.
var testNow = time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)

// newAccount returns an account on the fake Bot API at base. Its logs must
// never hold the bot token, which the test checks at its end.
func newAccount(t *testing.T, base string) *Account {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := New(Config{Name: testName, BotToken: testToken, SecretToken: testSecret, APIBase: base}, nil, logger)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a.now = func() time.Time { return testNow }
	t.Cleanup(func() {
		if strings.Contains(logs.String(), testToken) {
			t.Errorf("the logs hold the bot token:\n%s", logs.String())
		}
		if testing.Verbose() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	return a
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// readUpdate reads an update from testdata/updates.
func readUpdate(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "updates", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postUpdate posts body to h as Telegram would, with the secret token
// when secret is not empty.
func postUpdate(h http.Handler, body []byte, secret string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/telegram/"+testName, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if secret != "" {
		r.Header.Set(SecretHeader, secret)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
