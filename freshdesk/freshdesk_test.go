package freshdesk_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/freshdesk"
)

const apiKey = "sFJ3bLr9Qp2xYc7TzK1m"

// request is what the fake Freshdesk received.
type request struct {
	method, path string
	body         map[string]any
	raw          string
}

// fakeFreshdesk checks what every API v2 request must have, records the
// requests and answers with answer.
type fakeFreshdesk struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []request
	answer func(w http.ResponseWriter, r *http.Request)
}

func newFake(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) *fakeFreshdesk {
	f := &fakeFreshdesk{t: t, answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeFreshdesk) serve(w http.ResponseWriter, r *http.Request) {
	t := f.t
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if ua := r.Header.Get("User-Agent"); ua != "Baton" {
		t.Errorf("User-Agent %q, want Baton", ua)
	}
	// Freshdesk's scheme: Basic with the API key as the user name, "X" as
	// the password.
	user, pass, ok := r.BasicAuth()
	if !ok || user != apiKey || pass != "X" {
		t.Errorf("Authorization %q: user %q password %q, want the API key and X", r.Header.Get("Authorization"), user, pass)
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Errorf("body is not a JSON object: %v\n%s", err, raw)
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, request{r.Method, r.URL.Path, body, string(raw)})
	f.mu.Unlock()
	f.answer(w, r)
}

func (f *fakeFreshdesk) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

func (f *fakeFreshdesk) client(t *testing.T, cfg freshdesk.Config) *freshdesk.Client {
	t.Helper()
	cfg.BaseURL = f.srv.URL
	cfg.APIKey = apiKey
	c, err := freshdesk.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// answers answers as Freshdesk's documentation shows: 201 with the new
// ticket or note, 200 with the updated ticket.
func answers(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v2/tickets":
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"cc_emails": [], "fwd_emails": [], "reply_cc_emails": [], "email_config_id": null,
			"fr_escalated": false, "group_id": null, "priority": 1, "requester_id": 129, "responder_id": null,
			"source": 2, "spam": false, "status": 2, "subject": "Support Needed...", "company_id": 1, "id": 1,
			"type": null, "to_emails": null, "product_id": null, "created_at": "2015-07-09T13:08:06Z",
			"updated_at": "2015-07-09T13:08:06Z", "due_by": "2015-07-14T13:08:06Z", "fr_due_by": "2015-07-10T13:08:06Z",
			"is_escalated": false, "description": "<div>Details about the issue...</div>",
			"description_text": "Details about the issue...", "custom_fields": {"category": "Primary"},
			"tags": [], "attachments": []}`)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/notes"):
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"body": "<div>Hi tom, Still Angry</div>", "body_text": "Hi tom, Still Angry", "id": 13,
			"incoming": false, "private": true, "user_id": 1, "support_email": null, "ticket_id": 20,
			"to_emails": null, "attachments": [], "created_at": "2015-07-09T13:08:06Z", "updated_at": "2015-07-09T13:08:06Z"}`)
	case r.Method == http.MethodPut:
		io.WriteString(w, `{"id": 20, "status": 4, "priority": 2, "source": 7, "subject": "Charged twice"}`)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

var t0 = time.Date(2025, 3, 13, 23, 58, 0, 0, time.UTC)

// helpdeskTicket is Dana's billing question, asked on WhatsApp at night.
func helpdeskTicket() *baton.HelpdeskTicket {
	expected := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	return &baton.HelpdeskTicket{
		Ticket: &baton.Ticket{
			ID: "t_1", ConversationID: "c_1", Department: "billing", Priority: baton.PriorityHigh,
			Status: baton.TicketOpen, Subject: "Charged twice for order 4821", Trigger: baton.TriggerText,
			Details:    map[string]string{"order_number": "4821", "amount": "₪120 & tax"},
			ExpectedBy: &expected, CreatedAt: t0.Add(3 * time.Minute),
		},
		Customer: baton.Contact{Name: "דנה לוי", Email: "dana@example.com", Phone: "+972501234567"},
		Channel:  baton.ChannelWhatsApp,
		Locale:   "he",
		Summary:  "The customer was charged twice for order 4821.\nThey want a refund.",
		Transcript: []baton.Message{
			{Author: baton.AuthorCustomer, Text: "חויבתי פעמיים על הזמנה 4821", CreatedAt: t0},
			{Author: baton.AuthorBot, Text: "Sorry about that! What is your order number?", CreatedAt: t0.Add(time.Minute)},
			{Author: baton.AuthorCustomer, Payload: "topic:billing", CreatedAt: t0.Add(90 * time.Second)},
			{Author: baton.AuthorAgent, Text: "note: check the payment gateway", Private: true, CreatedAt: t0.Add(100 * time.Second)},
			{Author: baton.AuthorCustomer, Text: "4821 <script>alert(1)</script>\nthanks", CreatedAt: t0.Add(2 * time.Minute)},
			{Author: baton.AuthorSystem, Text: "Our team is offline; we will answer by 09:00.", CreatedAt: t0.Add(3 * time.Minute)},
		},
		URL: "https://baton.acme.example/inbox/c_1?tab=a&b=1",
	}
}

func TestCreateTicket(t *testing.T) {
	f := newFake(t, answers)
	c := f.client(t, freshdesk.Config{GroupIDs: map[string]int64{"billing": 5000012345}, Tags: []string{"baton", "whatsapp"}})
	id, err := c.CreateTicket(context.Background(), helpdeskTicket())
	if err != nil {
		t.Fatal(err)
	}
	if id != "1" {
		t.Errorf("id %q, want 1 from the answer", id)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/api/v2/tickets" {
		t.Errorf("%s %s, want POST /api/v2/tickets", r.method, r.path)
	}
	want := map[string]any{
		"subject": "Charged twice for order 4821",
		"description": `<p>The customer was charged twice for order 4821.<br>They want a refund.</p>
<p>Customer: דנה לוי, dana@example.com, +972501234567<br>Channel: whatsapp<br>Department: billing<br>Answer promised by: 2025-03-14 09:00 UTC<br>Baton ticket: t_1</p>
<p><strong>Details</strong></p>
<ul>
<li>amount: ₪120 &amp; tax</li>
<li>order_number: 4821</li>
</ul>
<p><strong>Conversation</strong> (times in UTC)</p>
<p><em>2025-03-13</em><br>
[23:58] <strong>דנה לוי</strong>: חויבתי פעמיים על הזמנה 4821<br>
[23:59] <strong>Bot</strong>: Sorry about that! What is your order number?<br>
</p>
<p><em>2025-03-14</em><br>
[00:00] <strong>דנה לוי</strong>: 4821 &lt;script&gt;alert(1)&lt;/script&gt;<br>thanks<br>
[00:01] <strong>System</strong>: Our team is offline; we will answer by 09:00.<br>
</p>
<p><a href="https://baton.acme.example/inbox/c_1?tab=a&amp;b=1">Open the conversation in Baton</a></p>`,
		"name":     "דנה לוי",
		"email":    "dana@example.com",
		"priority": float64(3),
		"status":   float64(2),
		"source":   float64(7),
		"tags":     []any{"baton", "whatsapp"},
		"group_id": float64(5000012345),
	}
	if !reflect.DeepEqual(r.body, want) {
		gotJSON, _ := json.MarshalIndent(r.body, "", "  ")
		wantJSON, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("body:\n%s\nwant:\n%s", gotJSON, wantJSON)
	}
	if strings.Contains(r.raw, "<script>") {
		t.Errorf("the customer's <script> reached Freshdesk as HTML:\n%s", r.raw)
	}
	if !strings.Contains(r.raw, "חויבתי פעמיים") {
		t.Errorf("raw body lost the Hebrew text:\n%s", r.raw)
	}
}

func TestCreateTicketFields(t *testing.T) {
	tests := []struct {
		name string
		edit func(*baton.HelpdeskTicket)
		want map[string]any // fields to check; nil wants the field left out
	}{
		{"low", func(h *baton.HelpdeskTicket) { h.Ticket.Priority = baton.PriorityLow }, map[string]any{"priority": float64(1)}},
		{"normal", func(h *baton.HelpdeskTicket) { h.Ticket.Priority = baton.PriorityNormal }, map[string]any{"priority": float64(2)}},
		{"high", func(h *baton.HelpdeskTicket) { h.Ticket.Priority = baton.PriorityHigh }, map[string]any{"priority": float64(3)}},
		{"urgent", func(h *baton.HelpdeskTicket) { h.Ticket.Priority = baton.PriorityUrgent }, map[string]any{"priority": float64(4)}},
		{"no priority goes as medium", func(h *baton.HelpdeskTicket) { h.Ticket.Priority = "" }, map[string]any{"priority": float64(2)}},
		{"department without a group", func(h *baton.HelpdeskTicket) { h.Ticket.Department = "sales" }, map[string]any{"group_id": nil}},
		{"phone alone needs a name", func(h *baton.HelpdeskTicket) { h.Customer.Email = "" },
			map[string]any{"email": nil, "phone": "+972501234567", "name": "דנה לוי", "unique_external_id": nil}},
		{"phone alone without a name", func(h *baton.HelpdeskTicket) { h.Customer.Email, h.Customer.Name = "", "" },
			map[string]any{"phone": "+972501234567", "name": "+972501234567"}},
		{"malformed email: the phone instead", func(h *baton.HelpdeskTicket) { h.Customer.Email = "dana at example.com" },
			map[string]any{"email": nil, "phone": "+972501234567", "name": "דנה לוי"}},
		{"email without a name", func(h *baton.HelpdeskTicket) { h.Customer.Name = "" },
			map[string]any{"email": "dana@example.com", "name": nil, "phone": nil}},
		{"neither email nor phone", func(h *baton.HelpdeskTicket) { h.Customer = baton.Contact{} },
			map[string]any{"email": nil, "phone": nil, "unique_external_id": "baton:c_1", "name": "Baton customer c_1"}},
		{"subject from the summary", func(h *baton.HelpdeskTicket) { h.Ticket.Subject = "" },
			map[string]any{"subject": "The customer was charged twice for order 4821."}},
		{"no tags", func(*baton.HelpdeskTicket) {}, map[string]any{"tags": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, answers)
			c := f.client(t, freshdesk.Config{GroupIDs: map[string]int64{"billing": 7}})
			h := helpdeskTicket()
			tt.edit(h)
			if _, err := c.CreateTicket(context.Background(), h); err != nil {
				t.Fatal(err)
			}
			body := f.requests()[0].body
			for k, want := range tt.want {
				got, ok := body[k]
				if want == nil && ok {
					t.Errorf("%s = %#v, want it left out", k, got)
				}
				if want != nil && !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", k, got, want)
				}
			}
		})
	}
}

