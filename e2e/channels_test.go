package e2e_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fakePlatform is a platform's send API: it records the JSON bodies it
// was sent and answers with rateLimited 429s first, then success.
type fakePlatform struct {
	mu          sync.Mutex
	bodies      []map[string]any
	paths       []string
	rateLimited int
	n           int
	answer      func(n int) string
}

func (f *fakePlatform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rateLimited > 0 {
		f.rateLimited--
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1},"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429}}`)
		return
	}
	var body map[string]any
	json.NewDecoder(r.Body).Decode(&body)
	f.n++
	f.bodies = append(f.bodies, body)
	f.paths = append(f.paths, r.URL.Path)
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, f.answer(f.n))
}

// texts returns the text of every message sent, in order.
func (f *fakePlatform) texts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, b := range f.bodies {
		switch {
		case b["text"] != nil:
			if t, ok := b["text"].(map[string]any); ok {
				out = append(out, fmt.Sprint(t["body"]))
			} else {
				out = append(out, fmt.Sprint(b["text"]))
			}
		case b["interactive"] != nil:
			out = append(out, fmt.Sprint(b["interactive"].(map[string]any)["body"].(map[string]any)["text"]))
		}
	}
	return out
}

func signWhatsApp(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func whatsAppText(from, id, text string) []byte {
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": "102030405060708", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]any{"display_phone_number": "15550100200", "phone_number_id": "109876543210987"},
			"contacts":          []any{map[string]any{"profile": map[string]any{"name": "Anna de Vries"}, "wa_id": from}},
			"messages": []any{map[string]any{"from": from, "id": id, "timestamp": strconv.FormatInt(time.Now().Unix(), 10), "type": "text",
				"text": map[string]any{"body": text}}},
		}}}}}})
	return b
}

func whatsAppStatus(id, status string) []byte {
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": "102030405060708", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
			"messaging_product": "whatsapp",
			"metadata":          map[string]any{"display_phone_number": "15550100200", "phone_number_id": "109876543210987"},
			"statuses":          []any{map[string]any{"id": id, "status": status, "timestamp": strconv.FormatInt(time.Now().Unix(), 10), "recipient_id": "31612345678"}},
		}}}}}})
	return b
}

