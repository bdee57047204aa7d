package messenger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
)

// graphAPI is a fake Graph API: it checks each Send API call as Meta
// documents it and answers with the next canned answer.
type graphAPI struct {
	t       testing.TB
	mu      sync.Mutex
	bodies  []map[string]any
	answers []answer
}

type answer struct {
	status int
	header map[string]string
	body   string
}

func (g *graphAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/v21.0/"+shopPage+"/messages" {
		g.t.Errorf("%s %s, want POST /v21.0/%s/messages", r.Method, r.URL.Path, shopPage)
	}
	if got := r.URL.Query().Get("access_token"); got != testPageToken {
		g.t.Errorf("access_token = %q", got)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		g.t.Errorf("Content-Type = %q", ct)
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		g.t.Errorf("body: %v", err)
	}
	g.bodies = append(g.bodies, body)
	a := answer{status: 200, body: fmt.Sprintf(`{"recipient_id":"%s","message_id":"m_sent_%d"}`, customer, len(g.bodies))}
	if len(g.answers) > 0 {
		a, g.answers = g.answers[0], g.answers[1:]
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (g *graphAPI) calls() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.bodies)
}

// newGraphAPI starts a fake Graph API and an account sending to it.
func newGraphAPI(t *testing.T, answers ...answer) (*graphAPI, *Account) {
	t.Helper()
	g := &graphAPI{t: t, answers: answers}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return g, mustAccount(t, Config{Name: "shop-page", PageID: shopPage, APIBase: srv.URL + "/v21.0"})
}

func outgoing(text string, w baton.ReplyWindow, buttons ...baton.Button) *baton.Outgoing {
	return &baton.Outgoing{
		Delivery: &baton.Delivery{ID: 7, Channel: baton.ChannelMessenger, Account: "shop-page", UserID: customer},
		Author:   baton.AuthorAgent,
		Text:     text,
		Buttons:  buttons,
		Window:   w,
	}
}

var (
	openWindow  = baton.ReplyWindow{Open: true}
	agentWindow = baton.ReplyWindow{Open: true, Tag: baton.MessengerHumanAgentTag}
)

