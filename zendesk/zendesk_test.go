package zendesk_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/zendesk"
)

const (
	agentEmail = "api@acme.example"
	apiToken   = "6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv"
)

// request is what the fake Zendesk received.
type request struct {
	method, path string
	query        url.Values
	rawQuery     string
	header       http.Header
	body         map[string]any
	raw          string
}

// fakeZendesk checks what every Tickets API request must have, records
// the requests and answers with lookup the listing of tickets
// (GET /api/v2/tickets.json), with answer anything else.
type fakeZendesk struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []request
	answer func(w http.ResponseWriter, r *http.Request)
	// lookup is noTickets unless a test sets it before its first call.
	lookup func(w http.ResponseWriter, r *http.Request)
}

func newFake(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) *fakeZendesk {
	f := &fakeZendesk{t: t, answer: answer, lookup: noTickets}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeZendesk) serve(w http.ResponseWriter, r *http.Request) {
	t := f.t
	// Only a request with a body says what it is.
	withBody := r.Method != http.MethodGet
	if ct, ok := r.Header["Content-Type"]; withBody && (len(ct) != 1 || ct[0] != "application/json") {
		t.Errorf("%s: Content-Type %q, want application/json", r.Method, ct)
	} else if !withBody && ok {
		t.Errorf("%s: Content-Type %q, want none", r.Method, ct)
	}
	if a := r.Header.Get("Accept"); a != "application/json" {
		t.Errorf("Accept %q, want application/json", a)
	}
	if ua := r.Header.Get("User-Agent"); ua != "Baton" {
		t.Errorf("User-Agent %q, want Baton", ua)
	}
	// Zendesk's API token scheme: Basic base64("{email}/token:{api_token}").
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Basic ")
	creds, err := base64.StdEncoding.DecodeString(auth)
	if !ok || err != nil || string(creds) != agentEmail+"/token:"+apiToken {
		t.Errorf("Authorization %q decodes to %q, want %q", r.Header.Get("Authorization"), creds, agentEmail+"/token:"+apiToken)
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if withBody {
		if err := json.Unmarshal(raw, &body); err != nil || body == nil {
			t.Errorf("%s: body is not a JSON object: %v\n%s", r.Method, err, raw)
		}
	} else if len(raw) != 0 || r.ContentLength > 0 || len(r.TransferEncoding) > 0 {
		t.Errorf("%s with a body: %q", r.Method, raw)
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, request{r.Method, r.URL.Path, r.URL.Query(), r.URL.RawQuery, r.Header.Clone(), body, string(raw)})
	f.mu.Unlock()
	if r.Method == http.MethodGet && r.URL.Path == "/api/v2/tickets.json" {
		f.lookup(w, r)
		return
	}
	f.answer(w, r)
}

func (f *fakeZendesk) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

// writes is the requests but the lookups.
func (f *fakeZendesk) writes() []request {
	var w []request
	for _, r := range f.requests() {
		if r.method != http.MethodGet {
			w = append(w, r)
		}
	}
	return w
}

func (f *fakeZendesk) client(t *testing.T, cfg zendesk.Config) *zendesk.Client {
	t.Helper()
	cfg.BaseURL = f.srv.URL
	if cfg.Email == "" {
		cfg.Email = agentEmail
	}
	if cfg.APIToken == "" {
		cfg.APIToken = apiToken
	}
	c, err := zendesk.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// created answers as Zendesk's Create Ticket example does: 201, a
// Location, and the ticket.
func created(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Location", "https://example.zendesk.com/api/v2/tickets/35436.json")
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, `{"ticket": {"id": 35436, "url": "https://example.zendesk.com/api/v2/tickets/35436.json",
		"subject": "Help, my printer is on fire!", "priority": "urgent", "status": "new",
		"requester_id": 20978392, "external_id": "t_1", "created_at": "2009-07-20T22:55:29Z"},
		"audit": {"id": 1, "events": []}}`)
}

// noTickets is List Tickets' answer when no ticket has the external_id.
func noTickets(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	io.WriteString(w, `{"tickets": [], "next_page": null, "previous_page": null, "count": 0}`)
}

// listed answers List Tickets with tickets of these IDs and the
// external_id asked for, as Zendesk's example does.
func listed(ids ...int64) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		var tickets []map[string]any
		for _, id := range ids {
			tickets = append(tickets, map[string]any{
				"id": id, "url": "https://example.zendesk.com/api/v2/tickets/" + strconv.FormatInt(id, 10) + ".json",
				"external_id": r.URL.Query().Get("external_id"), "subject": "Charged twice for order 4821", "status": "new",
			})
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(map[string]any{"tickets": tickets, "next_page": nil, "previous_page": nil, "count": len(tickets)})
	}
}

