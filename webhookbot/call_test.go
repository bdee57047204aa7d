package webhookbot_test

import (
	"bytes"
	"context"
	"errors"
	"github.com/batonhq/baton/signature"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/webhookbot"
)

// tamper changes the body after Baton signed it, as a meddler on the way would.
type tamper struct{}

func (tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	body = bytes.Replace(body, []byte(`"hi"`), []byte(`"ho"`), 1)
	r = r.Clone(r.Context())
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	return http.DefaultTransport.RoundTrip(r)
}

func reply(b *webhookbot.Bot) (*baton.BotReply, error) {
	return b.Reply(context.Background(), baton.BotRequest{Conversation: testConversation(), Text: "hi"})
}

func callError(t *testing.T, err error) *webhookbot.CallError {
	t.Helper()
	var ce *webhookbot.CallError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a *CallError", err)
	}
	return ce
}

func TestTimeout(t *testing.T) {
	f := newFakeBot(t, rasaPath, "", func(_ int, _ http.ResponseWriter, r *http.Request, _ []byte) {
		<-r.Context().Done() // a bot that never answers
	})
	b := mustNew(t, webhookbot.Config{Format: webhookbot.FormatRasa, URL: f.URL + rasaPath, Timeout: 50 * time.Millisecond, Retries: 2})
	_, err := reply(b)
	if !errors.Is(err, webhookbot.ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if ce := callError(t, err); ce.Attempts != 3 || f.count() != 3 {
		t.Errorf("attempts: error says %d, bot saw %d; want 1+Retries = 3", ce.Attempts, f.count())
	}
	if want := "bot timed out after 50ms (3 attempts)"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}

// TestStatuses scripts answers by attempt and checks which failures are
// retried, with the default of one retry.
func TestStatuses(t *testing.T) {
	const ok = `[{"text":"ok"}]`
	type answer struct {
		status     int
		retryAfter string
		body       string
	}
	tests := []struct {
		name     string
		answers  []answer
		attempts int
		kind     error  // nil: success
		msg      string // the whole error message, when set
	}{
		{"500 then 200", []answer{{500, "", "boom"}, {200, "", ok}}, 2, nil, ""},
		{"503 twice", []answer{{503, "", "down for maintenance\n"}, {503, "", "down for maintenance\n"}}, 2, webhookbot.ErrStatus,
			"bot returned HTTP 503 after 2 attempts: down for maintenance"},
		{"408 then 200", []answer{{408, "", ""}, {200, "", ok}}, 2, nil, ""},
		{"429 Retry-After 0 then 200", []answer{{429, "0", "slow down"}, {200, "", ok}}, 2, nil, ""},
		{"400 is not retried", []answer{{400, "", "bad request"}, {200, "", ok}}, 1, webhookbot.ErrStatus,
			"bot returned HTTP 400 after 1 attempt: bad request"},
		{"404 is not retried", []answer{{404, "", ""}, {200, "", ok}}, 1, webhookbot.ErrStatus, "bot returned HTTP 404 after 1 attempt"},
		{"a redirect is not followed", []answer{{307, "", ""}, {200, "", ok}}, 1, webhookbot.ErrStatus, ""},
		{"long error body is cut", []answer{{400, "", strings.Repeat("x", 300)}}, 1, webhookbot.ErrStatus,
			"bot returned HTTP 400 after 1 attempt: " + strings.Repeat("x", 200)},
		{"invalid JSON is not retried", []answer{{200, "", `[{"text":`}, {200, "", ok}}, 1, webhookbot.ErrInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeBot(t, rasaPath, "", func(n int, w http.ResponseWriter, _ *http.Request, _ []byte) {
				a := tt.answers[min(n, len(tt.answers))-1]
				if a.retryAfter != "" {
					w.Header().Set("Retry-After", a.retryAfter)
				}
				if a.status == 307 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(a.status)
				io.WriteString(w, a.body)
			})
			b := mustNew(t, webhookbot.Config{Format: webhookbot.FormatRasa, URL: f.URL + rasaPath})
			r, err := reply(b)
			if f.count() != tt.attempts {
				t.Errorf("%d attempts, want %d", f.count(), tt.attempts)
			}
			if tt.kind == nil {
				if err != nil || len(r.Messages) != 1 || r.Messages[0].Text != "ok" {
					t.Fatalf("reply %+v, err %v", r, err)
				}
				return
			}
			if !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want kind %v", err, tt.kind)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("err = %q, want %q", err, tt.msg)
			}
			if ce := callError(t, err); tt.kind == webhookbot.ErrStatus && ce.StatusCode != tt.answers[tt.attempts-1].status {
				t.Errorf("status code %d", ce.StatusCode)
			}
		})
	}
}

