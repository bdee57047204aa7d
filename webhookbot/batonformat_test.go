package webhookbot_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/webhookbot"
)

const batonPath = "/bot"

// batonBot answers every request with reply and keeps the decoded requests.
func batonBot(tb testing.TB, reply func(n int) string) (*webhookbot.Bot, func() []map[string]any) {
	tb.Helper()
	var got []map[string]any
	f := newFakeBot(tb, batonPath, "k", func(n int, w http.ResponseWriter, _ *http.Request, body []byte) {
		var in map[string]any
		if err := json.Unmarshal(body, &in); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		got = append(got, in)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, reply(n))
	})
	b := mustNew(tb, webhookbot.Config{Format: webhookbot.FormatBaton, URL: f.URL + batonPath, Secret: "k"})
	return b, func() []map[string]any { return got }
}

func TestBatonRequest(t *testing.T) {
	b, got := batonBot(t, func(int) string { return `{"messages":[{"text":"Thanks!"}]}` })
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	c := testConversation()
	c.Mode = baton.ModeHandoff
	c.Contact.Attributes = map[string]string{"plan": "pro"}
	c.BotState = &baton.BotState{Flow: "return", Pending: "reason", Slots: map[string]string{"order": "A-1001", "email": "old@example.com"}}
	c.Handoff = &baton.Handoff{Trigger: baton.TriggerBot, Details: map[string]string{"topic": "refund"}}
	req := baton.BotRequest{Conversation: c, Text: "Broken", Payload: "reason:broken", Recent: []baton.Message{
		{Author: baton.AuthorCustomer, Text: "I want to return my order", CreatedAt: at},
		{Author: baton.AuthorSystem, Event: baton.EventHandoffRequested, Text: "Handoff requested", CreatedAt: at},
		{Author: baton.AuthorAgent, Text: "Hello, Bob here.", CreatedAt: at},
		{Author: baton.AuthorBot, Text: "internal note", Private: true, CreatedAt: at},
		{Author: baton.AuthorBot, Text: "Why?", Buttons: []baton.Button{{Title: "Broken", Payload: "reason:broken"}}, CreatedAt: at.Add(time.Second)},
	}}
	if _, err := b.Reply(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal([]byte(`{
		"version": 1,
		"conversation": {"id": "c_123", "channel": "web", "locale": "nl", "mode": "handoff",
			"contact": {"name": "Ann", "email": "ann@example.com", "phone": "", "attributes": {"plan": "pro"}}},
		"message": {"text": "Broken", "payload": "reason:broken"},
		"recent": [
			{"author": "customer", "text": "I want to return my order", "created_at": "2026-03-01T09:30:00Z"},
			{"author": "bot", "text": "Why?", "created_at": "2026-03-01T09:30:01Z"}
		],
		"state": {"flow": "return", "pending": "reason", "slots": {"order": "A-1001", "email": "old@example.com"}},
		"details": {"order": "A-1001", "email": "ann@example.com", "name": "Ann", "topic": "refund"}
	}`), &want); err != nil {
		t.Fatal(err)
	}
	if len(got()) != 1 || !reflect.DeepEqual(got()[0], want) {
		t.Errorf("request =\n%v\nwant\n%v", got(), want)
	}
}

func TestBatonRequestEmpty(t *testing.T) {
	b, got := batonBot(t, func(int) string { return `{"messages":[{"text":"Hi"}]}` })
	c := &baton.Conversation{ID: "c_1", Channel: baton.ChannelAPI, Locale: "en", Mode: baton.ModeBot}
	if _, err := b.Reply(context.Background(), baton.BotRequest{Conversation: c, Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	in := got()[0]
	// Lists and objects are present even when empty, never null.
	if !reflect.DeepEqual(in["recent"], []any{}) || !reflect.DeepEqual(in["details"], map[string]any{}) ||
		!reflect.DeepEqual(in["state"], map[string]any{"flow": "", "pending": "", "slots": map[string]any{}}) ||
		!reflect.DeepEqual(in["message"], map[string]any{"text": "hello"}) {
		t.Errorf("request = %v", in)
	}
}

func TestBatonStateRoundTrip(t *testing.T) {
	answers := []string{
		`{"messages":[{"text":"Which order?"}],"state":{"flow":"return","pending":"order","slots":{"reason":"broken"}}}`,
		`{"messages":[{"text":"Got it."}]}`,
		`{"messages":[{"text":"Done."}],"state":{}}`,
		`{"messages":[{"text":"Again?"}],"state":null}`,
	}
	b, got := batonBot(t, func(n int) string { return answers[n-1] })
	c := testConversation()
	r, err := b.Reply(context.Background(), baton.BotRequest{Conversation: c, Text: "return"})
	if err != nil {
		t.Fatal(err)
	}
	want := &baton.BotState{Flow: "return", Pending: "order", Slots: map[string]string{"reason": "broken"}}
	if !reflect.DeepEqual(r.State, want) {
		t.Fatalf("state = %+v, want %+v", r.State, want)
	}

	c.BotState = r.State // what the engine stores
	if r, err = b.Reply(context.Background(), baton.BotRequest{Conversation: c, Text: "A-1001"}); err != nil {
		t.Fatal(err)
	}
	sent := got()[1]["state"]
	if !reflect.DeepEqual(sent, map[string]any{"flow": "return", "pending": "order", "slots": map[string]any{"reason": "broken"}}) {
		t.Errorf("second request's state = %v", sent)
	}
	if r.State != nil {
		t.Errorf("omitted state = %+v, want nil (unchanged)", r.State)
	}

	if r, err = b.Reply(context.Background(), baton.BotRequest{Conversation: c, Text: "thanks"}); err != nil {
		t.Fatal(err)
	}
	if r.State == nil || !r.State.Empty() {
		t.Errorf("state {} = %+v, want an empty state (cleared)", r.State)
	}

	if r, err = b.Reply(context.Background(), baton.BotRequest{Conversation: c, Text: "?"}); err != nil {
		t.Fatal(err)
	}
	if r.State != nil {
		t.Errorf("state null = %+v, want nil (unchanged)", r.State)
	}
}

func TestBatonHandoff(t *testing.T) {
	b, _ := batonBot(t, func(int) string {
		return `{"intent":"cancel_order","handoff":{"reason":"wants to cancel","department":"billing",
			"priority":"urgent","details":{"order":"A-1001"}}}`
	})
	r, err := b.Reply(context.Background(), baton.BotRequest{Conversation: testConversation(), Text: "cancel"})
	if err != nil {
		t.Fatal(err)
	}
	want := &baton.HandoffRequest{Trigger: baton.TriggerBot, Reason: "wants to cancel", Department: "billing",
		Priority: baton.PriorityUrgent, Details: map[string]string{"order": "A-1001"}, Intent: "cancel_order"}
	if !reflect.DeepEqual(r.Handoff, want) || len(r.Messages) != 0 || r.Intent != "cancel_order" {
		t.Errorf("reply = %+v, handoff %+v", r, r.Handoff)
	}
}

func TestBatonIntentAndUnderstood(t *testing.T) {
	tests := []struct {
		body, intent string
		understood   bool
		buttons      []baton.Button
	}{
		{`{"messages":[{"text":"Sorry?"}],"intent":"fallback","understood":false}`, "fallback", false, nil},
		{`{"messages":[{"text":"Two days."}],"intent":"shipping","understood":true}`, "shipping", true, nil},
		{`{"messages":[{"text":"Two days.","buttons":[{"title":"Thanks","payload":"helpful:yes"},{"title":"More"}]}],"intent":"shipping"}`,
			"shipping", true, []baton.Button{{Title: "Thanks", Payload: baton.PayloadHelpful}, {Title: "More", Payload: "More"}}},
	}
	for _, tt := range tests {
		b, _ := batonBot(t, func(int) string { return tt.body })
		r, err := b.Reply(context.Background(), baton.BotRequest{Conversation: testConversation(), Text: "?"})
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		if r.Understood != tt.understood || r.Intent != tt.intent || !reflect.DeepEqual(r.Messages[0].Buttons, tt.buttons) {
			t.Errorf("%s: understood %v, intent %q, buttons %+v", tt.body, r.Understood, r.Intent, r.Messages[0].Buttons)
		}
	}
}

func TestBatonInvalidReplies(t *testing.T) {
	tests := []struct{ name, body string }{
		{"nothing", `{}`},
		{"no messages, no handoff", `{"messages":[],"intent":"greet"}`},
		{"empty text", `{"messages":[{"text":"Hi"},{"text":" "}]}`},
		{"button without title", `{"messages":[{"text":"Hi","buttons":[{"payload":"x"}]}]}`},
		{"invalid priority", `{"messages":[{"text":"One moment"}],"handoff":{"priority":"asap"}}`},
		{"messages not a list", `{"messages":{"text":"Hi"}}`},
		{"understood not a boolean", `{"messages":[{"text":"Hi"}],"understood":"yes"}`},
		{"not JSON", `<html>Bad Gateway</html>`},
		{"empty body", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, got := batonBot(t, func(int) string { return tt.body })
			_, err := b.Reply(context.Background(), baton.BotRequest{Conversation: testConversation(), Text: "?"})
			if !errors.Is(err, webhookbot.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if len(got()) != 1 {
				t.Errorf("%d attempts, want 1", len(got()))
			}
		})
	}
}
