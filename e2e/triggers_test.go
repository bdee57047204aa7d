package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batonhq/baton/lifecycle"
)

// handoffServer is the binary on the demo config with one agent, away, in
// support and privacy: handoffs wait in the queue (or become tickets when
// privacy is closed) and nobody is assigned.
func handoffServer(t *testing.T, opts startOptions) (*server, agent) {
	t.Helper()
	s := startWith(t, t.TempDir(), opts)
	var ag agent
	s.must(t, http.StatusCreated, "POST", "/api/v1/agents", testAdminToken,
		map[string]any{"name": "Alex", "departments": []string{"support", "privacy"}, "max_concurrent": 3}, &ag)
	s.must(t, http.StatusOK, "PUT", "/api/v1/agents/me/status", ag.Token, map[string]string{"status": "away"}, nil)
	return s, ag
}

func (s *server) open(t testing.TB, locale string, contact map[string]any) conversation {
	t.Helper()
	var c conversation
	s.must(t, http.StatusCreated, "POST", "/api/v1/conversations", "",
		map[string]any{"channel": "web", "locale": locale, "contact": contact}, &c)
	return c
}

// tap posts a customer message with a quick reply's payload.
func (s *server) tap(t testing.TB, c conversation, text, payload string) {
	t.Helper()
	s.must(t, http.StatusCreated, "POST", "/api/v1/conversations/"+c.ID+"/messages", c.CustomerToken,
		map[string]string{"text": text, "payload": payload}, nil)
}

func lastBotText(tl []message) (string, []button) {
	for i := len(tl) - 1; i >= 0; i-- {
		if tl[i].Author == "bot" {
			return tl[i].Text, tl[i].Buttons
		}
	}
	return "", nil
}

// wantHandoff checks the agent's view of a conversation after a trigger.
func wantHandoff(t *testing.T, s *server, ag agent, c conversation, trigger, intent, dept string, details map[string]string) conversation {
	t.Helper()
	got := s.conversation(t, c.ID, ag.Token)
	if got.Handoff == nil || got.Handoff.Trigger != trigger || got.Handoff.Intent != intent || got.Handoff.Department != dept {
		t.Fatalf("handoff %+v, want trigger %s, intent %q, department %s; timeline:\n%s", got.Handoff, trigger, intent, dept,
			dump(s.timeline(t, c.ID, ag.Token)))
	}
	for k, v := range details {
		if got.Handoff.Details[k] != v {
			t.Fatalf("details %v, want %s=%s", got.Handoff.Details, k, v)
		}
	}
	if got.Summary == nil || got.Summary.Trigger != trigger || got.Summary.Intent != intent || got.Summary.Channel != "web" ||
		!strings.Contains(got.Summary.Text, trigger) {
		t.Fatalf("summary %+v", got.Summary)
	}
	return got
}

