package webhookbot_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/webhookbot"
)

func rasaBot(tb testing.TB, secret string, reply func(n int, in rasaIn) (int, string)) (*fakeBot, *webhookbot.Bot) {
	tb.Helper()
	f := newFakeBot(tb, rasaPath, secret, rasaScript(reply))
	return f, mustNew(tb, webhookbot.Config{Format: webhookbot.FormatRasa, URL: f.URL + rasaPath, Secret: secret})
}

func TestRasaTextAndButtons(t *testing.T) {
	var got rasaIn
	_, b := rasaBot(t, "s3cret", func(_ int, in rasaIn) (int, string) {
		got = in
		return 200, `[{"recipient_id":"c_123","text":"Did that help?","buttons":[
			{"title":"Yes","payload":"/affirm"},{"title":"No","payload":"/deny"}]}]`
	})
	r, err := b.Reply(context.Background(), baton.BotRequest{Conversation: testConversation(), Text: "where is my parcel"})
	if err != nil {
		t.Fatal(err)
	}
	want := []baton.BotMessage{{Text: "Did that help?", Buttons: []baton.Button{{Title: "Yes", Payload: "/affirm"}, {Title: "No", Payload: "/deny"}}}}
	if !reflect.DeepEqual(r.Messages, want) || !r.Understood || r.Handoff != nil || r.Intent != "" {
		t.Errorf("reply = %+v", r)
	}
	wantIn := rasaIn{Sender: "c_123", Message: "where is my parcel",
		Metadata: map[string]any{"conversation_id": "c_123", "channel": "web", "locale": "nl"}}
	if !reflect.DeepEqual(got, wantIn) {
		t.Errorf("Rasa got %+v, want %+v", got, wantIn)
	}
}