func TestSendRequestShape(t *testing.T) {
	tests := []struct {
		name string
		out  *baton.Outgoing
		want map[string]any
	}{
		{
			name: "inside the standard window",
			out:  outgoing("Your order ships tomorrow.", openWindow),
			want: map[string]any{
				"recipient":      map[string]any{"id": customer},
				"messaging_type": "RESPONSE",
				"message":        map[string]any{"text": "Your order ships tomorrow."},
			},
		},
		{
			name: "an agent after 24 hours",
			out:  outgoing("Sorry for the wait: it ships tomorrow.", agentWindow),
			want: map[string]any{
				"recipient":      map[string]any{"id": customer},
				"messaging_type": "MESSAGE_TAG",
				"tag":            "HUMAN_AGENT",
				"message":        map[string]any{"text": "Sorry for the wait: it ships tomorrow."},
			},
		},
		{
			name: "quick replies",
			out: outgoing("Did this help?", openWindow,
				baton.Button{Title: "Yes", Payload: baton.PayloadHelpful},
				baton.Button{Title: "No, I need more help please", Payload: baton.PayloadNotHelpful},
				baton.Button{Title: "Später", Payload: ""},
				baton.Button{Title: " ", Payload: ""}),
			want: map[string]any{
				"recipient":      map[string]any{"id": customer},
				"messaging_type": "RESPONSE",
				"message": map[string]any{
					"text": "Did this help?",
					"quick_replies": []any{
						map[string]any{"content_type": "text", "title": "Yes", "payload": "helpful:yes"},
						map[string]any{"content_type": "text", "title": "No, I need more hel…", "payload": "helpful:no"},
						map[string]any{"content_type": "text", "title": "Später", "payload": "Später"},
					},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, a := newGraphAPI(t)
			id, err := a.Send(context.Background(), tt.out)
			if err != nil || id != "m_sent_1" {
				t.Fatalf("Send = %q, %v", id, err)
			}
			if g.calls() != 1 || !reflect.DeepEqual(g.bodies[0], tt.want) {
				t.Errorf("request body:\n got %v\nwant %v", g.bodies, tt.want)
			}
		})
	}
}

func TestSendQuickReplyLimits(t *testing.T) {
	var buttons []baton.Button
	for i := range 15 {
		buttons = append(buttons, baton.Button{Title: fmt.Sprintf("Option number %d of many", i), Payload: strings.Repeat("p", 1200)})
	}
	g, a := newGraphAPI(t)
	if _, err := a.Send(context.Background(), outgoing("Pick one", openWindow, buttons...)); err != nil {
		t.Fatal(err)
	}
	qrs := g.bodies[0]["message"].(map[string]any)["quick_replies"].([]any)
	if len(qrs) != MaxQuickReplies {
		t.Fatalf("%d quick replies, want %d", len(qrs), MaxQuickReplies)
	}
	for i, q := range qrs {
		q := q.(map[string]any)
		title, payload := q["title"].(string), q["payload"].(string)
		if n := utf8.RuneCountInString(title); n != MaxQuickReplyTitle || !strings.HasPrefix(title, "Option number") {
			t.Errorf("quick reply %d: title %q (%d runes)", i, title, n)
		}
		if n := utf8.RuneCountInString(payload); n != MaxQuickReplyPayload {
			t.Errorf("quick reply %d: payload of %d runes", i, n)
		}
	}
	if qrs[12].(map[string]any)["title"] != "Option number 12 of…" {
		t.Errorf("the 13th quick reply is %v; the first 13 are kept in order", qrs[12])
	}
}

func TestSendClassifiesAnswers(t *testing.T) {
	metaError := func(code, subcode int, msg string) string {
		return fmt.Sprintf(`{"error":{"message":%q,"type":"OAuthException","code":%d,"error_subcode":%d,"fbtrace_id":"AbCdEfGh123"}}`, msg, code, subcode)
	}
	tests := []struct {
		name       string
		answer     answer
		retry      bool
		retryAfter time.Duration
		reason     []string // each must be in the reason
	}{
		{"HTTP 429 with Retry-After", answer{status: 429, header: map[string]string{"Retry-After": "7"}, body: metaError(4, 0, "(#4) Application request limit reached")}, true, 7 * time.Second, []string{"rate limited", "Meta error 4"}},
		{"HTTP 429 without a body", answer{status: 429, body: ""}, true, 0, []string{"rate limited", "HTTP 429"}},
		{"rate limit code 613", answer{status: 400, body: metaError(613, 0, "Calls to this API have exceeded the rate limit.")}, true, 0, []string{"rate limited", "613"}},
		{"page limit code 32", answer{status: 403, body: metaError(32, 0, "Page request limit reached")}, true, 0, []string{"rate limited", "32"}},
		{"user limit code 17", answer{status: 400, body: metaError(17, 0, "User request limit reached")}, true, 0, []string{"rate limited"}},
		{"HTTP 500", answer{status: 500, body: metaError(2, 0, "An unexpected error has occurred. Please retry your request later.")}, true, 0, []string{"Meta failed for now", "Meta error 2"}},
		{"HTTP 503 not JSON", answer{status: 503, body: "<html>down</html>"}, true, 0, []string{"HTTP 503"}},
		{"temporary send failure 1200", answer{status: 400, body: metaError(1200, 0, "Temporary send message failure. Please try again later")}, true, 0, []string{"1200"}},
		{"outside the window", answer{status: 400, body: metaError(10, 2018278, "(#10) This message is sent outside of allowed window.")}, false, 0, []string{"outside Messenger's messaging window", "10/2018278", "AbCdEfGh123"}},
		{"person unavailable", answer{status: 400, body: metaError(551, 1545041, "This person isn't available right now.")}, false, 0, []string{"cannot be reached", "551"}},
		{"invalid token", answer{status: 400, body: metaError(190, 460, "Error validating access token")}, false, 0, []string{"access token", "190"}},
		{"other 400", answer{status: 400, body: metaError(100, 2018001, "(#100) No matching user found")}, false, 0, []string{"Meta refused the message", "100/2018001", "No matching user found"}},
		{"200 without message_id", answer{status: 200, body: `{"recipient_id":"` + customer + `"}`}, false, 0, []string{"without a message_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, a := newGraphAPI(t, tt.answer)
			id, err := a.Send(context.Background(), outgoing("hello", openWindow))
			var se *baton.SendError
			if !errors.As(err, &se) {
				t.Fatalf("Send = %q, %v; want a *baton.SendError", id, err)
			}
			if id != "" || g.calls() != 1 {
				t.Errorf("id %q, %d calls", id, g.calls())
			}
			if se.Retry != tt.retry || se.RetryAfter != tt.retryAfter {
				t.Errorf("Retry = %v, RetryAfter = %v; want %v, %v", se.Retry, se.RetryAfter, tt.retry, tt.retryAfter)
			}
			for _, s := range tt.reason {
				if !strings.Contains(se.Reason, s) {
					t.Errorf("reason %q lacks %q", se.Reason, s)
				}
			}
			if strings.Contains(err.Error(), testPageToken) {
				t.Error("the error shows the page token")
			}
		})
	}
}

func TestSendClosedWindowNeverCallsMeta(t *testing.T) {
	g, a := newGraphAPI(t)
	reason := "the customer last wrote 200h0m0s ago; Messenger lets a person reply for 7 days after the customer's last message"
	for _, w := range []baton.ReplyWindow{{Reason: reason}, {}} {
		_, err := a.Send(context.Background(), outgoing("hello", w))
		var se *baton.SendError
		if !errors.As(err, &se) || se.Retry || se.Reason == "" {
			t.Fatalf("Send = %v; want a final SendError with a reason", err)
		}
		if w.Reason != "" && se.Reason != reason {
			t.Errorf("reason %q, want the window's", se.Reason)
		}
	}
	if g.calls() != 0 {
		t.Fatalf("a closed window called the Send API %d times", g.calls())
	}
}

func TestSendRefusesWhatItCannotSend(t *testing.T) {
	g, a := newGraphAPI(t)
	whatsapp := outgoing("hi", openWindow)
	whatsapp.Delivery.Channel = baton.ChannelWhatsApp
	otherAccount := outgoing("hi", openWindow)
	otherAccount.Delivery.Account = "help-page"
	noUser := outgoing("hi", openWindow)
	noUser.Delivery.UserID = ""
	template := outgoing("", baton.ReplyWindow{Open: true})
	template.Template = &baton.Template{Name: "order_update", Language: "en"}
	for name, out := range map[string]*baton.Outgoing{
		"nil": nil, "no delivery": {Text: "hi", Window: openWindow}, "no user": noUser,
		"whatsapp delivery": whatsapp, "other account": otherAccount, "template only": template,
		"blank text": outgoing(" \n", openWindow),
	} {
		_, err := a.Send(context.Background(), out)
		var se *baton.SendError
		if !errors.As(err, &se) || se.Retry {
			t.Errorf("%s: %v; want a final SendError", name, err)
		}
	}
	if g.calls() != 0 {
		t.Fatalf("%d calls", g.calls())
	}
}

func TestSendSplitsLongText(t *testing.T) {
	para := strings.Repeat("word ", 300) // 1500 characters
	text := strings.TrimSpace(para) + "\n\n" + strings.TrimSpace(para) + "\n\n" + strings.TrimSpace(para)
	g, a := newGraphAPI(t)
	id, err := a.Send(context.Background(), outgoing(text, agentWindow, baton.Button{Title: "Thanks", Payload: "thanks"}))
	if err != nil {
		t.Fatal(err)
	}
	if g.calls() != 3 || id != "m_sent_3" {
		t.Fatalf("%d calls, id %q; want 3 and the last id", g.calls(), id)
	}
	var joined []string
	for i, b := range g.bodies {
		m := b["message"].(map[string]any)
		joined = append(joined, m["text"].(string))
		if _, ok := m["quick_replies"]; ok != (i == 2) {
			t.Errorf("part %d: quick replies %v; they belong on the last part only", i+1, ok)
		}
		if b["messaging_type"] != "MESSAGE_TAG" || b["tag"] != "HUMAN_AGENT" {
			t.Errorf("part %d: %v %v", i+1, b["messaging_type"], b["tag"])
		}
	}
	if strings.Join(joined, "\n\n") != text {
		t.Error("the parts do not add up to the text")
	}
}

func TestSendLaterPartFails(t *testing.T) {
	text := strings.Repeat("a", MaxTextLength) + " " + "tail"
	g, a := newGraphAPI(t, answer{status: 200, body: `{"recipient_id":"1","message_id":"m_1"}`}, answer{status: 500, body: `{}`})
	_, err := a.Send(context.Background(), outgoing(text, openWindow))
	var se *baton.SendError
	if !errors.As(err, &se) || !se.Retry || !strings.Contains(se.Reason, "part 2 of 2") {
		t.Fatalf("Send = %v", err)
	}
	if g.calls() != 2 {
		t.Fatalf("%d calls", g.calls())
	}
}

func TestSendNetworkFailures(t *testing.T) {
	t.Run("nobody listening", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		a := mustAccount(t, Config{Name: "shop-page", PageID: shopPage, APIBase: srv.URL + "/v21.0"})
		_, err := a.Send(context.Background(), outgoing("hello", openWindow))
		var se *baton.SendError
		if !errors.As(err, &se) || !se.Retry {
			t.Fatalf("Send = %v; want a retry", err)
		}
		if strings.Contains(err.Error(), testPageToken) || strings.Contains(err.Error(), "access_token") {
			t.Errorf("the error shows the request URL: %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
		defer srv.Close()
		defer close(release)
		a := mustAccount(t, Config{Name: "shop-page", PageID: shopPage, APIBase: srv.URL + "/v21.0"})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := a.Send(ctx, outgoing("hello", openWindow))
		var se *baton.SendError
		if !errors.As(err, &se) || !se.Retry || !strings.Contains(se.Reason, "timed out") {
			t.Fatalf("Send = %v; want a retry after a timeout", err)
		}
		if strings.Contains(err.Error(), testPageToken) {
			t.Error("the error shows the page token")
		}
	})
	t.Run("redirect is not followed", func(t *testing.T) {
		var hits int
		elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
		defer elsewhere.Close()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		}))
		defer srv.Close()
		for _, client := range []*http.Client{nil, http.DefaultClient} {
			a, err := New(Config{Name: "shop-page", PageID: shopPage, AppSecret: testSecret, VerifyToken: testVerifyToken,
				PageAccessToken: testPageToken, APIBase: srv.URL + "/v21.0"}, client, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Send(context.Background(), outgoing("hello", openWindow)); err == nil {
				t.Fatal("a redirect counted as sent")
			}
		}
		if hits != 0 {
			t.Fatal("the page token was carried to another host")
		}
		if http.DefaultClient.CheckRedirect != nil {
			t.Fatal("New changed the client it was given")
		}
	})
}

