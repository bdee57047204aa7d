package teams

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

// sig is the secret signature of the test webhook's URL: no error may
// show it.
const sig = "TESTsigAbCdEf0123456789xyzSECRET"

const (
	hookPath  = "/workflows/0a1b2c3d/triggers/manual/paths/invoke"
	hookQuery = "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + sig
)

// fakeTeams is a Workflows webhook: it checks what every request must
// have, records the bodies and answers as told.
type fakeTeams struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	raw    []string
	answer func(w http.ResponseWriter)
}

func newFakeTeams(t *testing.T, answer func(w http.ResponseWriter)) *fakeTeams {
	f := &fakeTeams{t: t, answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// accepted answers as a Workflows webhook does: the flow runs later.
func accepted(w http.ResponseWriter) { w.WriteHeader(http.StatusAccepted) }

func (f *fakeTeams) serve(w http.ResponseWriter, r *http.Request) {
	t := f.t
	if r.Method != http.MethodPost {
		t.Errorf("method %s, want POST", r.Method)
	}
	if r.URL.Path != hookPath || r.URL.Query().Get("sig") != sig {
		t.Errorf("URL %s, want the webhook's", r.URL)
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

func (f *fakeTeams) bodies() []map[string]any {
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

func (f *fakeTeams) notifier(t *testing.T) *Notifier {
	t.Helper()
	n, err := New(Config{WebhookURL: f.srv.URL + hookPath + hookQuery}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// send notifies a through a fake that accepts it and returns the card.
func send(t *testing.T, a *baton.Alert) map[string]any {
	t.Helper()
	f := newFakeTeams(t, accepted)
	if err := f.notifier(t).Notify(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	bodies := f.bodies()
	if len(bodies) != 1 {
		t.Fatalf("%d requests, want 1", len(bodies))
	}
	return bodies[0]["attachments"].([]any)[0].(map[string]any)["content"].(map[string]any)
}

func testAlert() *baton.Alert {
	return &baton.Alert{
		ConversationID: "c_01JABC",
		Priority:       baton.PriorityUrgent,
		Department:     "Billing",
		Trigger:        baton.TriggerText,
		Reason:         "the customer asked for a person (“I want a human”)",
		Customer:       baton.Contact{Name: "Anna Cohen", Email: "anna@example.com"},
		Channel:        baton.ChannelWhatsApp,
		Text:           "I was charged twice.\r\nPlease call me.",
		URL:            "https://baton.example.com/inbox/c_01JABC",
		At:             time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC),
	}
}

func TestNotifyShape(t *testing.T) {
	f := newFakeTeams(t, accepted)
	if err := f.notifier(t).Notify(t.Context(), testAlert()); err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal([]byte(`{
		"type": "message",
		"attachments": [{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl": null,
			"content": {
				"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
				"type": "AdaptiveCard",
				"version": "1.4",
				"fallbackText": "Urgent: the customer asked for a person (“I want a human”)",
				"body": [
					{"type": "TextBlock", "text": "Urgent: the customer asked for a person (“I want a human”)",
					 "weight": "Bolder", "size": "Medium", "color": "Attention", "wrap": true},
					{"type": "FactSet", "facts": [
						{"title": "Customer", "value": "Anna Cohen"},
						{"title": "Channel", "value": "WhatsApp"},
						{"title": "Department", "value": "Billing"},
						{"title": "Trigger", "value": "Asked for a person"},
						{"title": "Priority", "value": "Urgent"},
						{"title": "Reason", "value": "the customer asked for a person (“I want a human”)"}
					]},
					{"type": "TextBlock", "text": "The customer wrote", "weight": "Bolder", "wrap": true},
					{"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": "I was charged twice.\nPlease call me."}]},
					{"type": "TextBlock", "text": "Conversation c_01JABC · {{DATE(2026-01-01T12:00:00Z, SHORT)}} {{TIME(2026-01-01T12:00:00Z)}}",
					 "size": "Small", "isSubtle": true, "wrap": true}
				],
				"actions": [{"type": "Action.OpenUrl", "title": "Open in Baton", "url": "https://baton.example.com/inbox/c_01JABC"}]
			}
		}]
	}`), &want); err != nil {
		t.Fatal(err)
	}
	if got := f.bodies()[0]; !reflect.DeepEqual(got, want) {
		b, _ := json.MarshalIndent(got, "", "  ")
		t.Fatalf("request body\n%s", b)
	}
}

// elements returns the card's body elements of a type, in order.
func elements(card map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, e := range card["body"].([]any) {
		if m := e.(map[string]any); m["type"] == typ {
			out = append(out, m)
		}
	}
	return out
}

func facts(card map[string]any) map[string]string {
	out := map[string]string{}
	for _, f := range elements(card, "FactSet")[0]["facts"].([]any) {
		m := f.(map[string]any)
		out[m["title"].(string)] = m["value"].(string)
	}
	return out
}

func runs(card map[string]any) []string {
	var out []string
	for _, r := range elements(card, "RichTextBlock") {
		out = append(out, r["inlines"].([]any)[0].(map[string]any)["text"].(string))
	}
	return out
}

func TestNotifyDefusesLinks(t *testing.T) {
	a := testAlert()
	a.Customer = baton.Contact{Name: "[Open in Baton](https://evil.example)"}
	a.Reason = "urgent (“[click](https://evil.example/x)”)"
	a.Text = "see [here](https://evil.example) **now**"
	card := send(t, a)
	fs := facts(card)
	for _, s := range []string{fs["Customer"], fs["Reason"], elements(card, "TextBlock")[0]["text"].(string), card["fallbackText"].(string)} {
		if strings.Contains(s, "](") {
			t.Errorf("%q holds a Markdown link", s)
		}
	}
	if want := "[Open in Baton]\u200b(https://evil.example)"; fs["Customer"] != want {
		t.Errorf("customer %q, want %q", fs["Customer"], want)
	}
	// A TextRun shows no Markdown: the customer's words go as written.
	if got := runs(card); len(got) != 1 || got[0] != a.Text {
		t.Errorf("text runs %q, want the message as written", got)
	}
}

func TestNotifyHebrew(t *testing.T) {
	a := testAlert()
	a.Customer = baton.Contact{Name: "דנה לוי"}
	a.Department = "תמיכה"
	a.Reason = "הלקוחה ביקשה נציג"
	a.Text = "שלום, חויבתי פעמיים על אותה הזמנה"
	card := send(t, a)
	fs := facts(card)
	if fs["Customer"] != "דנה לוי" || fs["Department"] != "תמיכה" || fs["Reason"] != "הלקוחה ביקשה נציג" {
		t.Errorf("facts %q", fs)
	}
	if got := elements(card, "TextBlock")[0]["text"]; got != "Urgent: הלקוחה ביקשה נציג" {
		t.Errorf("title %q", got)
	}
	if got := runs(card); len(got) != 1 || got[0] != a.Text {
		t.Errorf("message %q", got)
	}
}

func TestNotifyCapsLongText(t *testing.T) {
	a := testAlert()
	a.Text = strings.Repeat("א", 600)
	a.Summary = strings.Repeat("word ", 300)
	got := runs(send(t, a))
	if len(got) != 2 {
		t.Fatalf("%d text runs, want the message and the summary", len(got))
	}
	for _, s := range got {
		if n := utf8.RuneCountInString(s); n != maxText || !strings.HasSuffix(s, "…") {
			t.Errorf("a text of %d characters, want %d ending with …", n, maxText)
		}
	}
}

func TestNotifyWithoutURL(t *testing.T) {
	for _, u := range []string{"", "javascript:alert(1)", "/inbox/c_01JABC"} {
		a := testAlert()
		a.URL = u
		if card := send(t, a); card["actions"] != nil {
			t.Errorf("URL %q: actions %v, want none", u, card["actions"])
		}
	}
}

func TestNotifyPriorityColors(t *testing.T) {
	tests := map[baton.Priority]string{
		baton.PriorityUrgent: "Attention",
		baton.PriorityHigh:   "Warning",
		baton.PriorityNormal: "",
		"":                   "",
	}
	for p, want := range tests {
		a := testAlert()
		a.Priority = p
		got, _ := elements(send(t, a), "TextBlock")[0]["color"].(string)
		if got != want {
			t.Errorf("priority %q: color %q, want %q", p, got, want)
		}
	}
}

func TestNotifyEmptyAlert(t *testing.T) {
	card := send(t, &baton.Alert{})
	want := map[string]string{"Customer": "a customer", "Channel": "—", "Trigger": "—", "Priority": "—", "Reason": "—"}
	if got := facts(card); !reflect.DeepEqual(got, want) {
		t.Errorf("facts %q, want %q", got, want)
	}
	tbs := elements(card, "TextBlock")
	if len(tbs) != 1 || tbs[0]["text"] != "Handoff: a customer needs a person" {
		t.Errorf("text blocks %v, want only the title", tbs)
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
	const throttled = "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=msgapi-production-eus-azsc1-4-170,cv=deadbeef."
	tests := []struct {
		name       string
		answer     func(http.ResponseWriter)
		ok         bool
		retry      bool
		retryAfter time.Duration
		reason     []string // the reason holds each
	}{
		{"202 from Workflows", answer(202, "", ""), true, false, 0, nil},
		{"200 1 from a connector", answer(200, "", "1"), true, false, 0, nil},
		{"connector throttled with a 200", answer(200, "", throttled), false, true, 0, []string{"429 Too Many Requests", "returned HTTP error 429"}},
		{"connector refused with a 200", answer(200, "", "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 413 with ContextId x"),
			false, false, 0, []string{"413", "delivery failed"}},
		{"connector failure without a code", answer(200, "", "Webhook message delivery failed with error: Forbidden"),
			false, false, 0, []string{"200 OK", "refused the card", "Forbidden"}},
		{"Workflows schema error", answer(400, "", `{"error":{"code":"InvalidRequestContent","message":"The request content was invalid and could not be deserialized."}}`),
			false, false, 0, []string{"400 Bad Request", "InvalidRequestContent: The request content was invalid"}},
		{"connector bad payload", answer(400, "", "Summary or Text is required."), false, false, 0,
			[]string{"400", "Summary or Text is required."}},
		{"unauthorized", answer(401, "", `{"error":{"code":"Unauthorized","message":"no"}}`), false, false, 0, []string{"401", "Unauthorized: no"}},
		{"flow gone", answer(404, "", ""), false, false, 0, []string{"404 Not Found"}},
		{"429 in seconds", answer(429, "60", ""), false, true, time.Minute, []string{"429"}},
		{"429 as a date", answer(429, "Thu, 01 Jan 2026 12:00:45 GMT", ""), false, true, 45 * time.Second, []string{"429"}},
		{"500", answer(500, "", `{"error":{"code":"InternalServerError","message":"oops"}}`), false, true, 0, []string{"500", "oops"}},
		{"502", answer(502, "", "<html>Bad Gateway</html>"), false, true, 0, []string{"502"}},
		{"503 with Retry-After", answer(503, "5", ""), false, true, 5 * time.Second, []string{"503"}},
		{"408", answer(408, "", ""), false, true, 0, []string{"408"}},
		{"a long body", answer(400, "", strings.Repeat("no ", 5000)), false, false, 0, []string{"400", "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTeams(t, tt.answer)
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
			if strings.Contains(err.Error(), sig) {
				t.Errorf("error %q shows the webhook's signature", err)
			}
		})
	}
}

func TestNotifyNeverShowsTheWebhookURL(t *testing.T) {
	var hook string
	f := newFakeTeams(t, func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":{"code":"BadRequest","message":"cannot run `+hook+`"}}`)
	})
	hook = f.srv.URL + hookPath + hookQuery
	err := f.notifier(t).Notify(t.Context(), testAlert())
	if err == nil || strings.Contains(err.Error(), sig) || !strings.Contains(err.Error(), "[the Teams webhook]") {
		t.Fatalf("error %v: want the echoed URL replaced", err)
	}
}

func TestNotifyDoesNotFollowRedirects(t *testing.T) {
	elsewhere := newFakeTeams(t, accepted)
	f := newFakeTeams(t, func(w http.ResponseWriter) {
		w.Header().Set("Location", elsewhere.srv.URL+hookPath+hookQuery)
		w.WriteHeader(http.StatusTemporaryRedirect)
	})
	err := f.notifier(t).Notify(t.Context(), testAlert())
	var se *baton.SendError
	if !errors.As(err, &se) || se.Retry || !strings.Contains(se.Reason, "307") {
		t.Fatalf("error %v, want a final error naming the 307", err)
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
		if strings.Contains(err.Error(), sig) || strings.Contains(err.Error(), hookPath) {
			t.Errorf("error %q shows the webhook's URL", err)
		}
	}
	t.Run("refused", func(t *testing.T) {
		f := newFakeTeams(t, accepted)
		n := f.notifier(t)
		f.srv.Close()
		check(t, n.Notify(t.Context(), testAlert()), "did not answer")
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		f := newFakeTeams(t, func(http.ResponseWriter) { <-release })
		defer close(release)
		n, err := New(Config{WebhookURL: f.srv.URL + hookPath + hookQuery}, &http.Client{Timeout: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		check(t, n.Notify(t.Context(), testAlert()), "timed out")
	})
	t.Run("canceled", func(t *testing.T) {
		f := newFakeTeams(t, accepted)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		check(t, f.notifier(t).Notify(ctx, testAlert()), "canceled")
	})
}

func TestNotifyNilAlert(t *testing.T) {
	f := newFakeTeams(t, accepted)
	var se *baton.SendError
	if err := f.notifier(t).Notify(t.Context(), nil); !errors.As(err, &se) || se.Retry {
		t.Fatalf("error %v, want a final error", err)
	}
	if n := len(f.bodies()); n != 0 {
		t.Fatalf("%d requests, want none", n)
	}
}

func TestNew(t *testing.T) {
	good := []string{
		"https://prod-00.westeurope.logic.azure.com:443" + hookPath + hookQuery,
		"https://contoso.webhook.office.com/webhookb2/0a1b@2c3d/IncomingWebhook/" + sig + "/4e5f",
		"https://prod-00.westeurope.logic.azure.com" + hookPath + hookQuery + "\n",
	}
	for _, u := range good {
		if _, err := New(Config{WebhookURL: u}, nil); err != nil {
			t.Errorf("a good URL: %v", err)
		}
	}
	bad := map[string]string{
		"missing":     "",
		"no scheme":   "prod-00.westeurope.logic.azure.com" + hookPath + hookQuery,
		"not http":    "ftp://prod-00.westeurope.logic.azure.com" + hookPath + hookQuery,
		"no host":     "https://" + hookPath + hookQuery,
		"credentials": "https://user:pw@prod-00.westeurope.logic.azure.com" + hookPath + hookQuery,
		"unparsable":  "https://prod-00.westeurope.logic.azure.com/%zz" + hookQuery,
		"a fragment":  "https://prod-00.westeurope.logic.azure.com" + hookPath + hookQuery + "#x",
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
		if strings.Contains(err.Error(), sig) {
			t.Errorf("%s: error %q shows the signature", name, err)
		}
	}
}
