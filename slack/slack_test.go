package slack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/internal/outbound"
)

// token is the secret part of the test webhook's URL: no error may show it.
const token = "xoxTESTsecretWebhookToken0123456789"

const hookPath = "/services/T00000000/B00000000/" + token

// fakeSlack is an incoming webhook: it checks what Slack requires of every
// request, records the bodies and answers as told.
type fakeSlack struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	raw    []string
	answer func(w http.ResponseWriter)
}

func newFakeSlack(t *testing.T, answer func(w http.ResponseWriter)) *fakeSlack {
	f := &fakeSlack{t: t, answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// ok answers as Slack answers a posted message.
func ok(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html")
	io.WriteString(w, "ok")
}

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	t := f.t
	if r.Method != http.MethodPost {
		t.Errorf("method %s, want POST", r.Method)
	}
	if r.URL.Path != hookPath {
		t.Errorf("path %s, want the webhook's", r.URL.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if ua := r.Header.Get("User-Agent"); ua != "Baton" {
		t.Errorf("User-Agent %q, want Baton", ua)
	}
	b, _ := io.ReadAll(r.Body)
	if !json.Valid(b) {
		t.Errorf("body is not JSON: %s", b)
	}
	f.mu.Lock()
	f.raw = append(f.raw, string(b))
	f.mu.Unlock()
	f.answer(w)
}

// bodies are the requests so far, decoded.
func (f *fakeSlack) bodies() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for _, s := range f.raw {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func (f *fakeSlack) notifier(t *testing.T) *Notifier {
	t.Helper()
	n, err := New(Config{WebhookURL: f.srv.URL + hookPath}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// send notifies a through a fake that answers ok and returns the one
// request body.
func send(t *testing.T, a *baton.Alert) map[string]any {
	t.Helper()
	f := newFakeSlack(t, ok)
	if err := f.notifier(t).Notify(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	bodies := f.bodies()
	if len(bodies) != 1 {
		t.Fatalf("%d requests, want 1", len(bodies))
	}
	return bodies[0]
}

// testAlert is an urgent handoff from WhatsApp.
func testAlert() *baton.Alert {
	return &baton.Alert{
		ConversationID: "c_01JABC",
		Priority:       baton.PriorityUrgent,
		Department:     "Billing",
		Trigger:        baton.TriggerText,
		Reason:         "the customer asked for a person (“I want a human”)",
		Customer:       baton.Contact{Name: "Anna Cohen", Email: "anna@example.com", Phone: "+31612345678"},
		Channel:        baton.ChannelWhatsApp,
		Text:           "I was charged twice.\r\nPlease call me.",
		URL:            "https://baton.example.com/inbox/c_01JABC",
		At:             time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC),
	}
}

func jsonOf(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad expected JSON: %v\n%s", err, s)
	}
	return m
}

func TestNotifyShape(t *testing.T) {
	got := send(t, testAlert())
	want := jsonOf(t, `{
		"text": "Urgent: the customer asked for a person (“I want a human”) — Anna Cohen on WhatsApp",
		"blocks": [
			{"type": "header", "text": {"type": "plain_text", "text": "Urgent handoff · Billing"}},
			{"type": "section", "fields": [
				{"type": "mrkdwn", "text": "*Customer*\nAnna Cohen"},
				{"type": "mrkdwn", "text": "*Channel*\nWhatsApp"},
				{"type": "mrkdwn", "text": "*Trigger*\nAsked for a person"},
				{"type": "mrkdwn", "text": "*Priority*\nUrgent"},
				{"type": "mrkdwn", "text": "*Reason*\nthe customer asked for a person (“I want a human”)"}
			]},
			{"type": "section", "text": {"type": "mrkdwn", "text": "*The customer wrote*\n>I was charged twice.\n>Please call me."}},
			{"type": "actions", "elements": [
				{"type": "button", "text": {"type": "plain_text", "text": "Open in Baton"},
				 "url": "https://baton.example.com/inbox/c_01JABC", "style": "primary"}
			]},
			{"type": "context", "elements": [
				{"type": "mrkdwn", "text": "Conversation c_01JABC · <!date^1767268800^{date_short_pretty} at {time}|2026-01-01 12:00 UTC>"}
			]}
		]
	}`)
	if !reflect.DeepEqual(got, want) {
		b, _ := json.MarshalIndent(got, "", "  ")
		t.Fatalf("request body\n%s", b)
	}
}

// blocksOf returns the blocks of a body, by type, in order.
func blocksOf(t *testing.T, body map[string]any, typ string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, b := range body["blocks"].([]any) {
		if m := b.(map[string]any); m["type"] == typ {
			out = append(out, m)
		}
	}
	return out
}

func fieldTexts(t *testing.T, body map[string]any) []string {
	t.Helper()
	var out []string
	for _, s := range blocksOf(t, body, "section") {
		if fs, ok := s["fields"].([]any); ok {
			for _, f := range fs {
				out = append(out, f.(map[string]any)["text"].(string))
			}
		}
	}
	return out
}

func sectionTexts(t *testing.T, body map[string]any) []string {
	t.Helper()
	var out []string
	for _, s := range blocksOf(t, body, "section") {
		if tx, ok := s["text"].(map[string]any); ok {
			out = append(out, tx["text"].(string))
		}
	}
	return out
}

func TestNotifyEscapesCustomerText(t *testing.T) {
	a := testAlert()
	a.Customer = baton.Contact{Name: "<script>&"}
	a.Text = "<!channel> see <https://evil.example|Open in Baton> & >this"
	a.Reason = "urgent (“<@U123>”)"
	f := newFakeSlack(t, ok)
	if err := f.notifier(t).Notify(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	body := f.bodies()[0]
	fields := fieldTexts(t, body)
	if fields[0] != "*Customer*\n&lt;script&gt;&amp;" {
		t.Errorf("customer field %q, want it escaped", fields[0])
	}
	if fields[4] != "*Reason*\nurgent (“&lt;@U123&gt;”)" {
		t.Errorf("reason field %q, want it escaped", fields[4])
	}
	if got, want := sectionTexts(t, body)[0], "*The customer wrote*\n>&lt;!channel&gt; see &lt;https://evil.example|Open in Baton&gt; &amp; &gt;this"; got != want {
		t.Errorf("message section %q, want %q", got, want)
	}
	if got := body["text"].(string); !strings.Contains(got, "&lt;@U123&gt;") || !strings.Contains(got, "&lt;script&gt;&amp;") {
		t.Errorf("fallback text %q is not escaped", got)
	}
	// No control sequence of the customer's survives anywhere in the request.
	f.mu.Lock()
	raw := f.raw[0]
	f.mu.Unlock()
	for _, s := range []string{"<script>", "<!channel>", "<https://evil", "<@U123>"} {
		if strings.Contains(raw, s) {
			t.Errorf("the request holds %q unescaped", s)
		}
	}
}

func TestNotifyHebrew(t *testing.T) {
	a := testAlert()
	a.Customer = baton.Contact{Name: "דנה לוי"}
	a.Department = "תמיכה"
	a.Reason = "הלקוחה ביקשה נציג"
	a.Text = "שלום, חויבתי פעמיים על אותה הזמנה"
	body := send(t, a)
	if got := blocksOf(t, body, "header")[0]["text"].(map[string]any)["text"]; got != "Urgent handoff · תמיכה" {
		t.Errorf("header %q", got)
	}
	if got := fieldTexts(t, body)[0]; got != "*Customer*\nדנה לוי" {
		t.Errorf("customer field %q", got)
	}
	if got := sectionTexts(t, body)[0]; got != "*The customer wrote*\n>שלום, חויבתי פעמיים על אותה הזמנה" {
		t.Errorf("message section %q", got)
	}
	if got := body["text"]; got != "Urgent: הלקוחה ביקשה נציג — דנה לוי on WhatsApp" {
		t.Errorf("fallback text %q", got)
	}
}

func TestNotifyCapsLongText(t *testing.T) {
	a := testAlert()
	a.Text = strings.Repeat("א", 600)
	a.Summary = strings.Repeat("word ", 300)
	body := send(t, a)
	texts := sectionTexts(t, body)
	msg := strings.TrimPrefix(texts[0], "*The customer wrote*\n>")
	if n := utf8.RuneCountInString(msg); n != maxText || !strings.HasSuffix(msg, "…") {
		t.Errorf("message of %d characters ending %q; want %d ending with …", n, msg[len(msg)-6:], maxText)
	}
	summary := strings.TrimPrefix(texts[1], "*Summary*\n")
	if n := utf8.RuneCountInString(summary); n > maxText || !strings.HasSuffix(summary, "…") {
		t.Errorf("summary of %d characters, want at most %d ending with …", n, maxText)
	}
}

func TestNotifyWithoutURLOrTime(t *testing.T) {
	for _, u := range []string{"", "javascript:alert(1)", "/inbox/c_01JABC"} {
		a := testAlert()
		a.URL = u
		a.At = time.Time{}
		body := send(t, a)
		if b := blocksOf(t, body, "actions"); len(b) != 0 {
			t.Errorf("URL %q: an actions block %v, want none", u, b)
		}
		ctx := blocksOf(t, body, "context")
		if len(ctx) != 1 || ctx[0]["elements"].([]any)[0].(map[string]any)["text"] != "Conversation c_01JABC" {
			t.Errorf("URL %q: context %v, want only the conversation", u, ctx)
		}
	}
}

func TestNotifyEmptyAlert(t *testing.T) {
	body := send(t, &baton.Alert{})
	if got := body["text"]; got != "Handoff: a customer needs a person — a customer" {
		t.Errorf("fallback text %q", got)
	}
	if got := blocksOf(t, body, "header")[0]["text"].(map[string]any)["text"]; got != "Handoff" {
		t.Errorf("header %q", got)
	}
	want := []string{"*Customer*\na customer", "*Channel*\n—", "*Trigger*\n—", "*Priority*\n—", "*Reason*\n—"}
	if got := fieldTexts(t, body); !reflect.DeepEqual(got, want) {
		t.Errorf("fields %q, want %q", got, want)
	}
	if n := len(blocksOf(t, body, "context")); n != 0 {
		t.Errorf("%d context blocks for an alert with no conversation or time", n)
	}
}

func TestNotifyAnswers(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	answer := func(status int, retryAfter, body string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(status)
			io.WriteString(w, body)
		}
	}
	tests := []struct {
		name       string
		answer     func(http.ResponseWriter)
		ok         bool
		retry      bool
		retryAfter time.Duration
		reason     []string // the reason holds each
	}{
		{"ok", answer(200, "", "ok"), true, false, 0, nil},
		{"ok as JSON", answer(200, "", `{"ok":true}`), true, false, 0, nil},
		{"200 that is not Slack", answer(200, "", "<html>Sign in to the Wi-Fi</html>"), false, false, 0,
			[]string{"200", `without "ok"`, "Sign in to the Wi-Fi"}},
		{"invalid_payload", answer(400, "", "invalid_payload"), false, false, 0,
			[]string{"400 Bad Request", "invalid_payload", "could not read"}},
		{"action_prohibited", answer(403, "", "action_prohibited"), false, false, 0,
			[]string{"403 Forbidden", "action_prohibited", "restricts"}},
		{"channel_not_found", answer(404, "", "channel_not_found"), false, false, 0,
			[]string{"404 Not Found", "channel_not_found", "no longer exists"}},
		{"channel_is_archived", answer(410, "", "channel_is_archived"), false, false, 0,
			[]string{"410 Gone", "channel_is_archived", "archived"}},
		{"429 in seconds", answer(429, "30", "rate_limited"), false, true, 30 * time.Second,
			[]string{"429", "rate_limited"}},
		{"429 as a date", answer(429, "Thu, 01 Jan 2026 12:00:45 GMT", ""), false, true, 45 * time.Second,
			[]string{"429 Too Many Requests"}},
		{"rollup_error", answer(500, "", "rollup_error"), false, true, 0, []string{"500", "rollup_error"}},
		{"503 without a body", answer(503, "120", ""), false, true, 2 * time.Minute, []string{"503 Service Unavailable"}},
		{"408", answer(408, "", ""), false, true, 0, []string{"408"}},
		{"a long body", answer(400, "", strings.Repeat("no ", 5000)), false, false, 0, []string{"400", "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSlack(t, tt.answer)
			n := f.notifier(t)
			n.now = func() time.Time { return now }
			err := n.Notify(t.Context(), testAlert())
			if tt.ok {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				return
			}
			var se *baton.SendError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a *baton.SendError", err)
			}
			if se.Retry != tt.retry || se.RetryAfter != tt.retryAfter {
				t.Fatalf("Retry %v, RetryAfter %v; want %v, %v (%s)", se.Retry, se.RetryAfter, tt.retry, tt.retryAfter, se.Reason)
			}
			for _, s := range tt.reason {
				if !strings.Contains(se.Reason, s) {
					t.Errorf("reason %q lacks %q", se.Reason, s)
				}
			}
			if n := utf8.RuneCountInString(se.Reason); n > outbound.MaxReason+100 {
				t.Errorf("reason of %d characters", n)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("error %q shows the webhook's token", err)
			}
		})
	}
}

func TestNotifyNeverShowsTheWebhookURL(t *testing.T) {
	var hook string
	f := newFakeSlack(t, func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "no such webhook: "+hook)
	})
	hook = f.srv.URL + hookPath
	err := f.notifier(t).Notify(t.Context(), testAlert())
	if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "[the Slack webhook]") {
		t.Fatalf("error %v: want the echoed URL replaced", err)
	}
}

func TestNotifyDoesNotFollowRedirects(t *testing.T) {
	elsewhere := newFakeSlack(t, ok)
	f := newFakeSlack(t, func(w http.ResponseWriter) {
		w.Header().Set("Location", elsewhere.srv.URL+hookPath)
		w.WriteHeader(http.StatusMovedPermanently)
	})
	err := f.notifier(t).Notify(t.Context(), testAlert())
	var se *baton.SendError
	if !errors.As(err, &se) || se.Retry || !strings.Contains(se.Reason, "301") {
		t.Fatalf("error %v, want a final error naming the 301", err)
	}
	if n := len(elsewhere.bodies()); n != 0 {
		t.Fatalf("the alert followed the redirect: %d requests elsewhere", n)
	}
}

func TestNotifyNetworkErrors(t *testing.T) {
	check := func(t *testing.T, err error, reason string) {
		t.Helper()
		var se *baton.SendError
		if !errors.As(err, &se) || !se.Retry {
			t.Fatalf("error %v, want a retry", err)
		}
		if !strings.Contains(se.Reason, reason) {
			t.Errorf("reason %q lacks %q", se.Reason, reason)
		}
		if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), hookPath) {
			t.Errorf("error %q shows the webhook's URL", err)
		}
	}
	t.Run("refused", func(t *testing.T) {
		f := newFakeSlack(t, ok)
		n := f.notifier(t)
		f.srv.Close()
		check(t, n.Notify(t.Context(), testAlert()), "did not answer")
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		f := newFakeSlack(t, func(http.ResponseWriter) { <-release })
		defer close(release)
		n, err := New(Config{WebhookURL: f.srv.URL + hookPath}, &http.Client{Timeout: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		check(t, n.Notify(t.Context(), testAlert()), "timed out")
	})
	t.Run("canceled", func(t *testing.T) {
		f := newFakeSlack(t, ok)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		check(t, f.notifier(t).Notify(ctx, testAlert()), "canceled")
	})
}

func TestNotifyNilAlert(t *testing.T) {
	f := newFakeSlack(t, ok)
	var se *baton.SendError
	if err := f.notifier(t).Notify(t.Context(), nil); !errors.As(err, &se) || se.Retry {
		t.Fatalf("error %v, want a final error", err)
	}
	if n := len(f.bodies()); n != 0 {
		t.Fatalf("%d requests, want none", n)
	}
}

func TestNew(t *testing.T) {
	// A trailing line break, as a secret read from a file has, is not a mistake.
	for _, u := range []string{"https://hooks.slack.com" + hookPath, "https://hooks.slack.com" + hookPath + "\n"} {
		if _, err := New(Config{WebhookURL: u}, nil); err != nil {
			t.Fatalf("a good config: %v", err)
		}
	}
	bad := map[string]string{
		"missing":           "",
		"no scheme":         "hooks.slack.com" + hookPath,
		"not http":          "ftp://hooks.slack.com" + hookPath,
		"no host":           "https://" + hookPath,
		"credentials":       "https://user:pw@hooks.slack.com" + hookPath,
		"unparsable":        "https://hooks.slack.com/%zz" + token,
		"a fragment":        "https://hooks.slack.com" + hookPath + "#x",
		"spaces only":       "   ",
		"control character": "https://hooks.slack.com/services/T0\n/B0/" + token,
	}
	for name, u := range bad {
		_, err := New(Config{WebhookURL: u}, nil)
		if err == nil {
			t.Errorf("%s: New accepted %q", name, u)
			continue
		}
		if !strings.Contains(err.Error(), "WebhookURL") {
			t.Errorf("%s: error %q does not name the field", name, err)
		}
		if strings.Contains(err.Error(), token) {
			t.Errorf("%s: error %q shows the token", name, err)
		}
	}
}