// Neither logs nor errors show the page token or the message text.
func TestSendNeverLeaks(t *testing.T) {
	logger, logs := logBuffer()
	g := &graphAPI{t: t, answers: []answer{
		{status: 400, body: `{"error":{"message":"Invalid token ` + testPageToken + `","code":190}}`},
		{status: 200, body: `{"recipient_id":"1","message_id":"m_ok"}`},
	}}
	srv := httptest.NewServer(g)
	defer srv.Close()
	a, err := New(Config{Name: "shop-page", PageID: shopPage, AppSecret: testSecret, VerifyToken: testVerifyToken,
		PageAccessToken: testPageToken, APIBase: srv.URL + "/v21.0"}, nil, logger)
	if err != nil {
		t.Fatal(err)
	}
	_, err1 := a.Send(context.Background(), outgoing("my secret order details", openWindow))
	_, err2 := a.Send(context.Background(), outgoing("my secret order details", openWindow))
	if err1 == nil || err2 != nil {
		t.Fatalf("errors %v, %v", err1, err2)
	}
	if logs.String() == "" {
		t.Fatal("nothing was logged: the test proves nothing")
	}
	for _, s := range []string{logs.String(), err1.Error()} {
		if strings.Contains(s, testPageToken) || strings.Contains(s, "secret order") {
			t.Errorf("leak: %s", s)
		}
	}
}

