package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/batonhq/baton"
)

// graphAPI is a fake Graph API: it checks what every send request must
// have and records the bodies; answer says what it answers.
type graphAPI struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
	answer func(n int, w http.ResponseWriter) // n counts requests from 0
}

func newGraphAPI(t *testing.T, answer func(n int, w http.ResponseWriter)) *graphAPI {
	g := &graphAPI{t: t, answer: answer}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

// ok answers every request as the Graph API answers a sent message, with
// the wamid "wamid.sent-<n>".
func ok(n int, w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":"31612345678","wa_id":"31612345678"}],"messages":[{"id":"wamid.sent-%d"}]}`, n)
}

func (g *graphAPI) serve(w http.ResponseWriter, r *http.Request) {
	t := g.t
	if r.Method != http.MethodPost {
		t.Errorf("method %s, want POST", r.Method)
	}
	if want := "/v21.0/" + phoneMain + "/messages"; r.URL.Path != want {
		t.Errorf("path %s, want %s", r.URL.Path, want)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+accessToken {
		t.Errorf("Authorization %q, want the bearer token", got)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Errorf("body is not JSON: %v", err)
	}
	g.mu.Lock()
	n := len(g.bodies)
	g.bodies = append(g.bodies, body)
	g.mu.Unlock()
	g.answer(n, w)
}

func (g *graphAPI) requests() []map[string]any {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]map[string]any(nil), g.bodies...)
}

// account is the "main" account sending to g.
func (g *graphAPI) account(t *testing.T) *Account {
	return mustAccount(t, Config{Name: "main", PhoneNumberID: phoneMain, APIBase: g.srv.URL + "/v21.0"})
}

// outgoing is a message for Anna, in the window.
func outgoing(text string, buttons ...baton.Button) *baton.Outgoing {
	return &baton.Outgoing{
		Delivery: &baton.Delivery{ID: 7, Channel: baton.ChannelWhatsApp, Account: "main", UserID: "31612345678"},
		Author:   baton.AuthorAgent,
		Text:     text,
		Buttons:  buttons,
		Window:   baton.ReplyWindow{Open: true},
	}
}

// jsonOf decodes a JSON document for comparison with a request body.
func jsonOf(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad expected JSON: %v\n%s", err, s)
	}
	return m
}