func post(t *testing.T, url string, body []byte, header ...string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestMessagingChannels runs WhatsApp and Telegram customers through the
// real binary, with the platforms' send APIs faked in the test: webhooks
// in (signed, repeated, after a restart), answers out through the outbox
// (past a rate limit), statuses back.
func TestMessagingChannels(t *testing.T) {
	graph := &fakePlatform{rateLimited: 1, answer: func(n int) string {
		return fmt.Sprintf(`{"messaging_product":"whatsapp","contacts":[{"input":"31612345678","wa_id":"31612345678"}],"messages":[{"id":"wamid.out.%d"}]}`, n)
	}}
	tg := &fakePlatform{answer: func(n int) string {
		return fmt.Sprintf(`{"ok":true,"result":{"message_id":%d,"date":1767261600,"chat":{"id":777,"type":"private"},"text":"x"}}`, 100+n)
	}}
	graphSrv, tgSrv := httptest.NewServer(graph), httptest.NewServer(tg)
	defer graphSrv.Close()
	defer tgSrv.Close()

	dir := t.TempDir()
	config := filepath.Join(dir, "baton.yaml")
	os.WriteFile(config, []byte(`
channels:
  whatsapp:
    - name: main
      phone_number_id: "109876543210987"
      app_secret: {env: WA_APP_SECRET}
      verify_token: {env: WA_VERIFY_TOKEN}
      access_token: {env: WA_ACCESS_TOKEN}
      api_base: `+graphSrv.URL+`/v21.0
  telegram:
    - name: shop-bot
      bot_token: {env: TG_BOT_TOKEN}
      secret_token: tg-secret-123
      api_base: `+tgSrv.URL+`
`), 0o600)
	opts := startOptions{config: config, env: []string{"WA_APP_SECRET=app-secret-for-tests", "WA_VERIFY_TOKEN=verify-me",
		"WA_ACCESS_TOKEN=EAAtest", "TG_BOT_TOKEN=123456:ABC-test"}}
	data := filepath.Join(dir, "data")
	s := startWith(t, data, opts)

	// Meta's handshake.
	resp, err := httpClient.Get(s.base + "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")
	if err != nil {
		t.Fatal(err)
	}
	challenge, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(challenge) != "1158201444" {
		t.Fatalf("handshake: %d %q", resp.StatusCode, challenge)
	}

	// A customer asks; Meta delivers it twice; a forged copy is refused.
	msg := whatsAppText("31612345678", "wamid.in.1", "how long does shipping take?")
	for range 2 {
		if code := post(t, s.base+"/webhooks/whatsapp", msg, "X-Hub-Signature-256", signWhatsApp(msg, "app-secret-for-tests")); code != 200 {
			t.Fatalf("webhook: %d", code)
		}
	}
	if code := post(t, s.base+"/webhooks/whatsapp", msg, "X-Hub-Signature-256", signWhatsApp(msg, "wrong")); code != 401 {
		t.Fatalf("forged webhook: %d, want 401", code)
	}
	// The answer and "did this help?" reach WhatsApp once each, in order,
	// after the rate limit passed.
	waitFor(t, "the bot's answer on WhatsApp", func() bool { return len(graph.texts()) >= 2 })
	if got := graph.texts(); len(got) != 2 || !strings.Contains(strings.ToLower(got[0]), "ship") ||
		graph.bodies[1]["type"] != "interactive" {
		t.Fatalf("sent to WhatsApp: %q", got)
	}
	if graph.bodies[0]["to"] != "31612345678" || graph.bodies[0]["messaging_product"] != "whatsapp" ||
		graph.paths[0] != "/v21.0/109876543210987/messages" {
		t.Fatalf("send request: %s %v", graph.paths[0], graph.bodies[0])
	}

	// WhatsApp reports it read; the timeline shows it.
	st := whatsAppStatus("wamid.out.1", "read")
	if code := post(t, s.base+"/webhooks/whatsapp", st, "X-Hub-Signature-256", signWhatsApp(st, "app-secret-for-tests")); code != 200 {
		t.Fatalf("status webhook: %d", code)
	}
	var convs struct {
		Conversations []conversation `json:"conversations"`
	}
	s.must(t, 200, "GET", "/api/v1/conversations", testAdminToken, nil, &convs)
	var waID string
	for _, c := range convs.Conversations {
		waID = c.ID
	}
	waitFor(t, "the read status on the timeline", func() bool {
		var out struct {
			Messages []struct {
				Author   string `json:"author"`
				Delivery *struct {
					Status string `json:"status"`
				} `json:"delivery"`
			} `json:"messages"`
		}
		s.must(t, 200, "GET", "/api/v1/conversations/"+waID+"/messages", testAdminToken, nil, &out)
		for _, m := range out.Messages {
			if m.Delivery != nil && m.Delivery.Status == "read" {
				return true
			}
		}
		return false
	})

	// After a restart, Meta's late retry of the same message stores nothing new.
	s.stop(t)
	s = startWith(t, data, opts)
	if code := post(t, s.base+"/webhooks/whatsapp", msg, "X-Hub-Signature-256", signWhatsApp(msg, "app-secret-for-tests")); code != 200 {
		t.Fatalf("webhook after restart: %d", code)
	}
	n := 0
	for _, m := range s.timeline(t, waID, testAdminToken) {
		if m.Author == "customer" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("the customer's message is stored %d times", n)
	}
	if got := graph.texts(); len(got) != 2 {
		t.Fatalf("after the restart WhatsApp got %d messages, want the same 2", len(got))
	}

	// Telegram: the secret token is checked, the answer goes out with the bot's token in the path.
	upd := []byte(`{"update_id":1001,"message":{"message_id":5,"date":` + strconv.FormatInt(time.Now().Unix(), 10) + `,"from":{"id":777,"is_bot":false,"first_name":"Noa","language_code":"en"},"chat":{"id":777,"type":"private","first_name":"Noa"},"text":"how long does shipping take?"}}`)
	if code := post(t, s.base+"/webhooks/telegram/shop-bot", upd); code != 401 {
		t.Fatalf("telegram without the secret: %d, want 401", code)
	}
	if code := post(t, s.base+"/webhooks/telegram/shop-bot", upd, "X-Telegram-Bot-Api-Secret-Token", "tg-secret-123"); code != 200 {
		t.Fatalf("telegram webhook: %d", code)
	}
	waitFor(t, "the bot's answer on Telegram", func() bool { return len(tg.texts()) >= 2 })
	tg.mu.Lock()
	path, chat := tg.paths[0], tg.bodies[0]["chat_id"]
	tg.mu.Unlock()
	if path != "/bot123456:ABC-test/sendMessage" || fmt.Sprint(chat) != "777" {
		t.Fatalf("telegram send: %s chat %v", path, chat)
	}
	if strings.Contains(readFile(s.stderr), "ABC-test") || strings.Contains(readFile(s.stderr), "EAAtest") {
		t.Error("a platform token is in the log")
	}
}

// TestChannelDeliveriesInTheInbox: the agent sees on each entry how far it
// got on WhatsApp, and a reply WhatsApp refused is marked, not lost.
func TestChannelDeliveriesInTheInbox(t *testing.T) {
	agent := newPerson(t, "agent")
	graph := &fakePlatform{answer: func(n int) string {
		return fmt.Sprintf(`{"messaging_product":"whatsapp","contacts":[{"input":"31612345678","wa_id":"31612345678"}],"messages":[{"id":"wamid.out.%d"}]}`, n)
	}}
	refusing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte("Hi Anna")) {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"message":"(#131026) Message undeliverable","type":"OAuthException","code":131026,"fbtrace_id":"Abc"}}`)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		graph.ServeHTTP(w, r)
	})
	graphSrv := httptest.NewServer(refusing)
	defer graphSrv.Close()
	dir := t.TempDir()
	config := filepath.Join(dir, "baton.yaml")
	os.WriteFile(config, []byte(`