func TestNewChecksConfig(t *testing.T) {
	ok := Config{Name: "shop-page", PageID: shopPage, AppSecret: "s", VerifyToken: "v", PageAccessToken: "t"}
	if a, err := New(ok, nil, nil); err != nil || a.base != DefaultAPIBase || a.Name() != "shop-page" || a.PageID() != shopPage {
		t.Fatalf("New = %+v, %v", a, err)
	}
	for name, change := range map[string]func(*Config){
		"no name":         func(c *Config) { c.Name = " " },
		"no page":         func(c *Config) { c.PageID = "" },
		"page not an id":  func(c *Config) { c.PageID = "../me" },
		"no secret":       func(c *Config) { c.AppSecret = "" },
		"no verify token": func(c *Config) { c.VerifyToken = "" },
		"no page token":   func(c *Config) { c.PageAccessToken = "" },
		"relative base":   func(c *Config) { c.APIBase = "graph.facebook.com/v21.0" },
		"base with query": func(c *Config) { c.APIBase = "https://graph.facebook.com/v21.0?x=1" },
		"ftp base":        func(c *Config) { c.APIBase = "ftp://graph.facebook.com" },
	} {
		c := ok
		change(&c)
		if _, err := New(c, nil, nil); err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), "t\"") || strings.Contains(err.Error(), "\"s\"") {
			t.Errorf("%s: the error shows a secret: %v", name, err)
		}
	}
}