func TestSendShapes(t *testing.T) {
	tests := []struct {
		name string
		out  *baton.Outgoing
		want string
	}{
		{"text with a link", outgoing("Track your parcel at https://track.example.com/4821"), `{
			"messaging_product": "whatsapp",
			"recipient_type": "individual",
			"to": "31612345678",
			"type": "text",
			"text": {"preview_url": true, "body": "Track your parcel at https://track.example.com/4821"}
		}`},
		{"text without a link", outgoing("Your parcel ships today."), `{
			"messaging_product": "whatsapp",
			"recipient_type": "individual",
			"to": "31612345678",
			"type": "text",
			"text": {"preview_url": false, "body": "Your parcel ships today."}
		}`},
		{"reply buttons", outgoing("Did this help?",
			baton.Button{Title: "Yes", Payload: baton.PayloadHelpful},
			baton.Button{Title: "No, I need a person to help me", Payload: baton.PayloadNotHelpful}), `{
			"messaging_product": "whatsapp",
			"recipient_type": "individual",
			"to": "31612345678",
			"type": "interactive",
			"interactive": {
				"type": "button",
				"body": {"text": "Did this help?"},
				"action": {"buttons": [
					{"type": "reply", "reply": {"id": "helpful:yes", "title": "Yes"}},
					{"type": "reply", "reply": {"id": "helpful:no", "title": "No, I need a person…"}}
				]}
			}
		}`},
		{"list", outgoing("What is it about?",
			baton.Button{Title: "Orders", Payload: "topic:orders"},
			baton.Button{Title: "Returns", Payload: "topic:returns"},
			baton.Button{Title: "Invoices", Payload: "topic:invoices"},
			baton.Button{Title: "Changing my subscription plan", Payload: "topic:subscription"}), `{
			"messaging_product": "whatsapp",
			"recipient_type": "individual",
			"to": "31612345678",
			"type": "interactive",
			"interactive": {
				"type": "list",
				"body": {"text": "What is it about?"},
				"action": {
					"button": "Choose",
					"sections": [{"title": "Options", "rows": [
						{"id": "topic:orders", "title": "Orders"},
						{"id": "topic:returns", "title": "Returns"},
						{"id": "topic:invoices", "title": "Invoices"},
						{"id": "topic:subscription", "title": "Changing my subscriptio…", "description": "Changing my subscription plan"}
					]}]
				}
			}
		}`},
		{"buttons whose cut titles collide go as a list", outgoing("Which one?",
			baton.Button{Title: "Order 12345678901234 (shoes)", Payload: "o1"},
			baton.Button{Title: "Order 12345678901234 (hat)", Payload: "o2"}), `{
			"messaging_product": "whatsapp",
			"recipient_type": "individual",
			"to": "31612345678",
			"type": "interactive",
			"interactive": {
				"type": "list",
				"body": {"text": "Which one?"},
				"action": {
					"button": "Choose",
					"sections": [{"title": "Options", "rows": [
						{"id": "o1", "title": "Order 12345678901234 (s…", "description": "Order 12345678901234 (shoes)"},
						{"id": "o2", "title": "Order 12345678901234 (h…", "description": "Order 12345678901234 (hat)"}
					]}]
				}
			}
		}`},
		{"template", &baton.Outgoing{
			Delivery: &baton.Delivery{ID: 8, UserID: "31612345678"},
			Text:     "We have an answer for you.",
			Window:   baton.ReplyWindow{TemplateOnly: true},
			Template: &baton.Template{Name: "conversation_reopen", Language: "en_US", Params: []string{"Anna", "Sam"}},
		}, `{
			"messaging_product": "whatsapp",
			"recipient_type": "individual",
			"to": "31612345678",
			"type": "template",
			"template": {
				"name": "conversation_reopen",
				"language": {"code": "en_US"},
				"components": [{"type": "body", "parameters": [
					{"type": "text", "text": "Anna"},
					{"type": "text", "text": "Sam"}
				]}]
			}
		}`},
		{"template without params", &baton.Outgoing{
			Delivery: &baton.Delivery{ID: 9, UserID: "31612345678"},
			Window:   baton.ReplyWindow{TemplateOnly: true},
			Template: &baton.Template{Name: "hello_world", Language: "en_US"},
		}, `{
			"messaging_product": "whatsapp",
			"recipient_type": "individual",
			"to": "31612345678",
			"type": "template",
			"template": {"name": "hello_world", "language": {"code": "en_US"}}
		}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGraphAPI(t, ok)
			id, err := g.account(t).Send(t.Context(), tt.out)
			if err != nil {
				t.Fatal(err)
			}
			if id != "wamid.sent-0" {
				t.Fatalf("id %q, want the wamid of the answer", id)
			}
			reqs := g.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			if want := jsonOf(t, tt.want); !reflect.DeepEqual(reqs[0], want) {
				got, _ := json.MarshalIndent(reqs[0], "", "  ")
				t.Fatalf("request body\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestSendMoreThanTenButtons(t *testing.T) {
	var buttons []baton.Button
	for i := 1; i <= 12; i++ {
		buttons = append(buttons, baton.Button{Title: fmt.Sprintf("Slot %d", i), Payload: fmt.Sprintf("slot:%d", i)})
	}
	g := newGraphAPI(t, ok)
	if _, err := g.account(t).Send(t.Context(), outgoing("Pick a time.", buttons...)); err != nil {
		t.Fatal(err)
	}
	req := g.requests()[0]
	ib := req["interactive"].(map[string]any)
	rows := ib["action"].(map[string]any)["sections"].([]any)[0].(map[string]any)["rows"].([]any)
	if len(rows) != 10 {
		t.Fatalf("%d rows, want 10", len(rows))
	}
	if body := ib["body"].(map[string]any)["text"].(string); body != "Pick a time.\n\n• Slot 11\n• Slot 12" {
		t.Fatalf("body %q, want the text and the choices that did not fit", body)
	}
}

func TestSendLongText(t *testing.T) {
	words := strings.Repeat("lorem ipsum dolor sit amet ", 400) // 10800 characters
	g := newGraphAPI(t, ok)
	id, err := g.account(t).Send(t.Context(), outgoing(words))
	if err != nil {
		t.Fatal(err)
	}
	reqs := g.requests()
	if len(reqs) != 3 || id != "wamid.sent-2" {
		t.Fatalf("%d requests, id %q; want 3 and the last wamid", len(reqs), id)
	}
	var parts []string
	for _, r := range reqs {
		body := r["text"].(map[string]any)["body"].(string)
		if n := utf8.RuneCountInString(body); n > maxText {
			t.Fatalf("a part of %d characters", n)
		}
		parts = append(parts, body)
	}
	if strings.Join(parts, " ") != strings.TrimSpace(words) {
		t.Fatal("the parts do not add up to the text, cut between words")
	}
}

func TestSendButtonsAfterLongText(t *testing.T) {
	text := strings.Repeat("Über dreißig Wörter hier. ", 60) // 1560 characters
	g := newGraphAPI(t, ok)
	id, err := g.account(t).Send(t.Context(), outgoing(text, baton.Button{Title: "Yes", Payload: "y"}, baton.Button{Title: "No", Payload: "n"}))
	if err != nil {
		t.Fatal(err)
	}
	reqs := g.requests()
	if len(reqs) != 2 || id != "wamid.sent-1" {
		t.Fatalf("%d requests, id %q; want a text, then the buttons", len(reqs), id)
	}
	head := reqs[0]["text"].(map[string]any)["body"].(string)
	body := reqs[1]["interactive"].(map[string]any)["body"].(map[string]any)["text"].(string)
	if n := utf8.RuneCountInString(body); n > maxBody || n == 0 {
		t.Fatalf("interactive body of %d characters", n)
	}
	if head+" "+body != strings.TrimSpace(text) {
		t.Fatal("the text and the buttons' body do not add up to the text")
	}
}

func TestSendResumesAfterPartialFailure(t *testing.T) {
	text := strings.Repeat("word ", 300) // 1500 characters: a text, then the buttons
	var fail atomic.Bool
	fail.Store(true)
	g := newGraphAPI(t, func(n int, w http.ResponseWriter) {
		if n == 1 && fail.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		ok(n, w)
	})
	a := g.account(t)
	out := outgoing(text, baton.Button{Title: "Yes", Payload: "y"})
	_, err := a.Send(t.Context(), out)
	var se *baton.SendError
	if !errors.As(err, &se) || !se.Retry {
		t.Fatalf("error %v, want a retry", err)
	}
	fail.Store(false)
	if _, err := a.Send(t.Context(), out); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range g.requests() {
		types = append(types, r["type"].(string))
	}
	if want := []string{"text", "interactive", "interactive"}; !reflect.DeepEqual(types, want) {
		t.Fatalf("requests %v, want %v: the text went twice", types, want)
	}
}

func TestSendTemplateOnlyWithoutTemplate(t *testing.T) {
	g := newGraphAPI(t, ok)
	out := outgoing("Are you still there?")
	out.Window = baton.ReplyWindow{TemplateOnly: true, Reason: "the customer last wrote 30h0m0s ago; outside WhatsApp's 24-hour window only an approved template can be sent"}
	_, err := g.account(t).Send(t.Context(), out)
	var se *baton.SendError
	if !errors.As(err, &se) || se.Retry {
		t.Fatalf("error %v, want a final *baton.SendError", err)
	}
	if !strings.Contains(se.Reason, "only an approved template can be sent") {
		t.Fatalf("reason %q does not say only a template can be sent", se.Reason)
	}
	if n := len(g.requests()); n != 0 {
		t.Fatalf("%d requests, want none", n)
	}
}

func TestSendErrors(t *testing.T) {
	graphError := func(status int, header, body string) func(int, http.ResponseWriter) {
		return func(_ int, w http.ResponseWriter) {
			if header != "" {
				w.Header().Set("Retry-After", header)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			io.WriteString(w, body)
		}
	}
	tests := []struct {
		name       string
		answer     func(int, http.ResponseWriter)
		retry      bool
		retryAfter time.Duration
		reason     []string // the reason holds each
	}{
		{"429 with Retry-After", graphError(http.StatusTooManyRequests, "30",
			`{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"error_data":{"messaging_product":"whatsapp","details":"Cloud API message throughput has been reached."},"fbtrace_id":"AbCdEf123"}}`),
			true, 30 * time.Second, []string{"130429"}},
		{"pair rate limit as a 400", graphError(http.StatusBadRequest, "",
			`{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException","code":131056,"fbtrace_id":"AbCdEf124"}}`),
			true, 0, []string{"131056"}},
		{"account rate limit", graphError(http.StatusBadRequest, "",
			`{"error":{"message":"(#80007) There have been too many calls to this WhatsApp Business account.","type":"OAuthException","code":80007,"fbtrace_id":"AbCdEf125"}}`),
			true, 0, []string{"80007"}},
		{"500", graphError(http.StatusInternalServerError, "",
			`{"error":{"message":"An unknown error has occurred.","type":"OAuthException","code":1,"fbtrace_id":"AbCdEf126"}}`),
			true, 0, []string{"unknown error"}},
		{"503 without a body", graphError(http.StatusServiceUnavailable, "", ``),
			true, 0, []string{"503"}},
		{"re-engagement", graphError(http.StatusBadRequest, "",
			`{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"AbCdEf127"}}`),
			false, 0, []string{"more than 24 hours since the customer last wrote; only a template can be sent"}},
		{"invalid parameter", graphError(http.StatusBadRequest, "",
			`{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"error_subcode":2494010,"error_data":{"messaging_product":"whatsapp","details":"Param interactive['action']['buttons'][0]['reply']['title'] is invalid."},"fbtrace_id":"AbCdEf128"}}`),
			false, 0, []string{"(#100) Invalid parameter", "code 100", "subcode 2494010", "['title'] is invalid", "AbCdEf128"}},
		{"expired token", graphError(http.StatusUnauthorized, "",
			`{"error":{"message":"Error validating access token: Session has expired.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbCdEf129"}}`),
			false, 0, []string{"Session has expired", "code 190"}},
		{"200 that is not the Graph API", graphError(http.StatusOK, "", `<html>captive portal</html>`),
			false, 0, []string{"without a message ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGraphAPI(t, tt.answer)
			id, err := g.account(t).Send(t.Context(), outgoing("Hello"))
			var se *baton.SendError
			if !errors.As(err, &se) {
				t.Fatalf("id %q, error %v; want a *baton.SendError", id, err)
			}
			if se.Retry != tt.retry || se.RetryAfter != tt.retryAfter {
				t.Fatalf("Retry %v, RetryAfter %v; want %v, %v (%s)", se.Retry, se.RetryAfter, tt.retry, tt.retryAfter, se.Reason)
			}
			for _, s := range tt.reason {
				if !strings.Contains(se.Reason, s) {
					t.Errorf("reason %q lacks %q", se.Reason, s)
				}
			}
		})
	}
}