func TestCreateTicketLongConversation(t *testing.T) {
	f := newFake(t, answers)
	c := f.client(t, freshdesk.Config{})
	h := helpdeskTicket()
	h.Transcript = nil
	for i := range 400 {
		h.Transcript = append(h.Transcript, baton.Message{
			Author: baton.AuthorCustomer, CreatedAt: t0.Add(time.Duration(i) * time.Hour),
			Text: "<" + strings.Repeat("ש", 200) + "> #" + strconv.Itoa(i),
		})
	}
	if _, err := c.CreateTicket(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	d := f.requests()[0].body["description"].(string)
	if len(d) > 60<<10 {
		t.Errorf("the description has %d bytes, more than 60 KB", len(d))
	}
	for _, want := range []string{"#399<br>", "earlier messages left out", "charged twice", "Open the conversation in Baton</a></p>"} {
		if !strings.Contains(d, want) {
			t.Errorf("the description lacks %q", want)
		}
	}
	if strings.Contains(d, "#0<br>") {
		t.Error("the description kept the oldest message over the newest")
	}
	if strings.Count(d, "<p>") != strings.Count(d, "</p>") {
		t.Error("the description's paragraphs are not closed")
	}
}

func TestUpdateTicket(t *testing.T) {
	at := time.Date(2025, 3, 14, 9, 12, 0, 0, time.UTC)
	tests := []struct {
		name         string
		u            *baton.TicketUpdate
		method, path string
		want         map[string]any
	}{
		{"agent replied", &baton.TicketUpdate{Kind: baton.TicketAgentReplied, Author: "Sam <sam@acme>", Text: "Refunded ₪120.\n<b>Sorry!</b>", At: at},
			http.MethodPost, "/api/v2/tickets/20/notes",
			map[string]any{"private": true, "body": "<p><strong>Sam &lt;sam@acme&gt;</strong> answered the customer in Baton (2025-03-14 09:12 UTC):</p>\n<p>Refunded ₪120.<br>&lt;b&gt;Sorry!&lt;/b&gt;</p>"}},
		{"resolved", &baton.TicketUpdate{Kind: baton.TicketResolved, At: at},
			http.MethodPut, "/api/v2/tickets/20", map[string]any{"status": float64(4)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, answers)
			c := f.client(t, freshdesk.Config{})
			if err := c.UpdateTicket(context.Background(), "20", tt.u); err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			if r := reqs[0]; r.method != tt.method || r.path != tt.path {
				t.Errorf("%s %s, want %s %s", r.method, r.path, tt.method, tt.path)
			}
			if !reflect.DeepEqual(reqs[0].body, tt.want) {
				t.Errorf("body %#v\nwant %#v", reqs[0].body, tt.want)
			}
		})
	}
}