func updated(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"ticket": {"id": 35436, "status": "solved"}, "audit": {"events": []}}`)
}

var t0 = time.Date(2025, 3, 13, 23, 58, 0, 0, time.UTC)

// helpdeskTicket is Dana's billing question, asked on WhatsApp at night.
func helpdeskTicket() *baton.HelpdeskTicket {
	expected := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	return &baton.HelpdeskTicket{
		Ticket: &baton.Ticket{
			ID: "t_1", ConversationID: "c_1", Department: "billing", Priority: baton.PriorityHigh,
			Status: baton.TicketOpen, Subject: "Charged twice for order 4821", Trigger: baton.TriggerText,
			Details:    map[string]string{"order_number": "4821", "amount": "₪120"},
			ExpectedBy: &expected, CreatedAt: t0.Add(3 * time.Minute),
		},
		Customer: baton.Contact{Name: "דנה לוי", Email: "dana@example.com", Phone: "+972501234567"},
		Channel:  baton.ChannelWhatsApp,
		Locale:   "he",
		Summary:  "The customer was charged twice for order 4821 and wants a refund.",
		Transcript: []baton.Message{
			{Author: baton.AuthorCustomer, Text: "חויבתי פעמיים על הזמנה 4821", CreatedAt: t0},
			{Author: baton.AuthorBot, Text: "Sorry about that! What is your order number?", CreatedAt: t0.Add(time.Minute)},
			{Author: baton.AuthorCustomer, Payload: "topic:billing", CreatedAt: t0.Add(90 * time.Second)},
			{Author: baton.AuthorAgent, Text: "note: check the payment gateway", Private: true, CreatedAt: t0.Add(100 * time.Second)},
			{Author: baton.AuthorCustomer, Text: "4821 <script>alert(1)</script>", CreatedAt: t0.Add(2 * time.Minute)},
			{Author: baton.AuthorSystem, Text: "Our team is offline; we will answer by 09:00.", CreatedAt: t0.Add(3 * time.Minute)},
		},
		URL: "https://baton.acme.example/inbox/c_1",
	}
}

func TestCreateTicket(t *testing.T) {
	f := newFake(t, created)
	c := f.client(t, zendesk.Config{GroupIDs: map[string]int64{"billing": 360001234567}, Tags: []string{"baton", "whatsapp"}})
	id, err := c.CreateTicket(context.Background(), helpdeskTicket())
	if err != nil {
		t.Fatal(err)
	}
	if id != "35436" {
		t.Errorf("id %q, want 35436 from the answer", id)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want the lookup and the POST", len(reqs))
	}
	if l := reqs[0]; l.method != http.MethodGet || l.path != "/api/v2/tickets.json" || l.rawQuery != "external_id=t_1" {
		t.Errorf("%s %s?%s, want GET /api/v2/tickets.json?external_id=t_1", l.method, l.path, l.rawQuery)
	}
	r := reqs[1]
	if r.method != http.MethodPost || r.path != "/api/v2/tickets.json" {
		t.Errorf("%s %s, want POST /api/v2/tickets.json", r.method, r.path)
	}
	want := map[string]any{"ticket": map[string]any{
		"subject": "Charged twice for order 4821",
		"comment": map[string]any{
			"public": false,
			"body": `The customer was charged twice for order 4821 and wants a refund.

Customer: דנה לוי, dana@example.com, +972501234567
Channel: whatsapp
Department: billing
Answer promised by: 2025-03-14 09:00 UTC
Baton ticket: t_1

Details:
- amount: ₪120
- order_number: 4821