func TestSendNetworkErrors(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		g := newGraphAPI(t, ok)
		a := g.account(t)
		g.srv.Close()
		_, err := a.Send(t.Context(), outgoing("Hello"))
		var se *baton.SendError
		if !errors.As(err, &se) || !se.Retry {
			t.Fatalf("error %v, want a retry", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		g := newGraphAPI(t, func(int, http.ResponseWriter) { <-release })
		defer close(release)
		a, err := New(Config{Name: "main", PhoneNumberID: phoneMain, AppSecret: secretMain, VerifyToken: "v",
			AccessToken: accessToken, APIBase: g.srv.URL + "/v21.0"}, &http.Client{Timeout: 50 * time.Millisecond}, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.Send(t.Context(), outgoing("Hello"))
		var se *baton.SendError
		if !errors.As(err, &se) || !se.Retry {
			t.Fatalf("error %v, want a retry", err)
		}
	})
}

func TestSendNeverShowsTheToken(t *testing.T) {
	logger, logs := logBuffer()
	g := newGraphAPI(t, func(_ int, w http.ResponseWriter) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":{"message":"Malformed access token %s","type":"OAuthException","code":190}}`, accessToken)
	})
	a, err := New(Config{Name: "main", PhoneNumberID: phoneMain, AppSecret: secretMain, VerifyToken: "v",
		AccessToken: accessToken, APIBase: g.srv.URL + "/v21.0"}, nil, logger)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Send(t.Context(), outgoing("Hello"))
	if err == nil || strings.Contains(err.Error(), accessToken) {
		t.Fatalf("error %v shows the access token", err)
	}
	if strings.Contains(logs.String(), accessToken) {
		t.Fatalf("the log shows the access token:\n%s", logs)
	}
	if strings.Contains(logs.String(), "Hello") {
		t.Fatalf("the log shows the message text:\n%s", logs)
	}
}