func TestUpdateTicketRefusesBadInput(t *testing.T) {
	f := newFake(t, answers)
	c := f.client(t, freshdesk.Config{})
	for _, tt := range []struct {
		id string
		u  *baton.TicketUpdate
	}{
		{"", &baton.TicketUpdate{Kind: baton.TicketResolved}},
		{"20/notes", &baton.TicketUpdate{Kind: baton.TicketResolved}},
		{"20", &baton.TicketUpdate{Kind: "reopened"}},
		{"20", nil},
	} {
		err := c.UpdateTicket(context.Background(), tt.id, tt.u)
		if se := sendError(t, err); se.Retry {
			t.Errorf("UpdateTicket(%q, %v) may be retried; it never succeeds", tt.id, tt.u)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for bad input", n)
	}
}

func TestErrors(t *testing.T) {
	now := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		retry      bool
		retryAfter time.Duration
		reason     []string
	}{
		{"rate limited", 429, map[string]string{"Retry-After": "42", "X-Ratelimit-Remaining": "0"}, "",
			true, 42 * time.Second, []string{"429"}},
		{"rate limited until a date", 429, map[string]string{"Retry-After": now.Add(2 * time.Minute).Format(http.TimeFormat)}, "",
			true, 2 * time.Minute, []string{"429"}},
		{"server error", 500, nil, `{"code": "internal_error", "message": "We're sorry, but something went wrong."}`,
			true, 0, []string{"500", "something went wrong"}},
		{"bad gateway", 502, nil, `<html><body><h1>502 Bad Gateway</h1></body></html>`, true, 0, []string{"502 Bad Gateway"}},
		// Freshdesk's documented validation answer.
		{"validation", 400, nil,
			`{"description": "Validation failed", "errors": [{"field": "email", "message": "It should be a valid email address", "code": "invalid_value"}, {"field": "priority", "message": "It should be one of these values: '1,2,3,4'", "code": "invalid_value"}]}`,
			false, 0, []string{"400", "Validation failed; email It should be a valid email address (invalid_value); priority It should be one of"}},
		{"conflict", 409, nil,
			`{"description": "Validation failed", "errors": [{"field": "email", "message": "It should be a unique value", "code": "duplicate_value"}]}`,
			false, 0, []string{"409", "duplicate_value"}},
		{"unauthenticated", 401, nil, `{"code": "invalid_credentials", "message": "You have to be logged in to perform this action."}`,
			false, 0, []string{"401", "You have to be logged in"}},
		{"forbidden", 403, nil, `{"code": "access_denied", "message": "You are not authorized to perform this action."}`,
			false, 0, []string{"403", "not authorized"}},
		{"not found", 404, nil, "", false, 0, []string{"404", "no such ticket, or the domain is wrong"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			c := f.client(t, freshdesk.Config{})
			c.Now = func() time.Time { return now }
			for _, call := range []func() error{
				func() error { _, err := c.CreateTicket(context.Background(), helpdeskTicket()); return err },
				func() error {
					return c.UpdateTicket(context.Background(), "20", &baton.TicketUpdate{Kind: baton.TicketAgentReplied, Text: "hi"})
				},
				func() error {
					return c.UpdateTicket(context.Background(), "20", &baton.TicketUpdate{Kind: baton.TicketResolved})
				},
			} {
				se := sendError(t, call())
				if se.Retry != tt.retry || se.RetryAfter != tt.retryAfter {
					t.Errorf("Retry %v, RetryAfter %s; want %v, %s (%s)", se.Retry, se.RetryAfter, tt.retry, tt.retryAfter, se.Reason)
				}
				for _, want := range tt.reason {
					if !strings.Contains(se.Reason, want) {
						t.Errorf("reason %q lacks %q", se.Reason, want)
					}
				}
			}
		})
	}
}