Conversation (times in UTC):
2025-03-13
[23:58] דנה לוי: חויבתי פעמיים על הזמנה 4821
[23:59] Bot: Sorry about that! What is your order number?
2025-03-14
[00:00] דנה לוי: 4821 <script>alert(1)</script>
[00:01] System: Our team is offline; we will answer by 09:00.

Open the conversation in Baton: https://baton.acme.example/inbox/c_1`,
		},
		"requester":   map[string]any{"name": "דנה לוי", "email": "dana@example.com"},
		"priority":    "high",
		"group_id":    float64(360001234567),
		"tags":        []any{"baton", "whatsapp"},
		"external_id": "t_1",
	}}
	if !reflect.DeepEqual(r.body, want) {
		gotJSON, _ := json.MarshalIndent(r.body, "", "  ")
		wantJSON, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("body:\n%s\nwant:\n%s", gotJSON, wantJSON)
	}
	// Hebrew goes as UTF-8, not as \u escapes Zendesk would also take.
	if !strings.Contains(r.raw, "חויבתי פעמיים") {
		t.Errorf("raw body lost the Hebrew text:\n%s", r.raw)
	}
}

// The outbox calls CreateTicket again when an answer was lost; the
// lookup by external_id keeps that from making a second ticket.
func TestCreateTicketLooksUpExternalID(t *testing.T) {
	f := newFake(t, created)
	c := f.client(t, zendesk.Config{})
	h := helpdeskTicket()
	h.Ticket.ID = "t 1&status=open#x+y/é"
	if _, err := c.CreateTicket(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[0].method != http.MethodGet || reqs[1].method != http.MethodPost {
		t.Fatalf("%d requests, want a GET then a POST", len(reqs))
	}
	l := reqs[0]
	if want := "external_id=t+1%26status%3Dopen%23x%2By%2F%C3%A9"; l.rawQuery != want {
		t.Errorf("query %q, want %q", l.rawQuery, want)
	}
	if want := (url.Values{"external_id": {h.Ticket.ID}}); !reflect.DeepEqual(l.query, want) {
		t.Errorf("query %v, want %v", l.query, want)
	}
	if got := reqs[1].body["ticket"].(map[string]any)["external_id"]; got != h.Ticket.ID {
		t.Errorf("external_id %q posted, want %q", got, h.Ticket.ID)
	}
}

func TestCreateTicketFindsExistingTicket(t *testing.T) {
	tests := []struct {
		name   string
		lookup func(http.ResponseWriter, *http.Request)
		want   string // "" when a ticket must be created
	}{
		{"one", listed(35436), "35436"},
		{"two: the oldest wins", listed(90071992547409931, 35437, 35436, 40000), "35436"},
		{"another external_id is not ours", func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, `{"tickets": [{"id": 7, "external_id": "t_10"}, {"id": 8, "external_id": null}], "next_page": null, "previous_page": null, "count": 2}`)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, created)
			f.lookup = tt.lookup
			c := f.client(t, zendesk.Config{})
			id, err := c.CreateTicket(context.Background(), helpdeskTicket())
			if err != nil {
				t.Fatal(err)
			}
			posts := f.writes()
			switch {
			case tt.want == "" && (id != "35436" || len(posts) != 1):
				t.Errorf("id %q after %d POSTs, want 35436 from one POST", id, len(posts))
			case tt.want != "" && (id != tt.want || len(posts) != 0):
				t.Errorf("id %q after %d POSTs, want %s and no POST", id, len(posts), tt.want)
			}
			if n := len(f.requests()) - len(posts); n != 1 {
				t.Errorf("%d lookups, want 1", n)
			}
		})
	}
}