func TestSendRefusesBeforeCalling(t *testing.T) {
	long := strings.Repeat("x", maxButtonID+1)
	tests := []struct {
		name string
		out  *baton.Outgoing
	}{
		{"no delivery", &baton.Outgoing{Text: "Hello"}},
		{"no recipient", &baton.Outgoing{Delivery: &baton.Delivery{}, Text: "Hello"}},
		{"no text", outgoing("  ")},
		{"template without language", &baton.Outgoing{Delivery: &baton.Delivery{UserID: "31612345678"}, Template: &baton.Template{Name: "hello_world"}}},
		{"payload too long", outgoing("Pick", baton.Button{Title: "A", Payload: long})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGraphAPI(t, ok)
			_, err := g.account(t).Send(t.Context(), tt.out)
			var se *baton.SendError
			if !errors.As(err, &se) || se.Retry {
				t.Fatalf("error %v, want a final *baton.SendError", err)
			}
			if n := len(g.requests()); n != 0 {
				t.Fatalf("%d requests, want none", n)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		"-5":                            0,
		"soon":                          0,
		"Thu, 01 Jan 2026 12:00:45 GMT": 45 * time.Second,
		"Thu, 01 Jan 2026 11:00:00 GMT": 0,
	}
	for v, want := range tests {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestNew(t *testing.T) {
	good := Config{Name: "main", PhoneNumberID: phoneMain, AppSecret: "s", VerifyToken: "v", AccessToken: accessToken}
	if _, err := New(good, nil, nil); err != nil {
		t.Fatalf("a good config: %v", err)
	}
	tests := map[string]func(*Config){
		"no name":                 func(c *Config) { c.Name = "" },
		"no phone number ID":      func(c *Config) { c.PhoneNumberID = "" },
		"phone number, not an ID": func(c *Config) { c.PhoneNumberID = "+15550100200" },
		"path in the ID":          func(c *Config) { c.PhoneNumberID = "123/../456" },
		"no app secret":           func(c *Config) { c.AppSecret = "" },
		"no verify token":         func(c *Config) { c.VerifyToken = "" },
		"no access token":         func(c *Config) { c.AccessToken = "" },
		"API base not a URL":      func(c *Config) { c.APIBase = "graph.facebook.com/v21.0" },
		"API base with a query":   func(c *Config) { c.APIBase = "https://graph.facebook.com/v21.0?x=1" },
	}
	for name, change := range tests {
		cfg := good
		change(&cfg)
		if _, err := New(cfg, nil, nil); err == nil {
			t.Errorf("%s: New accepted it", name)
		} else if cfg.AccessToken != "" && strings.Contains(err.Error(), cfg.AccessToken) {
			t.Errorf("%s: the error shows the access token", name)
		}
	}
}