// TestTriggersEndToEnd runs one conversation per trigger through the HTTP
// API of the binary on its demo setup, and checks the handoff's trigger
// and the details it collected.
func TestTriggersEndToEnd(t *testing.T) {
	s, ag := handoffServer(t, startOptions{})

	t.Run("text, in every shipped language", func(t *testing.T) {
		for _, tt := range []struct{ locale, ask, email string }{
			{"en", "I want to talk to a human", "dana@example.com"},
			{"nl", "Ik wil een medewerker spreken", "daan@voorbeeld.nl"},
			{"he", "אני רוצה לדבר עם נציג", "dana@example.co.il"},
			{"de", "Ich möchte mit einem Mitarbeiter sprechen", "dana@beispiel.de"},
			{"fr", "Je veux parler à un humain", "dana@exemple.fr"},
			{"es", "Quiero hablar con un agente", "dana@ejemplo.es"},
			{"ar", "أريد التحدث مع موظف", "dana@example.ae"},
		} {
			c := s.open(t, tt.locale, map[string]any{"name": "Dana"})
			s.say(t, c, tt.ask, "")
			// Support needs an email: asked in the customer's language.
			tl := s.timeline(t, c.ID, c.CustomerToken)
			if got, _ := lastBotText(tl); got != lifecycle.TextsFor(tt.locale).AskEmail {
				t.Fatalf("%s: asked %q, want %q", tt.locale, got, lifecycle.TextsFor(tt.locale).AskEmail)
			}
			s.say(t, c, "not an email", "")
			if got, _ := lastBotText(s.timeline(t, c.ID, c.CustomerToken)); !strings.Contains(got, lifecycle.TextsFor(tt.locale).AskEmail) {
				t.Fatalf("%s: after an invalid email: %q", tt.locale, got)
			}
			s.say(t, c, tt.email, "")
			got := wantHandoff(t, s, ag, c, "text", "", "support", map[string]string{"email": tt.email, "name": "Dana"})
			if got.Mode != "queued" {
				t.Fatalf("%s: mode %s", tt.locale, got.Mode)
			}
			mine := s.conversation(t, c.ID, c.CustomerToken)
			if mine.ExpectedWait == nil || mine.ExpectedWait.Position < 1 {
				t.Fatalf("%s: the customer sees no expected wait: %+v", tt.locale, mine.ExpectedWait)
			}
		}
	})

	t.Run("unknown", func(t *testing.T) {
		c := s.open(t, "en", map[string]any{"name": "Uri", "email": "uri@example.com"})
		s.say(t, c, "xqzv blorp", "")
		if got := s.conversation(t, c.ID, ag.Token); got.Mode != "bot" {
			t.Fatalf("after one unknown: %s", got.Mode)
		}
		s.say(t, c, "wibble wobble", "")
		got := wantHandoff(t, s, ag, c, "unknown", "", "support", map[string]string{"email": "uri@example.com"})
		if got.Mode != "queued" {
			t.Fatalf("mode %s", got.Mode)
		}
	})

	t.Run("feedback, tapped and typed", func(t *testing.T) {
		for _, tt := range []struct{ locale, question, no, payload string }{
			{"en", "how long does shipping take?", "No", "helpful:no"},
			{"nl", "hoe lang duurt de verzending", "nee", ""},
			{"he", "כמה זמן לוקח משלוח?", "לא", ""},
		} {
			c := s.open(t, tt.locale, map[string]any{"email": "fay@example.com"})
			s.say(t, c, tt.question, "")
			_, buttons := lastBotText(s.timeline(t, c.ID, c.CustomerToken))
			if !hasPayload(buttons, "helpful:no") {
				t.Fatalf("%s: the answer does not ask whether it helped: %+v", tt.locale, buttons)
			}
			s.tap(t, c, tt.no, tt.payload)
			wantHandoff(t, s, ag, c, "feedback", "shipping", "support", nil)
		}
	})

	t.Run("sensitive intent collects email and order number", func(t *testing.T) {
		c := s.open(t, "en", map[string]any{"name": "Sam"})
		s.say(t, c, "I want to cancel my order", "")
		got := s.conversation(t, c.ID, ag.Token)
		if got.Mode != "handoff" || strings.Join(got.Handoff.Missing, ",") != "email,order_number" {
			t.Fatalf("mode %s, missing %v", got.Mode, got.Handoff)
		}
		s.say(t, c, "sam@example.com", "")
		s.say(t, c, "it's EX-100234", "")
		got = wantHandoff(t, s, ag, c, "sensitive_intent", "cancel_order", "support",
			map[string]string{"email": "sam@example.com", "order_number": "EX-100234"})
		if got.Mode != "queued" || !strings.Contains(got.Summary.Text, "EX-100234") {
			t.Fatalf("mode %s, summary %q", got.Mode, got.Summary.Text)
		}
	})

	t.Run("sensitive intent routed to privacy", func(t *testing.T) {
		c := s.open(t, "nl", map[string]any{"email": "pim@example.nl"})
		s.say(t, c, "ik wil mijn gegevens verwijderen", "")
		got := wantHandoff(t, s, ag, c, "sensitive_intent", "personal_data", "privacy", map[string]string{"email": "pim@example.nl"})
		// Privacy keeps office hours: queued in hours, else a ticket.
		if got.Mode != "queued" && got.Mode != "ticket" {
			t.Fatalf("mode %s", got.Mode)
		}
	})

	t.Run("urgency raises the priority", func(t *testing.T) {
		c := s.open(t, "en", map[string]any{"email": "ur@example.com"})
		s.say(t, c, "this is urgent, my order is wrong", "")
		got := wantHandoff(t, s, ag, c, "text", "", "support", nil)
		if got.Priority != "urgent" {
			t.Fatalf("priority %s", got.Priority)
		}
	})

	t.Run("frustration", func(t *testing.T) {
		c := s.open(t, "en", map[string]any{"email": "fr@example.com"})
		for range 3 {
			s.say(t, c, "where is my package", "")
		}
		wantHandoff(t, s, ag, c, "frustration", "order_status", "support", nil)
	})
}