func TestRasaSeveralMessages(t *testing.T) {
	_, b := rasaBot(t, "", func(int, rasaIn) (int, string) {
		return 200, `[
			{"recipient_id":"c_123","text":"Hello!"},
			{"recipient_id":"c_123","image":"https://example.com/map.png"},
			{"recipient_id":"c_123","attachment":{"type":"video"}},
			{"recipient_id":"c_123","text":"Anything else?","elements":[]},
			{"recipient_id":"c_123","buttons":[{"title":"No thanks","payload":"/deny"}]},
			{"recipient_id":"c_123","custom":{"intent":"greet","colour":"blue"}}]`
	})
	r, err := b.Reply(context.Background(), baton.BotRequest{Conversation: testConversation(), Text: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	want := []baton.BotMessage{
		{Text: "Hello!"},
		{Text: "https://example.com/map.png"},
		{Text: "Anything else?", Buttons: []baton.Button{{Title: "No thanks", Payload: "/deny"}}},
	}
	if !reflect.DeepEqual(r.Messages, want) {
		t.Errorf("messages = %+v, want %+v", r.Messages, want)
	}
	if r.Intent != "greet" || !r.Understood {
		t.Errorf("intent %q understood %v", r.Intent, r.Understood)
	}
}

func TestRasaHandoff(t *testing.T) {
	_, b := rasaBot(t, "", func(int, rasaIn) (int, string) {
		return 200, `[{"recipient_id":"c_123","text":"Let me get a colleague."},
			{"recipient_id":"c_123","custom":{"intent":"cancel_order","handoff":{"reason":"wants to cancel",
			"department":"billing","priority":"high","details":{"order":"A-1001"}}}}]`
	})
	r, err := b.Reply(context.Background(), baton.BotRequest{Conversation: testConversation(), Text: "cancel it"})
	if err != nil {
		t.Fatal(err)
	}
	want := &baton.HandoffRequest{Trigger: baton.TriggerBot, Reason: "wants to cancel", Department: "billing",
		Priority: baton.PriorityHigh, Details: map[string]string{"order": "A-1001"}, Intent: "cancel_order"}
	if !reflect.DeepEqual(r.Handoff, want) {
		t.Errorf("handoff = %+v, want %+v", r.Handoff, want)
	}
	if len(r.Messages) != 1 || r.Messages[0].Text != "Let me get a colleague." {
		t.Errorf("messages = %+v", r.Messages)
	}
}

func TestRasaHandoffAlone(t *testing.T) {
	_, b := rasaBot(t, "", func(int, rasaIn) (int, string) {
		return 200, `[{"recipient_id":"c_123","custom":{"handoff":{}}}]`
	})
	r, err := b.Reply(context.Background(), baton.BotRequest{Conversation: testConversation(), Text: "human please"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Handoff == nil || r.Handoff.Trigger != baton.TriggerBot || len(r.Messages) != 0 {
		t.Errorf("reply = %+v", r)
	}
}

func TestRasaNotUnderstood(t *testing.T) {
	for _, custom := range []string{`{"understood":false}`, `{"fallback":true}`} {
		_, b := rasaBot(t, "", func(int, rasaIn) (int, string) {
			return 200, `[{"text":"Sorry, I did not get that."},{"custom":` + custom + `}]`
		})
		r, err := b.Reply(context.Background(), baton.BotRequest{Conversation: testConversation(), Text: "blorp"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Understood {
			t.Errorf("custom %s: understood", custom)
		}
	}
}

func TestRasaPayloadInsteadOfText(t *testing.T) {
	var got string
	_, b := rasaBot(t, "", func(_ int, in rasaIn) (int, string) {
		got = in.Message
		return 200, `[{"text":"Great!"}]`
	})
	if _, err := b.Reply(context.Background(), baton.BotRequest{Conversation: testConversation(), Text: "Yes", Payload: "/affirm"}); err != nil {
		t.Fatal(err)
	}
	if got != "/affirm" {
		t.Errorf("message = %q, want the payload", got)
	}
}

func TestRasaUnusableAnswers(t *testing.T) {
	tests := []struct {
		name, body string
	}{
		{"empty list", `[]`},
		{"only an intent", `[{"custom":{"intent":"greet"}}]`},
		{"blank text", `[{"text":"  "}]`},
		{"invalid JSON", `[{"text":"Hi"`},
		{"an object", `{"text":"Hi"}`},
		{"bad priority", `[{"text":"One moment"},{"custom":{"handoff":{"priority":"asap"}}}]`},
		{"bad custom type", `[{"text":"Hi"},{"custom":{"understood":"no"}}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, b := rasaBot(t, "", func(int, rasaIn) (int, string) { return 200, tt.body })
			_, err := b.Reply(context.Background(), baton.BotRequest{Conversation: testConversation(), Text: "hi"})
			if !errors.Is(err, webhookbot.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if f.count() != 1 || callError(t, err).Attempts != 1 {
				t.Errorf("%d attempts; an unusable answer is not retried", f.count())
			}
		})
	}
}

func TestRasaSignature(t *testing.T) {
	f := newFakeBot(t, rasaPath, "right", rasaScript(func(int, rasaIn) (int, string) { return 200, `[{"text":"ok"}]` }))
	req := baton.BotRequest{Conversation: testConversation(), Text: "hi"}

	good := mustNew(t, webhookbot.Config{Format: webhookbot.FormatRasa, URL: f.URL + rasaPath, Secret: "right"})
	if _, err := good.Reply(context.Background(), req); err != nil {
		t.Fatalf("signed with the right secret: %v", err)
	}

	wrong := mustNew(t, webhookbot.Config{Format: webhookbot.FormatRasa, URL: f.URL + rasaPath, Secret: "wrong"})
	_, err := wrong.Reply(context.Background(), req)
	var ce *webhookbot.CallError
	if !errors.As(err, &ce) || ce.StatusCode != http.StatusUnauthorized || ce.Attempts != 1 {
		t.Errorf("wrong secret: err = %v, want one 401", err)
	}

	tampered, err := webhookbot.New(webhookbot.Config{Format: webhookbot.FormatRasa, URL: f.URL + rasaPath, Secret: "right"},
		&http.Client{Transport: tamper{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tampered.Reply(context.Background(), req)
	if !errors.As(err, &ce) || ce.StatusCode != http.StatusUnauthorized {
		t.Errorf("tampered body: err = %v, want 401", err)
	}
}