func TestSameDeliveryOnRetry(t *testing.T) {
	f := newFakeBot(t, rasaPath, "k", func(n int, w http.ResponseWriter, _ *http.Request, _ []byte) {
		if n == 1 {
			http.Error(w, "oops", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, `[{"text":"ok"}]`)
	})
	b := mustNew(t, webhookbot.Config{Format: webhookbot.FormatRasa, URL: f.URL + rasaPath, Secret: "k"})
	if _, err := reply(b); err != nil {
		t.Fatal(err)
	}
	if _, err := reply(b); err != nil { // a second customer message
		t.Fatal(err)
	}
	if f.count() != 3 {
		t.Fatalf("%d attempts, want 3", f.count())
	}
	first, retry, next := f.attempt(0), f.attempt(1), f.attempt(2)
	d := first.header.Get(webhookbot.DeliveryHeader)
	if d == "" || retry.header.Get(webhookbot.DeliveryHeader) != d {
		t.Errorf("delivery ids %q and %q, want the same on a retry", d, retry.header.Get(webhookbot.DeliveryHeader))
	}
	if next.header.Get(webhookbot.DeliveryHeader) == d {
		t.Errorf("the next message reused delivery id %q", d)
	}
	if !bytes.Equal(first.body, retry.body) {
		t.Errorf("a retry sent a different body")
	}
}

func TestNoRetriesConfigured(t *testing.T) {
	f := newFakeBot(t, rasaPath, "", fixed(502, "bad gateway"))
	b := mustNew(t, webhookbot.Config{Format: webhookbot.FormatRasa, URL: f.URL + rasaPath, Retries: -1})
	if _, err := reply(b); !errors.Is(err, webhookbot.ErrStatus) || f.count() != 1 {
		t.Errorf("err %v after %d attempts; want ErrStatus after 1", err, f.count())
	}
}

func TestUnreachable(t *testing.T) {
	f := newFakeBot(t, rasaPath, "", fixed(200, "[]"))
	url := f.URL + rasaPath + "?token=hush"
	f.Close() // nothing listens any more
	b := mustNew(t, webhookbot.Config{Format: webhookbot.FormatRasa, URL: url})
	_, err := reply(b)
	if !errors.Is(err, webhookbot.ErrUnreachable) || callError(t, err).Attempts != 2 {
		t.Fatalf("err = %v, want ErrUnreachable after 2 attempts", err)
	}
	if strings.Contains(err.Error(), "hush") {
		t.Errorf("error %q repeats the URL's token", err)
	}
}

func TestOversizeAnswer(t *testing.T) {
	big := `[{"text":"` + strings.Repeat("a", webhookbot.MaxAnswerSize) + `"}]`
	f := newFakeBot(t, rasaPath, "", fixed(200, big))
	b := mustNew(t, webhookbot.Config{Format: webhookbot.FormatRasa, URL: f.URL + rasaPath})
	_, err := reply(b)
	if !errors.Is(err, webhookbot.ErrInvalid) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("err = %v, want a too-large ErrInvalid", err)
	}
	if f.count() != 1 {
		t.Errorf("%d attempts, want 1", f.count())
	}
}