channels:
  whatsapp:
    - name: main
      phone_number_id: "109876543210987"
      app_secret: app-secret-for-tests
      verify_token: verify-me
      access_token: EAAtest
      api_base: `+graphSrv.URL+`/v21.0
`), 0o600)
	s := startWith(t, filepath.Join(dir, "data"), startOptions{config: config})
	email, password := demoAgent(t, s)
	agent.signIn(s.base, email, password, "online")

	say := func(id, text string) {
		msg := whatsAppText("31612345678", id, text)
		if code := post(t, s.base+"/webhooks/whatsapp", msg, "X-Hub-Signature-256", signWhatsApp(msg, "app-secret-for-tests")); code != 200 {
			t.Fatalf("webhook: %d", code)
		}
	}
	say("wamid.in.1", "I want to talk to a human")
	waitFor(t, "the email question on WhatsApp", func() bool { return len(graph.texts()) >= 1 })
	st := whatsAppStatus("wamid.out.1", "read")
	post(t, s.base+"/webhooks/whatsapp", st, "X-Hub-Signature-256", signWhatsApp(st, "app-secret-for-tests"))
	say("wamid.in.2", "anna@example.nl")

	agent.waitJS("the WhatsApp customer in Mine", `document.querySelectorAll('[data-testid=mine-list] [data-testid=conversation-row]').length === 1`)
	agent.run("open it", chromedp.Click(`[data-testid=mine-list] [data-testid=conversation-row]`))
	agent.waitJS("the read email question", `!!document.querySelector('[data-testid=entry][data-delivery=read]')`)
	agent.run("reply", chromedp.SendKeys(`[data-testid=composer]`, "Hi Anna, Alex here."), chromedp.Click(`[data-testid=send]`))
	agent.waitJS("the refused reply marked", `[...document.querySelectorAll('[data-testid=entry][data-author=agent]')]
		.some(e => e.textContent.includes("Hi Anna") && e.dataset.delivery === "failed")`)
	agent.inboxSaw("system", "not delivered on WhatsApp")
	agent.screenshot("whatsapp-delivery")
	if errs := agent.pageErrors(); len(errs) > 0 {
		t.Errorf("the inbox reported errors: %v", errs)
	}
}
