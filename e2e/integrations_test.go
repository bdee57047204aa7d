package e2e_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookReceiver is an operator's webhook endpoint: it verifies each
// delivery the way docs/webhooks.md tells receivers to, on its own, and
// can be down.
type hookReceiver struct {
	secret string
	mu     sync.Mutex
	down   bool
	events []map[string]any
	ids    map[string]int
	bad    []string
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
		return
	}
	parts := map[string]string{}
	for _, p := range strings.Split(r.Header.Get("X-Baton-Signature"), ",") {
		k, v, _ := strings.Cut(p, "=")
		parts[k] = v
	}
	mac := hmac.New(sha256.New, []byte(h.secret))
	mac.Write([]byte(parts["t"] + "." + string(body)))
	sent, _ := strconv.ParseInt(parts["t"], 10, 64)
	if !hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(parts["v1"])) || time.Since(time.Unix(sent, 0)).Abs() > 5*time.Minute {
		h.bad = append(h.bad, r.Header.Get("X-Baton-Signature"))
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var ev map[string]any
	if err := json.Unmarshal(body, &ev); err != nil {
		h.bad = append(h.bad, string(body))
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	h.ids[ev["id"].(string)]++
	h.events = append(h.events, ev)
}

func (h *hookReceiver) setDown(down bool) {
	h.mu.Lock()
	h.down = down
	h.mu.Unlock()
}

func (h *hookReceiver) types(conversationID string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, ev := range h.events {
		if c, _ := ev["conversation"].(map[string]any); c["id"] == conversationID {
			out = append(out, ev["type"].(string))
		}
	}
	return out
}

// recorder is a fake third-party endpoint that records requests.
type recorder struct {
	mu       sync.Mutex
	requests []recorded
	answer   func(r *http.Request) (int, string)
}

type recorded struct {
	method, path, auth string
	body               map[string]any
}

func (f *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	f.requests = append(f.requests, recorded{r.Method, r.URL.Path, r.Header.Get("Authorization"), body})
	f.mu.Unlock()
	status, out := f.answer(r)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, out)
}