func TestCallerCancelStopsRetries(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFakeBot(t, rasaPath, "", func(_ int, w http.ResponseWriter, _ *http.Request, _ []byte) {
		cancel() // the caller gives up while the bot is failing
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	b := mustNew(t, webhookbot.Config{Format: webhookbot.FormatRasa, URL: f.URL + rasaPath, Retries: 5})
	_, err := b.Reply(ctx, baton.BotRequest{Conversation: testConversation(), Text: "hi"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if f.count() != 1 || callError(t, err).Attempts != 1 {
		t.Errorf("%d attempts after the caller cancelled, want 1", f.count())
	}
}

func TestCallerDeadlineBeforeRetryAfter(t *testing.T) {
	f := newFakeBot(t, rasaPath, "", func(_ int, w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Retry-After", "2")
		http.Error(w, "busy", http.StatusTooManyRequests)
	})
	b := mustNew(t, webhookbot.Config{Format: webhookbot.FormatRasa, URL: f.URL + rasaPath, Retries: 3})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := b.Reply(ctx, baton.BotRequest{Conversation: testConversation(), Text: "hi"})
	// The bot asked for a wait longer than the caller has left: no retry.
	if !errors.Is(err, webhookbot.ErrStatus) || f.count() != 1 {
		t.Errorf("err = %v after %d attempts; want the 429 after 1", err, f.count())
	}
}

func TestRequestHeaders(t *testing.T) {
	f := newFakeBot(t, rasaPath, "", fixed(200, `[{"text":"ok"}]`))
	b := mustNew(t, webhookbot.Config{Format: webhookbot.FormatRasa, URL: f.URL + rasaPath,
		Headers: map[string]string{"authorization": "Bearer abc", "X-Tenant": "acme"}})
	if _, err := reply(b); err != nil {
		t.Fatal(err)
	}
	h := f.attempt(0).header
	if h.Get("Authorization") != "Bearer abc" || h.Get("X-Tenant") != "acme" {
		t.Errorf("configured headers missing: %v", h)
	}
	if h.Get(signature.Header) != "" {
		t.Errorf("signed without a secret: %q", h.Get(signature.Header))
	}
}

func TestNewValidates(t *testing.T) {
	ok := webhookbot.Config{Format: webhookbot.FormatBaton, URL: "https://bot.example.com/hook"}
	tests := []struct {
		name   string
		change func(*webhookbot.Config)
	}{
		{"no format", func(c *webhookbot.Config) { c.Format = "" }},
		{"unknown format", func(c *webhookbot.Config) { c.Format = "dialogflow" }},
		{"no url", func(c *webhookbot.Config) { c.URL = "" }},
		{"relative url", func(c *webhookbot.Config) { c.URL = "/webhooks/rest/webhook" }},
		{"ftp url", func(c *webhookbot.Config) { c.URL = "ftp://bot.example.com/" }},
		{"negative timeout", func(c *webhookbot.Config) { c.Timeout = -time.Second }},
		{"too many retries", func(c *webhookbot.Config) { c.Retries = 6 }},
		{"negative retries", func(c *webhookbot.Config) { c.Retries = -2 }},
		{"reserved header", func(c *webhookbot.Config) { c.Headers = map[string]string{"x-baton-delivery": "1"} }},
		{"bad header name", func(c *webhookbot.Config) { c.Headers = map[string]string{"X Tenant": "acme"} }},
		{"header value on two lines", func(c *webhookbot.Config) { c.Headers = map[string]string{"X-Tenant": "a\r\nX-Evil: 1"} }},
	}
	if _, err := webhookbot.New(ok, nil); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	for _, tt := range tests {
		cfg := ok
		tt.change(&cfg)
		if _, err := webhookbot.New(cfg, nil); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}
