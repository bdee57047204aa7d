package helpdeskhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/helpdeskhook"
	"github.com/batonhq/baton/signature"
)

const secret = "whsec-9f8e7d6c5b4a3928"

// sentAt is when the hook signs; the receiver's clock agrees.
var sentAt = time.Date(2025, 3, 14, 0, 4, 30, 0, time.UTC)

// delivery is one request the receiver took.
type delivery struct {
	header http.Header
	raw    []byte
	body   map[string]any
}

// receiver stands for a Zap or an n8n workflow: it verifies the signature
// as a receiver would, with signature.Verify over the raw body, and
// replies with reply.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	got    []delivery
	secret string
	reply  func(w http.ResponseWriter)
}

func newReceiver(t *testing.T, secret string, reply func(w http.ResponseWriter)) *receiver {
	r := &receiver{t: t, secret: secret, reply: reply}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	t := rc.t
	if r.Method != http.MethodPost || r.URL.Path != "/hooks/catch/123456/abcdef/" {
		t.Errorf("%s %s, want POST to the hook's path", r.Method, r.URL.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if ua := r.Header.Get("User-Agent"); ua != "Baton" {
		t.Errorf("User-Agent %q", ua)
	}
	raw, _ := io.ReadAll(r.Body)
	sig := r.Header.Get(signature.Header)
	if rc.secret != "" {
		if err := signature.Verify(rc.secret, sig, raw, sentAt, 0); err != nil {
			t.Errorf("signature %q does not verify: %v", sig, err)
		}
		if !strings.HasPrefix(sig, "t="+strconv.FormatInt(sentAt.Unix(), 10)+",") {
			t.Errorf("signature %q is not dated by the hook's clock", sig)
		}
	} else if sig != "" {
		t.Errorf("a signature %q without a secret", sig)
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Errorf("body is not a JSON object: %v\n%s", err, raw)
	}
	rc.mu.Lock()
	rc.got = append(rc.got, delivery{r.Header.Clone(), raw, body})
	rc.mu.Unlock()
	rc.reply(w)
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

func (rc *receiver) hook(t *testing.T, cfg helpdeskhook.Config) *helpdeskhook.Hook {
	t.Helper()
	cfg.URL = rc.srv.URL + "/hooks/catch/123456/abcdef/"
	h, err := helpdeskhook.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	h.Now = func() time.Time { return sentAt }
	return h
}

func replyWith(status int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// zapierAck is what a Zapier Catch Hook answers every POST with.
const zapierAck = `{"id": "eeb23846-4a68-41d3-94ac-5a36fb3a9df7", "request_id": "5f6de14c-5bd5-4c98-8e58-309c5dc66da0", "attempt": "5f6de14c-5bd5-4c98-8e58-309c5dc66da0", "status": "success"}`

// Dana's ticket, the one doc.go shows. Times are in Israel's zone, to be
// sent in UTC.
var israel = time.FixedZone("IST", 2*60*60)

func docTicket() *baton.Ticket {
	expected := time.Date(2025, 3, 14, 11, 0, 0, 0, israel)
	return &baton.Ticket{
		ID: "t_8k2mzq4hx7", ConversationID: "c_3n5p7r9t2v", Department: "billing",
		Priority: baton.PriorityHigh, Status: baton.TicketOpen, Subject: "Charged twice for order 4821",
		Trigger: baton.TriggerText, Details: map[string]string{"order_number": "4821"},
		ExpectedBy: &expected, CreatedAt: time.Date(2025, 3, 14, 2, 4, 0, 0, israel),
	}
}

func docHelpdeskTicket() *baton.HelpdeskTicket {
	at := func(min, sec int) time.Time { return time.Date(2025, 3, 14, 2, min, sec, 0, israel) }
	return &baton.HelpdeskTicket{
		Ticket:   docTicket(),
		Customer: baton.Contact{Name: "Dana Levi", Email: "dana@example.com", Phone: "+972501234567"},
		Channel:  baton.ChannelWhatsApp,
		Locale:   "he",
		Summary:  "The customer was charged twice for order 4821 and wants a refund.",
		Transcript: []baton.Message{
			{Author: baton.AuthorCustomer, Text: "I was charged twice", CreatedAt: at(2, 0)},
			{Author: baton.AuthorBot, Text: "Sorry about that! What is the order number?", CreatedAt: at(2, 5)},
			{Author: baton.AuthorAgent, Text: "private: check the gateway", Private: true, CreatedAt: at(2, 30)},
			{Author: baton.AuthorCustomer, Payload: "order:4821", CreatedAt: at(2, 50)},
			{Author: baton.AuthorCustomer, Text: " 4821 ", CreatedAt: at(3, 0)},
		},
		URL: "https://baton.example.com/inbox/#c_3n5p7r9t2v",
	}
}

// docExamples returns the example request bodies of doc.go, in order.
func docExamples(t *testing.T) []map[string]any {
	t.Helper()
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var examples []map[string]any
	lines := strings.Split(string(src), "\n")
	for i, l := range lines {
		if l != "// Example request body:" {
			continue
		}
		var block strings.Builder
		for _, l := range lines[i+2:] {
			code, ok := strings.CutPrefix(l, "//\t")
			if !ok {
				break
			}
			block.WriteString(code + "\n")
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(block.String()), &m); err != nil {
			t.Fatalf("doc.go's example %d is not JSON: %v\n%s", len(examples)+1, err, block.String())
		}
		examples = append(examples, m)
	}
	if len(examples) != 2 {
		t.Fatalf("doc.go has %d example bodies, want 2", len(examples))
	}
	return examples
}

func TestEventsAreAsDocumented(t *testing.T) {
	examples := docExamples(t)
	rc := newReceiver(t, secret, replyWith(http.StatusOK, `{"id": 48213}`))
	h := rc.hook(t, helpdeskhook.Config{Secret: secret})

	id, err := h.CreateTicket(context.Background(), docHelpdeskTicket())
	if err != nil {
		t.Fatal(err)
	}
	if id != "48213" {
		t.Errorf("external id %q, want 48213 from the reply", id)
	}
	err = h.UpdateTicket(context.Background(), id, &baton.TicketUpdate{
		Kind: baton.TicketAgentReplied, Ticket: docTicket(), Author: "Sam Cohen",
		Text: "We have refunded the second charge; you will see it within 3 days.",
		At:   time.Date(2025, 3, 14, 10, 12, 0, 0, israel),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := rc.deliveries()
	if len(got) != 2 {
		t.Fatalf("%d deliveries, want 2", len(got))
	}
	for i, name := range []string{"ticket.created", "ticket.updated"} {
		if !reflect.DeepEqual(got[i].body, examples[i]) {
			gotJSON, _ := json.MarshalIndent(got[i].body, "", "  ")
			wantJSON, _ := json.MarshalIndent(examples[i], "", "  ")
			t.Errorf("%s body:\n%s\ndoc.go shows:\n%s", name, gotJSON, wantJSON)
		}
	}
}

func TestCreatedEventText(t *testing.T) {
	rc := newReceiver(t, "", replyWith(http.StatusOK, ""))
	h := rc.hook(t, helpdeskhook.Config{})
	ht := docHelpdeskTicket()
	ht.Customer = baton.Contact{Name: "דנה לוי"}
	ht.Transcript = []baton.Message{{Author: baton.AuthorCustomer, Text: "חויבתי פעמיים <script>alert(1)</script> & more", CreatedAt: sentAt}}
	ht.Ticket.Subject, ht.Ticket.Details, ht.Ticket.ExpectedBy = "", nil, nil
	ht.Summary = "Double charge.\nWants a refund."
	if _, err := h.CreateTicket(context.Background(), ht); err != nil {
		t.Fatal(err)
	}
	d := rc.deliveries()[0]
	// JSON needs no \u003c for "<": the Zap shows what the customer typed.
	for _, want := range []string{"חויבתי פעמיים <script>alert(1)</script> & more", `"name":"דנה לוי"`} {
		if !strings.Contains(string(d.raw), want) {
			t.Errorf("raw body lacks %q:\n%s", want, d.raw)
		}
	}
	ticket := d.body["ticket"].(map[string]any)
	if ticket["subject"] != "Double charge." {
		t.Errorf("subject %q, want the summary's first line", ticket["subject"])
	}
	if !reflect.DeepEqual(ticket["details"], map[string]any{}) || ticket["expected_by"] != nil {
		t.Errorf("details %#v, expected_by %#v; want {} and null", ticket["details"], ticket["expected_by"])
	}
	if c := d.body["customer"]; !reflect.DeepEqual(c, map[string]any{"name": "דנה לוי", "email": "", "phone": ""}) {
		t.Errorf("customer %#v, want every key present", c)
	}
}

func TestCreatedEventLongConversation(t *testing.T) {
	rc := newReceiver(t, "", replyWith(http.StatusOK, ""))
	h := rc.hook(t, helpdeskhook.Config{})
	ht := docHelpdeskTicket()
	ht.Transcript = nil
	for i := range 300 {
		ht.Transcript = append(ht.Transcript, baton.Message{
			Author: baton.AuthorCustomer, CreatedAt: sentAt.Add(time.Duration(i) * time.Second),
			Text: strings.Repeat("ש", 200) + " #" + strconv.Itoa(i),
		})
	}
	if _, err := h.CreateTicket(context.Background(), ht); err != nil {
		t.Fatal(err)
	}
	b := rc.deliveries()[0].body
	entries := b["transcript"].([]any)
	omitted := int(b["transcript_omitted"].(float64))
	if omitted == 0 || omitted+len(entries) != 300 {
		t.Fatalf("%d entries and %d omitted, want some omitted and 300 in all", len(entries), omitted)
	}
	last := entries[len(entries)-1].(map[string]any)["text"].(string)
	if !strings.HasSuffix(last, "#299") {
		t.Errorf("the last entry is %q, want the newest message", last)
	}
	size := 0
	for _, e := range entries {
		size += len(e.(map[string]any)["text"].(string))
	}
	if size > 60<<10 {
		t.Errorf("%d bytes of transcript, more than 60 KB", size)
	}
	if text := b["transcript_text"].(string); strings.Count(text, "\n")+1 != len(entries) {
		t.Errorf("transcript_text has %d lines for %d entries", strings.Count(text, "\n")+1, len(entries))
	}
}

func TestExternalIDFromReply(t *testing.T) {
	tests := []struct {
		name, reply, want string
	}{
		{"string id", `{"id": "ZD-1042"}`, "ZD-1042"},
		{"number id", `{"id": 48213}`, "48213"},
		{"external_id first", `{"external_id": "HS-77", "id": "run-1"}`, "HS-77"},
		{"external_id as a number", `{"external_id": 77}`, "77"},
		{"Zapier's acknowledgement", zapierAck, "t_8k2mzq4hx7"},
		{"n8n's default reply", `{"message": "Workflow was started"}`, "t_8k2mzq4hx7"},
		{"Make's text reply", `Accepted`, "t_8k2mzq4hx7"},
		{"empty body", ``, "t_8k2mzq4hx7"},
		{"empty id", `{"id": ""}`, "t_8k2mzq4hx7"},
		{"null id", `{"id": null}`, "t_8k2mzq4hx7"},
		{"fractional id", `{"id": 1.5}`, "t_8k2mzq4hx7"},
		{"object id", `{"id": {"value": 1}}`, "t_8k2mzq4hx7"},
		{"id with a line break", `{"id": "a\nb"}`, "t_8k2mzq4hx7"},
		{"overlong id", `{"id": "` + strings.Repeat("x", 256) + `"}`, "t_8k2mzq4hx7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, "", replyWith(http.StatusOK, tt.reply))
			h := rc.hook(t, helpdeskhook.Config{})
			id, err := h.CreateTicket(context.Background(), docHelpdeskTicket())
			if err != nil {
				t.Fatal(err)
			}
			if id != tt.want {
				t.Errorf("external id %q, want %q", id, tt.want)
			}
		})
	}
}

func TestUpdatedEvents(t *testing.T) {
	rc := newReceiver(t, secret, replyWith(http.StatusNoContent, ""))
	h := rc.hook(t, helpdeskhook.Config{Secret: secret})
	err := h.UpdateTicket(context.Background(), "t_8k2mzq4hx7", &baton.TicketUpdate{
		Kind: baton.TicketResolved, At: time.Date(2025, 3, 14, 12, 0, 0, 0, israel),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"type": "ticket.updated", "kind": "resolved", "external_id": "t_8k2mzq4hx7",
		"ticket": nil, "author": "", "text": "", "at": "2025-03-14T10:00:00Z",
	}
	if got := rc.deliveries()[0].body; !reflect.DeepEqual(got, want) {
		t.Errorf("body %#v\nwant %#v", got, want)
	}

	for _, u := range []*baton.TicketUpdate{nil, {Kind: "reopened"}} {
		if se := sendError(t, h.UpdateTicket(context.Background(), "x", u)); se.Retry {
			t.Errorf("update %v may be retried; it never succeeds", u)
		}
	}
	if _, err := h.CreateTicket(context.Background(), &baton.HelpdeskTicket{}); err == nil {
		t.Error("a ticket without a Ticket was sent")
	}
	if n := len(rc.deliveries()); n != 1 {
		t.Errorf("%d deliveries, want only the valid update", n)
	}
}

func TestHeaders(t *testing.T) {
	rc := newReceiver(t, "", replyWith(http.StatusOK, ""))
	h := rc.hook(t, helpdeskhook.Config{Headers: map[string]string{"authorization": "Bearer n8n-header-auth-token", "X-Tenant": "acme"}})
	if _, err := h.CreateTicket(context.Background(), docHelpdeskTicket()); err != nil {
		t.Fatal(err)
	}
	hd := rc.deliveries()[0].header
	if hd.Get("Authorization") != "Bearer n8n-header-auth-token" || hd.Get("X-Tenant") != "acme" {
		t.Errorf("configured headers not sent: %v", hd)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		retry      bool
		retryAfter time.Duration
		reason     string
	}{
		{"rate limited", 429, map[string]string{"Retry-After": "30"}, `{"errors": ["Too many requests"]}`, true, 30 * time.Second, "429 Too Many Requests: Too many requests"},
		{"rate limited until a date", 429, map[string]string{"Retry-After": sentAt.Add(time.Minute).Format(http.TimeFormat)}, "", true, time.Minute, "429"},
		{"server error", 500, nil, `{"message": "Error in workflow"}`, true, 0, "500 Internal Server Error: Error in workflow"},
		{"gateway timeout", 504, nil, `<html><body>504</body></html>`, true, 0, "504 Gateway Timeout"},
		{"timeout", 408, nil, "", true, 0, "408"},
		{"inactive n8n workflow", 404, nil, `{"code": 404, "message": "The requested webhook \"POST baton\" is not registered."}`, false, 0, "is not registered"},
		{"refused signature", 401, nil, `{"error": "invalid signature"}`, false, 0, "401 Unauthorized: invalid signature"},
		{"gone", 410, nil, "Gone", false, 0, "410 Gone: Gone"},
		{"conflict", 409, nil, "", false, 0, "409"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, "", func(w http.ResponseWriter) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			h := rc.hook(t, helpdeskhook.Config{})
			for _, call := range []func() error{
				func() error { _, err := h.CreateTicket(context.Background(), docHelpdeskTicket()); return err },
				func() error {
					return h.UpdateTicket(context.Background(), "1", &baton.TicketUpdate{Kind: baton.TicketResolved})
				},
			} {
				se := sendError(t, call())
				if se.Retry != tt.retry || se.RetryAfter != tt.retryAfter {
					t.Errorf("Retry %v, RetryAfter %s; want %v, %s (%s)", se.Retry, se.RetryAfter, tt.retry, tt.retryAfter, se.Reason)
				}
				if !strings.Contains(se.Reason, tt.reason) {
					t.Errorf("reason %q lacks %q", se.Reason, tt.reason)
				}
			}
		})
	}
}

func TestErrorsKeepSecretsOut(t *testing.T) {
	const token = "Bearer n8n-header-auth-token"
	rc := newReceiver(t, secret, nil)
	rc.reply = func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "bad request to "+rc.srv.URL+"/hooks/catch/123456/abcdef/ with "+token+" and "+secret+strings.Repeat(" x", 1000))
	}
	h := rc.hook(t, helpdeskhook.Config{Secret: secret, Headers: map[string]string{"Authorization": token}})
	se := sendError(t, h.UpdateTicket(context.Background(), "1", &baton.TicketUpdate{Kind: baton.TicketResolved}))
	for _, s := range []string{"/hooks/catch/123456/abcdef/", token, secret} {
		if strings.Contains(se.Reason, s) {
			t.Errorf("the reason shows %q: %s", s, se.Reason)
		}
	}
	if !strings.Contains(se.Reason, "bad request to [hook URL] with [header] and [secret]") {
		t.Errorf("reason %q: secrets not replaced", se.Reason)
	}
	if n := len([]rune(se.Reason)); n > 360 {
		t.Errorf("reason of %d characters; the reply should be cut to about 300", n)
	}
}

func TestNetworkErrorIsRetried(t *testing.T) {
	rc := newReceiver(t, "", replyWith(http.StatusOK, ""))
	h := rc.hook(t, helpdeskhook.Config{})
	rc.srv.Close()
	_, err := h.CreateTicket(context.Background(), docHelpdeskTicket())
	se := sendError(t, err)
	if !se.Retry {
		t.Errorf("a closed receiver is final: %v", se)
	}
	// Zapier's and Make's URLs are the credential; a network error must not repeat it.
	if strings.Contains(se.Reason, "abcdef") {
		t.Errorf("the reason shows the hook's URL: %s", se.Reason)
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	rc := newReceiver(t, "", func(w http.ResponseWriter) {
		w.Header().Set("Location", "https://elsewhere.example/")
		w.WriteHeader(http.StatusTemporaryRedirect)
	})
	h := rc.hook(t, helpdeskhook.Config{})
	_, err := h.CreateTicket(context.Background(), docHelpdeskTicket())
	if se := sendError(t, err); se.Retry || !strings.Contains(se.Reason, "307") {
		t.Errorf("a redirect: %v, want a final error naming the 307", se)
	}
	if n := len(rc.deliveries()); n != 1 {
		t.Errorf("%d deliveries, want 1", n)
	}
}

func TestNew(t *testing.T) {
	const hookURL = "https://hooks.zapier.com/hooks/catch/123456/abcdef/"
	tests := []struct {
		name string
		cfg  helpdeskhook.Config
		want string // in the error; "" for none
	}{
		{"zapier", helpdeskhook.Config{URL: hookURL}, ""},
		{"n8n on a private network", helpdeskhook.Config{URL: "http://n8n:5678/webhook/baton", Secret: secret,
			Headers: map[string]string{"Authorization": "Bearer x"}}, ""},
		{"no URL", helpdeskhook.Config{}, "URL is missing"},
		{"relative URL", helpdeskhook.Config{URL: "/hooks/catch/1/abcdef/"}, "absolute http or https"},
		{"other scheme", helpdeskhook.Config{URL: "ftp://hooks.example/abcdef"}, "absolute http or https"},
		{"credentials in the URL", helpdeskhook.Config{URL: "https://user:pw@n8n.example/webhook/baton"}, "user name or password"},
		{"fragment", helpdeskhook.Config{URL: hookURL + "#abcdef"}, "fragment"},
		{"bad header name", helpdeskhook.Config{URL: hookURL, Headers: map[string]string{"X Tenant": "a"}}, "not a valid header name"},
		{"header on two lines", helpdeskhook.Config{URL: hookURL, Headers: map[string]string{"X-Tenant": "a\r\nX-Evil: 1"}}, "one line"},
		{"reserved header", helpdeskhook.Config{URL: hookURL, Headers: map[string]string{"x-baton-signature": "t=1,v1=00"}}, "set by Baton"},
		{"content type", helpdeskhook.Config{URL: hookURL, Headers: map[string]string{"Content-Type": "text/plain"}}, "set by Baton"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := helpdeskhook.New(tt.cfg, nil)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("New: %v, want an error about %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "abcdef") {
				t.Errorf("the error repeats the URL, which may be a secret: %v", err)
			}
		})
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