func TestSplitText(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		limit int
		want  []string
	}{
		{"short", "hello", 10, []string{"hello"}},
		{"exactly the limit", "0123456789", 10, []string{"0123456789"}},
		{"at a space", "hello world again", 12, []string{"hello world", "again"}},
		{"paragraph first", "aaaaaaa\n\nbb cc dd", 12, []string{"aaaaaaa", "bb cc dd"}},
		{"line before space", "aaaaa bb\ncc dd", 10, []string{"aaaaa bb", "cc dd"}},
		{"no break: hard cut", "abcdefghijklmno", 6, []string{"abcdef", "ghijkl", "mno"}},
		{"break too early: hard cut", "a bcdefghijk", 6, []string{"a bcde", "fghijk"}},
		{"surrogate pairs count twice", "😀😀😀😀", 4, []string{"😀😀", "😀😀"}},
		{"never a broken rune", "éééé", 3, []string{"ééé", "é"}},
		{"whitespace parts dropped", "abc\n\n\n\n\n\n\n\n", 4, []string{"abc"}},
		{"limit narrower than a rune", "😀a", 1, []string{"😀", "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitText(tt.in, tt.limit)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("splitText(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int
		mark string
		want string
	}{
		{"short", 20, "…", "short"},
		{"exactly twenty runes", 20, "…", "exactly twenty runes"},
		{"twenty-one runes here", 20, "…", "twenty-one runes he…"},
		{"ááááá", 3, "", "ááá"},
	} {
		if got := truncate(tt.in, tt.n, tt.mark); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"30":                            30 * time.Second,
		"0":                             0,
		"-4":                            0,
		"soon":                          0,
		"999999999999":                  0,
		"Wed, 01 Jan 2025 12:01:00 GMT": time.Minute,
		"Wed, 01 Jan 2025 11:00:00 GMT": 0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}