func TestErrorsNeverShowTheKey(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"code": "invalid_credentials", "message": "bad key `+apiKey+` in `+r.Header.Get("Authorization")+` `+strings.Repeat("x", 2000)+`"}`)
	})
	c := f.client(t, freshdesk.Config{})
	se := sendError(t, c.UpdateTicket(context.Background(), "1", &baton.TicketUpdate{Kind: baton.TicketResolved}))
	enc := base64.StdEncoding.EncodeToString([]byte(apiKey + ":X"))
	if strings.Contains(se.Reason, apiKey) || strings.Contains(se.Reason, enc) {
		t.Errorf("the reason shows the key: %s", se.Reason)
	}
	if !strings.Contains(se.Reason, "[API key]") {
		t.Errorf("reason %q: the echoed key was not replaced", se.Reason)
	}
	if n := len([]rune(se.Reason)); n > 360 {
		t.Errorf("reason of %d characters; the API's message should be cut to about 300", n)
	}
}

func TestCreateTicketWithoutIDIsFinal(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id": "not-a-number"}`)
	})
	c := f.client(t, freshdesk.Config{})
	_, err := c.CreateTicket(context.Background(), helpdeskTicket())
	if se := sendError(t, err); se.Retry {
		t.Error("a 201 without a ticket ID is retried; the ticket may exist and a retry could make two")
	}
}