func TestCreateTicketLookupFails(t *testing.T) {
	tests := []struct {
		name   string
		lookup func(http.ResponseWriter, *http.Request)
		retry  bool
		reason string
	}{
		{"unavailable", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusServiceUnavailable)
		}, true, "503"},
		{"forbidden", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"error":{"title":"Forbidden","message":"You do not have access to this page."}}`)
		}, false, "403 Forbidden: Forbidden: You do not have access"},
		{"not a list", func(w http.ResponseWriter, _ *http.Request) {
			io.WriteString(w, `<html>Welcome to our proxy</html>`)
		}, false, "without a list of tickets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, created)
			f.lookup = tt.lookup
			c := f.client(t, zendesk.Config{})
			_, err := c.CreateTicket(context.Background(), helpdeskTicket())
			se := sendError(t, err)
			if se.Retry != tt.retry || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("Retry %v, reason %q; want %v, %q", se.Retry, se.Reason, tt.retry, tt.reason)
			}
			if tt.retry && se.RetryAfter != 7*time.Second {
				t.Errorf("RetryAfter %s, want 7s", se.RetryAfter)
			}
			if posts := f.writes(); len(posts) != 0 {
				t.Errorf("%d POSTs after a failed lookup", len(posts))
			}
		})
	}
}

func TestCreateTicketFields(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*baton.HelpdeskTicket)
		check func(t *testing.T, ticket map[string]any)
	}{
		{"low", func(h *baton.HelpdeskTicket) { h.Ticket.Priority = baton.PriorityLow }, wantField("priority", "low")},
		{"normal", func(h *baton.HelpdeskTicket) { h.Ticket.Priority = baton.PriorityNormal }, wantField("priority", "normal")},
		{"high", func(h *baton.HelpdeskTicket) { h.Ticket.Priority = baton.PriorityHigh }, wantField("priority", "high")},
		{"urgent", func(h *baton.HelpdeskTicket) { h.Ticket.Priority = baton.PriorityUrgent }, wantField("priority", "urgent")},
		{"no priority goes as normal", func(h *baton.HelpdeskTicket) { h.Ticket.Priority = "" }, wantField("priority", "normal")},
		{"department without a group", func(h *baton.HelpdeskTicket) { h.Ticket.Department = "sales" }, wantField("group_id", nil)},
		{"no email: no requester", func(h *baton.HelpdeskTicket) { h.Customer.Email = "" }, func(t *testing.T, ticket map[string]any) {
			wantField("requester", nil)(t, ticket)
			body := ticket["comment"].(map[string]any)["body"].(string)
			if !strings.Contains(body, "Customer: דנה לוי, +972501234567\n") {
				t.Errorf("the comment does not name the customer and their phone:\n%s", body)
			}
		}},
		{"malformed email: no requester", func(h *baton.HelpdeskTicket) { h.Customer.Email = "dana@example" }, func(t *testing.T, ticket map[string]any) {
			wantField("requester", nil)(t, ticket)
			body := ticket["comment"].(map[string]any)["body"].(string)
			if !strings.Contains(body, "Customer: דנה לוי, dana@example, +972501234567\n") {
				t.Errorf("the comment does not show the email as given:\n%s", body)
			}
		}},
		{"email with a display name: no requester", func(h *baton.HelpdeskTicket) { h.Customer.Email = "Dana <dana@example.com>" }, wantField("requester", nil)},
		{"email without a name", func(h *baton.HelpdeskTicket) { h.Customer.Name = "" },
			wantField("requester", map[string]any{"name": "dana@example.com", "email": "dana@example.com"})},
		{"subject from the summary", func(h *baton.HelpdeskTicket) {
			h.Ticket.Subject = ""
			h.Summary = "Refund for a double charge.\nThe customer paid twice."
		}, wantField("subject", "Refund for a double charge.")},
		{"subject without a summary", func(h *baton.HelpdeskTicket) {
			h.Ticket.Subject, h.Summary = "", ""
		}, wantField("subject", "Conversation with דנה לוי")},
		{"long subject", func(h *baton.HelpdeskTicket) { h.Ticket.Subject = strings.Repeat("א", 400) }, func(t *testing.T, ticket map[string]any) {
			s := ticket["subject"].(string)
			if n := len([]rune(s)); n != 150 || !strings.HasSuffix(s, "…") {
				t.Errorf("subject of %d characters ending %q, want 150 ending …", n, s[len(s)-3:])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, created)
			c := f.client(t, zendesk.Config{GroupIDs: map[string]int64{"billing": 7}})
			h := helpdeskTicket()
			tt.edit(h)
			if _, err := c.CreateTicket(context.Background(), h); err != nil {
				t.Fatal(err)
			}
			reqs := f.writes()
			if len(reqs) != 1 {
				t.Fatalf("%d POSTs", len(reqs))
			}
			tt.check(t, reqs[0].body["ticket"].(map[string]any))
		})
	}
}

// wantField checks one field of the ticket; nil wants it left out.
func wantField(key string, want any) func(*testing.T, map[string]any) {
	return func(t *testing.T, ticket map[string]any) {
		t.Helper()
		got, ok := ticket[key]
		if want == nil {
			if ok {
				t.Errorf("%s = %v, want it left out", key, got)
			}
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", key, got, want)
		}
	}
}

func TestCreateTicketLongConversation(t *testing.T) {
	f := newFake(t, created)
	c := f.client(t, zendesk.Config{})
	h := helpdeskTicket()
	h.Transcript = nil
	for i := range 400 {
		h.Transcript = append(h.Transcript, baton.Message{
			Author: baton.AuthorCustomer, CreatedAt: t0.Add(time.Duration(i) * time.Second),
			Text: "message " + strings.Repeat("ש", 200) + " #" + strconv.Itoa(i),
		})
	}
	if _, err := c.CreateTicket(context.Background(), h); err != nil {
		t.Fatal(err)
	}
	body := f.writes()[0].body["ticket"].(map[string]any)["comment"].(map[string]any)["body"].(string)
	if len(body) > 60<<10 {
		t.Errorf("the description has %d bytes, more than 60 KB", len(body))
	}
	for _, want := range []string{"#399\n", "earlier messages left out", "The customer was charged twice", "Open the conversation in Baton"} {
		if !strings.Contains(body, want) {
			t.Errorf("the description lacks %q", want)
		}
	}
	if strings.Contains(body, "#0\n") {
		t.Error("the description kept the oldest message over the newest")
	}
}

func TestUpdateTicket(t *testing.T) {
	at := time.Date(2025, 3, 14, 9, 12, 0, 0, time.UTC)
	tests := []struct {
		name string
		u    *baton.TicketUpdate
		want map[string]any
	}{
		{"agent replied", &baton.TicketUpdate{Kind: baton.TicketAgentReplied, Author: "Sam", Text: "We refunded ₪120 <b>today</b>.", At: at},
			map[string]any{"ticket": map[string]any{"comment": map[string]any{
				"body": "Sam answered the customer in Baton (2025-03-14 09:12 UTC):\n\nWe refunded ₪120 <b>today</b>.", "public": false}}}},
		{"resolved", &baton.TicketUpdate{Kind: baton.TicketResolved, At: at},
			map[string]any{"ticket": map[string]any{"status": "solved", "comment": map[string]any{
				"body": "The conversation was resolved in Baton (2025-03-14 09:12 UTC).", "public": false}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, updated)
			c := f.client(t, zendesk.Config{})
			if err := c.UpdateTicket(context.Background(), "35436", tt.u); err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			if r := reqs[0]; r.method != http.MethodPut || r.path != "/api/v2/tickets/35436.json" {
				t.Errorf("%s %s, want PUT /api/v2/tickets/35436.json", r.method, r.path)
			}
			if !reflect.DeepEqual(reqs[0].body, tt.want) {
				t.Errorf("body %v\nwant %v", reqs[0].body, tt.want)
			}
		})
	}
}

func TestUpdateTicketRefusesBadInput(t *testing.T) {
	f := newFake(t, updated)
	c := f.client(t, zendesk.Config{})
	for _, tt := range []struct {
		id string
		u  *baton.TicketUpdate
	}{
		{"", &baton.TicketUpdate{Kind: baton.TicketResolved}},
		{"../users/1", &baton.TicketUpdate{Kind: baton.TicketResolved}},
		{"35436", &baton.TicketUpdate{Kind: "reopened"}},
		{"35436", nil},
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
		// Zendesk's documented rate-limit answer: text, with Retry-After.
		{"rate limited", 429, map[string]string{"Retry-After": "93", "Content-Type": "text/html; charset=utf-8"},
			"Rate limit for ticket updates exceeded, please wait before updating this ticket again",
			true, 93 * time.Second, []string{"429", "Rate limit for ticket updates exceeded"}},
		{"rate limited until a date", 429, map[string]string{"Retry-After": now.Add(90 * time.Second).Format(http.TimeFormat)},
			"", true, 90 * time.Second, []string{"429"}},
		{"server error", 500, nil, `<html><body>Internal Server Error</body></html>`, true, 0, []string{"500"}},
		{"unavailable", 503, map[string]string{"Retry-After": "5"}, "", true, 5 * time.Second, []string{"503"}},
		{"update conflict", 409, nil, `{"error": "RecordInvalid", "description": "Ticket was updated by another request"}`,
			true, 0, []string{"409", "Ticket was updated by another request"}},
		{"validation", 422, nil,
			`{"error":"RecordInvalid","description":"Record validation errors","details":{"base":[{"description":"Description: cannot be blank","error":"BlankValue"}],"requester":[{"description":"Requester: Name:  is too short (minimum is 1 character)"}]}}`,
			false, 0, []string{"422", "RecordInvalid: Record validation errors: Description: cannot be blank: Requester: Name: is too short"}},
		{"unauthenticated", 401, nil, `{"error":"Couldn't authenticate you"}`, false, 0, []string{"401", "Couldn't authenticate you"}},
		{"forbidden", 403, nil, `{"error":{"title":"Forbidden","message":"You do not have access to this page. Please contact the account owner of this help desk for further help."}}`,
			false, 0, []string{"403", "Forbidden: You do not have access"}},
		{"not found", 404, nil, `{"error":"RecordNotFound","description":"Not found"}`, false, 0, []string{"404", "RecordNotFound: Not found"}},
		{"moved", 301, map[string]string{"Location": "https://elsewhere.example/"}, "", false, 0, []string{"301", "check the subdomain"}},
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
			c := f.client(t, zendesk.Config{})
			c.Now = func() time.Time { return now }

			for _, call := range []func() error{
				func() error { _, err := c.CreateTicket(context.Background(), helpdeskTicket()); return err },
				func() error {
					return c.UpdateTicket(context.Background(), "35436", &baton.TicketUpdate{Kind: baton.TicketResolved})
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

func TestErrorsNeverShowTheToken(t *testing.T) {
	// An answer that echoes the credentials, and a long one.
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error": "bad credentials `+r.Header.Get("Authorization")+` token `+apiToken+` `+strings.Repeat("x", 2000)+`"}`)
	})
	c := f.client(t, zendesk.Config{})
	se := sendError(t, c.UpdateTicket(context.Background(), "1", &baton.TicketUpdate{Kind: baton.TicketResolved}))
	enc := base64.StdEncoding.EncodeToString([]byte(agentEmail + "/token:" + apiToken))
	if strings.Contains(se.Reason, apiToken) || strings.Contains(se.Reason, enc) {
		t.Errorf("the reason shows the credentials: %s", se.Reason)
	}
	if !strings.Contains(se.Reason, "[credentials]") {
		t.Errorf("reason %q: the echoed credentials were not replaced", se.Reason)
	}
	if n := len([]rune(se.Reason)); n > 360 {
		t.Errorf("reason of %d characters; the API's message should be cut to about 300", n)
	}
}