func hasPayload(buttons []button, payload string) bool {
	for _, b := range buttons {
		if b.Payload == payload {
			return true
		}
	}
	return false
}

// TestExternalBotTriggersEndToEnd: the binary calls an external bot in
// Rasa's format; a handoff action is trigger bot, a failing bot is trigger
// bot_failure, and the customer is never left without an answer.
func TestExternalBotTriggersEndToEnd(t *testing.T) {
	rasa := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Sender  string `json:"sender"`
			Message string `json:"message"`
		}
		if r.URL.Path != "/webhooks/rest/webhook" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		switch req.Message {
		case "break":
			http.Error(w, "the bot is down", http.StatusInternalServerError)
		case "privacy please":
			fmt.Fprintf(w, `[{"recipient_id":%q,"text":"Passing you to privacy."},{"recipient_id":%q,"custom":{"handoff":{"reason":"asked for the privacy team","department":"privacy","priority":"high","details":{"topic":"gdpr"}}}}]`, req.Sender, req.Sender)
		default:
			fmt.Fprintf(w, `[{"recipient_id":%q,"text":"Rasa says hi","buttons":[{"title":"More","payload":"/more"}]}]`, req.Sender)
		}
	}))
	t.Cleanup(rasa.Close)
	config := filepath.Join(t.TempDir(), "baton.yaml")
	if err := os.WriteFile(config, []byte("bot_webhook:\n  format: rasa\n  url: "+rasa.URL+"/webhooks/rest/webhook\n  timeout: 2s\n  retries: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, ag := handoffServer(t, startOptions{config: config, env: []string{"BATON_BOT_WEBHOOK_SECRET=an-example-signing-secret"}})

	// The answer arrives in the background, after the customer's message is stored.
	waitFor := func(c conversation, what string, ok func(conversation) bool) conversation {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			got := s.conversation(t, c.ID, ag.Token)
			if ok(got) {
				return got
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: still %+v; timeline:\n%s", what, got, dump(s.timeline(t, c.ID, ag.Token)))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	c := s.open(t, "en", map[string]any{"email": "rasa@example.com"})
	m := s.say(t, c, "hello", "")
	waitFor(c, "rasa answer", func(got conversation) bool { return got.LastSeq > m.Seq })
	if text, buttons := lastBotText(s.timeline(t, c.ID, c.CustomerToken)); text != "Rasa says hi" || !hasPayload(buttons, "/more") {
		t.Fatalf("answer %q %+v", text, buttons)
	}

	s.say(t, c, "privacy please", "")
	waitFor(c, "bot handoff", func(got conversation) bool { return got.Mode != "bot" })
	got := wantHandoff(t, s, ag, c, "bot", "", "privacy", map[string]string{"topic": "gdpr", "email": "rasa@example.com"})
	if got.Priority != "high" || got.Handoff.Reason != "asked for the privacy team" {
		t.Fatalf("priority %s, reason %q", got.Priority, got.Handoff.Reason)
	}

	failing := s.open(t, "en", map[string]any{"email": "down@example.com"})
	s.say(t, failing, "break", "")
	got = waitFor(failing, "bot failure", func(got conversation) bool { return got.Mode != "bot" })
	got = wantHandoff(t, s, ag, failing, "bot_failure", "", "support", map[string]string{"email": "down@example.com"})
	if got.Mode != "queued" || !strings.Contains(got.Handoff.Reason, "500") {
		t.Fatalf("mode %s, reason %q", got.Mode, got.Handoff.Reason)
	}
	if text, _ := lastBotText(s.timeline(t, failing.ID, failing.CustomerToken)); !strings.Contains(text, "number 1") && !strings.Contains(text, "queue") {
		t.Fatalf("the customer was told %q", text)
	}
}