func TestNetworkErrorIsRetried(t *testing.T) {
	f := newFake(t, answers)
	c := f.client(t, freshdesk.Config{})
	f.srv.Close()
	err := c.UpdateTicket(context.Background(), "20", &baton.TicketUpdate{Kind: baton.TicketResolved})
	se := sendError(t, err)
	if !se.Retry || !strings.Contains(se.Reason, "Freshdesk did not answer") {
		t.Errorf("a closed server: %v, want a retry", se)
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	var followed bool
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed = true
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusMovedPermanently)
	})
	c := f.client(t, freshdesk.Config{})
	_, err := c.CreateTicket(context.Background(), helpdeskTicket())
	if se := sendError(t, err); se.Retry || !strings.Contains(se.Reason, "301") {
		t.Errorf("a redirect: %v, want a final error naming the 301", se)
	}
	if followed {
		t.Error("the redirect was followed with the key")
	}
}

func TestNew(t *testing.T) {
	ok := freshdesk.Config{Domain: "acme.freshdesk.com", APIKey: apiKey}
	tests := []struct {
		name string
		edit func(*freshdesk.Config)
		want string // in the error; "" for none
	}{
		{"domain", func(*freshdesk.Config) {}, ""},
		{"short domain", func(c *freshdesk.Config) { c.Domain = "acme" }, ""},
		{"base URL", func(c *freshdesk.Config) { c.Domain, c.BaseURL = "", "https://acme.freshdesk.com/" }, ""},
		{"loopback http", func(c *freshdesk.Config) { c.Domain, c.BaseURL = "", "http://127.0.0.1:9000" }, ""},
		{"no address", func(c *freshdesk.Config) { c.Domain = "" }, "domain is missing"},
		{"both addresses", func(c *freshdesk.Config) { c.BaseURL = "https://acme.freshdesk.com" }, "not both"},
		{"custom domain", func(c *freshdesk.Config) { c.Domain = "support.acme.com" }, "Freshdesk address"},
		{"URL as domain", func(c *freshdesk.Config) { c.Domain = "https://acme.freshdesk.com" }, "Freshdesk address"},
		{"plain http", func(c *freshdesk.Config) { c.Domain, c.BaseURL = "", "http://acme.freshdesk.com" }, "must use https"},
		{"no host", func(c *freshdesk.Config) { c.Domain, c.BaseURL = "", "https://" }, "base URL"},
		{"no key", func(c *freshdesk.Config) { c.APIKey = "" }, "API key is missing"},
		{"short key", func(c *freshdesk.Config) { c.APIKey = "abc" }, "API key"},
		{"bad group", func(c *freshdesk.Config) { c.GroupIDs = map[string]int64{"billing": -1} }, `department "billing"`},
		{"empty tag", func(c *freshdesk.Config) { c.Tags = []string{" "} }, "tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			_, err := freshdesk.New(cfg, nil)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("New: %v, want an error about %q", err, tt.want)
			}
		})
	}
}