func TestCreateTicketWithoutIDIsFinal(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `<html>Welcome to our proxy</html>`)
	})
	c := f.client(t, zendesk.Config{})
	_, err := c.CreateTicket(context.Background(), helpdeskTicket())
	if se := sendError(t, err); se.Retry {
		t.Error("a 200 without a ticket ID is retried; the ticket may exist and a retry could make two")
	}
}

func TestNetworkErrorIsRetried(t *testing.T) {
	f := newFake(t, created)
	c := f.client(t, zendesk.Config{})
	f.srv.Close()
	_, err := c.CreateTicket(context.Background(), helpdeskTicket())
	se := sendError(t, err)
	if !se.Retry {
		t.Errorf("a closed server is final: %v", se)
	}
	if !strings.Contains(se.Reason, "Zendesk did not answer") {
		t.Errorf("reason %q", se.Reason)
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	var followed bool
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			followed = true
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	})
	c := f.client(t, zendesk.Config{})
	_, err := c.CreateTicket(context.Background(), helpdeskTicket())
	if se := sendError(t, err); se.Retry {
		t.Errorf("a redirect is retried: %v", se)
	}
	if followed {
		t.Error("the redirect was followed with the credentials")
	}
}

func TestNew(t *testing.T) {
	ok := zendesk.Config{Subdomain: "acme", Email: agentEmail, APIToken: apiToken}
	tests := []struct {
		name string
		edit func(*zendesk.Config)
		want string // in the error; "" for none
	}{
		{"subdomain", func(*zendesk.Config) {}, ""},
		{"base URL", func(c *zendesk.Config) { c.Subdomain, c.BaseURL = "", "https://support.acme.example/" }, ""},
		{"loopback http", func(c *zendesk.Config) { c.Subdomain, c.BaseURL = "", "http://127.0.0.1:8080" }, ""},
		{"localhost http", func(c *zendesk.Config) { c.Subdomain, c.BaseURL = "", "http://localhost:8080" }, ""},
		{"no address", func(c *zendesk.Config) { c.Subdomain = "" }, "subdomain is missing"},
		{"both addresses", func(c *zendesk.Config) { c.BaseURL = "https://acme.zendesk.com" }, "not both"},
		{"full host as subdomain", func(c *zendesk.Config) { c.Subdomain = "acme.zendesk.com" }, "subdomain must be"},
		{"plain http", func(c *zendesk.Config) { c.Subdomain, c.BaseURL = "", "http://acme.zendesk.com" }, "must use https"},
		{"no host", func(c *zendesk.Config) { c.Subdomain, c.BaseURL = "", "https:///api" }, "base URL"},
		{"other scheme", func(c *zendesk.Config) { c.Subdomain, c.BaseURL = "", "ftp://acme.zendesk.com" }, "base URL"},
		{"no email", func(c *zendesk.Config) { c.Email = "" }, "email"},
		{"not an email", func(c *zendesk.Config) { c.Email = "api" }, "email"},
		{"no token", func(c *zendesk.Config) { c.APIToken = "" }, "API token is missing"},
		{"short token", func(c *zendesk.Config) { c.APIToken = "abc" }, "API token"},
		{"token with a space", func(c *zendesk.Config) { c.APIToken = "abc def" }, "API token"},
		{"bad group", func(c *zendesk.Config) { c.GroupIDs = map[string]int64{"billing": 0} }, `department "billing"`},
		{"tag with a space", func(c *zendesk.Config) { c.Tags = []string{"handed off"} }, "tags"},
		{"empty tag", func(c *zendesk.Config) { c.Tags = []string{""} }, "tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			_, err := zendesk.New(cfg, nil)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("New: %v, want an error about %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), apiToken) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

// roundTrip answers requests without a network, recording their URLs.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSubdomainAddress(t *testing.T) {
	var urls []string
	client := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		urls = append(urls, r.Method+" "+r.URL.String())
		if r.Method == http.MethodGet {
			return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader(`{"tickets": [], "count": 0}`)), Header: http.Header{}}, nil
		}
		return &http.Response{StatusCode: http.StatusCreated, Body: io.NopCloser(strings.NewReader(`{"ticket": {"id": 1}}`)), Header: http.Header{}}, nil
	})}
	c, err := zendesk.New(zendesk.Config{Subdomain: "acme", Email: agentEmail, APIToken: apiToken}, client)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTicket(context.Background(), helpdeskTicket()); err != nil {
		t.Fatal(err)
	}
	if err := c.UpdateTicket(context.Background(), "1", &baton.TicketUpdate{Kind: baton.TicketResolved}); err != nil {
		t.Fatal(err)
	}
	want := []string{"GET https://acme.zendesk.com/api/v2/tickets.json?external_id=t_1", "POST https://acme.zendesk.com/api/v2/tickets.json", "PUT https://acme.zendesk.com/api/v2/tickets/1.json"}
	if !reflect.DeepEqual(urls, want) {
		t.Errorf("requests %q, want %q", urls, want)
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