func (f *recorder) got() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestIntegrations(t *testing.T) {
	recv := &hookReceiver{secret: "hook-secret-0123456789", ids: map[string]int{}, down: true}
	recvSrv := httptest.NewServer(recv)
	defer recvSrv.Close()
	zd := &recorder{answer: func(r *http.Request) (int, string) {
		switch r.Method {
		case "POST":
			return 201, `{"ticket":{"id":35436,"status":"new"}}`
		case "GET": // the lookup by external_id before creating: none yet
			return 200, `{"tickets":[],"next_page":null,"previous_page":null,"count":0}`
		}
		return 200, `{"ticket":{"id":35436}}`
	}}
	zdSrv := httptest.NewServer(zd)
	defer zdSrv.Close()
	sl := &recorder{answer: func(*http.Request) (int, string) { return 200, "ok" }}
	slSrv := httptest.NewServer(sl)
	defer slSrv.Close()

	dir := t.TempDir()
	config := filepath.Join(dir, "baton.yaml")
	os.WriteFile(config, []byte(`
public_url: https://support.example.com
webhooks:
  subscriptions:
    - name: crm
      url: `+recvSrv.URL+`/baton
      secret: {env: HOOK_SECRET}
helpdesk:
  zendesk:
    base_url: `+strings.Replace(zdSrv.URL, "http://127.0.0.1", "http://localhost", 1)+`
    email: ops@example.com
    api_token: {env: ZENDESK_TOKEN}
alerts:
  slack:
    webhook_url: {env: SLACK_WEBHOOK_URL}
`), 0o600)
	opts := startOptions{config: config, env: []string{"HOOK_SECRET=hook-secret-0123456789", "ZENDESK_TOKEN=zd-token",
		"SLACK_WEBHOOK_URL=" + slSrv.URL + "/services/T0/B0/secret", "BATON_METRICS_TOKEN=metrics-token-0123456789"}}
	data := filepath.Join(dir, "data")
	s := startWith(t, data, opts)
	s.must(t, 200, "GET", "/readyz", "", nil, nil)

	// The subscription from the config file is listed, read-only.
	var subs struct {
		Subscriptions []struct {
			ID     string `json:"id"`
			Config bool   `json:"from_config"`
		} `json:"subscriptions"`
	}
	s.must(t, 200, "GET", "/api/v1/webhooks", testAdminToken, nil, &subs)
	if len(subs.Subscriptions) != 1 || !subs.Subscriptions[0].Config {
		t.Fatalf("subscriptions %+v", subs)
	}

	// An urgent request for a person, out of anyone's reach: a ticket.
	c := s.createConversation(t, "Dana")
	s.say(t, c, "this is urgent, I need a person", "m1")
	s.say(t, c, "dana@example.com", "m2")
	eventually(t, "the Slack alert", func() bool { return len(sl.got()) == 1 })
	alert := sl.got()[0]
	if raw, _ := json.Marshal(alert.body); !strings.Contains(string(raw), "https://support.example.com/inbox/#"+c.ID) ||
		!strings.Contains(string(raw), "this is urgent, I need a person") || alert.path != "/services/T0/B0/secret" {
		t.Fatalf("slack got %s %s", alert.path, raw)
	}
	posts := func() []recorded {
		var out []recorded
		for _, r := range zd.got() {
			if r.method == "POST" {
				out = append(out, r)
			}
		}
		return out
	}
	eventually(t, "the Zendesk ticket", func() bool { return len(posts()) == 1 })
	ticket := posts()[0]
	user, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(ticket.auth, "Basic "))
	tk, _ := ticket.body["ticket"].(map[string]any)
	requester, _ := tk["requester"].(map[string]any)
	if ticket.method != "POST" || ticket.path != "/api/v2/tickets.json" || string(user) != "ops@example.com/token:zd-token" ||
		tk["priority"] != "urgent" || requester["email"] != "dana@example.com" {
		t.Fatalf("zendesk got %s %s %q %v", ticket.method, ticket.path, user, ticket.body)
	}
	var tickets struct {
		Tickets []struct {
			ExternalID string `json:"external_id"`
		} `json:"tickets"`
	}
	eventually(t, "the external ticket id", func() bool {
		s.must(t, 200, "GET", "/api/v1/tickets", testAdminToken, nil, &tickets)
		return len(tickets.Tickets) == 1 && tickets.Tickets[0].ExternalID == "35436"
	})

	// The receiver is down: the events wait and are retried.
	var pending struct {
		Deliveries []struct {
			Attempts int    `json:"attempts"`
			Error    string `json:"last_error"`
		} `json:"deliveries"`
	}
	eventually(t, "a retried webhook", func() bool {
		s.must(t, 200, "GET", "/api/v1/event-deliveries?status=pending&subscription=cfg_crm", testAdminToken, nil, &pending)
		return slices.ContainsFunc(pending.Deliveries, func(d struct {
			Attempts int    `json:"attempts"`
			Error    string `json:"last_error"`
		}) bool {
			return d.Attempts >= 2 && strings.Contains(d.Error, "503")
		})
	})
	metrics := scrape(t, s, "metrics-token-0123456789")
	for _, want := range []string{
		`baton_messages_total{author="customer",channel="web",direction="in"} 2`,
		`baton_handoffs_total{department="support",trigger="text"} 1`,
		`baton_outbox_attempts_total{kind="helpdesk",outcome="delivered"} 1`,
		`baton_outbox_attempts_total{kind="notifier",outcome="delivered"} 1`,
		`baton_queue_length{department="support"} 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if !strings.Contains(metrics, `baton_outbox_attempts_total{kind="webhook",outcome="retry"}`) {
		t.Errorf("metrics lack webhook retries")
	}
	if code, _, _ := s.call("GET", "/metrics", "", nil); code != 401 {
		t.Errorf("metrics without the token: %d", code)
	}

	// Baton restarts in the middle of the retries; the receiver recovers:
	// every event arrives once, in order.
	s.stop(t)
	recv.setDown(false)
	s = startWith(t, data, opts)
	// The customer's message, the request, Baton asking for the email (and
	// the request becoming urgent), the email, the ticket notice, the ticket.
	want := []string{"conversation.created", "message.created", "handoff.requested", "message.created", "handoff.urgent",
		"message.created", "message.created", "ticket.created"}
	eventually(t, "every event at the receiver", func() bool {
		return slices.Contains(recv.types(c.ID), "ticket.created")
	})
	got := recv.types(c.ID)
	recv.mu.Lock()
	defer recv.mu.Unlock()
	for id, n := range recv.ids {
		if n != 1 {
			t.Errorf("event %s arrived %d times", id, n)
		}
	}
	if len(recv.bad) > 0 {
		t.Errorf("refused deliveries: %q", recv.bad)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events %v\nwant %v", got, want)
	}
}

func scrape(t *testing.T, s *server, token string) string {
	t.Helper()
	code, body, err := s.call("GET", "/metrics", token, nil)
	if err != nil || code != 200 {
		t.Fatalf("metrics: %d %v", code, err)
	}
	return string(body)
}