// roundTrip answers requests without a network, recording their URLs.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestDomainAddress(t *testing.T) {
	for _, domain := range []string{"acme", "acme.freshdesk.com", "ACME.Freshdesk.com"} {
		var urls []string
		client := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
			urls = append(urls, r.Method+" "+r.URL.String())
			return &http.Response{StatusCode: http.StatusCreated, Body: io.NopCloser(strings.NewReader(`{"id": 1}`)), Header: http.Header{}}, nil
		})}
		c, err := freshdesk.New(freshdesk.Config{Domain: domain, APIKey: apiKey}, client)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := c.CreateTicket(ctx, helpdeskTicket()); err != nil {
			t.Fatal(err)
		}
		for _, kind := range []baton.TicketUpdateKind{baton.TicketAgentReplied, baton.TicketResolved} {
			if err := c.UpdateTicket(ctx, "1", &baton.TicketUpdate{Kind: kind, Text: "hi"}); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{
			"POST https://acme.freshdesk.com/api/v2/tickets",
			"POST https://acme.freshdesk.com/api/v2/tickets/1/notes",
			"PUT https://acme.freshdesk.com/api/v2/tickets/1",
		}
		if !reflect.DeepEqual(urls, want) {
			t.Errorf("domain %q: requests %q, want %q", domain, urls, want)
		}
	}
}

func sendError(t *testing.T, err error) *baton.SendError {
	t.Helper()
	var se *baton.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T), want a *baton.SendError", err, err)
	}
	return se
}
