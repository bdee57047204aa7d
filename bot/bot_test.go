package bot_test

import (
	"context"
	"testing"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/bot"
)

var testConfig = bot.Config{
	Fallback: map[string]string{"en": "Sorry?", "nl": "Sorry, wat bedoelt u?"},
	Intents: []bot.Intent{
		{Name: "shipping", Examples: map[string][]string{"en": {"how long does shipping take", "delivery time"}, "nl": {"hoe lang duurt de verzending"}},
			Answers: map[string]string{"en": "Two days.", "nl": "Twee dagen."}},
		{Name: "returns", Examples: map[string][]string{"en": {"return policy", "can I send it back"}},
			Answers: map[string]string{"en": "30 days."}, Buttons: []baton.Button{{Title: "Start a return", Payload: "return"}}},
		{Name: "cancel_order", Examples: map[string][]string{"en": {"cancel my order"}},
			Answers: map[string]string{"en": "I'll get someone."},
			Handoff: &baton.HandoffRequest{Trigger: baton.TriggerSensitiveIntent, Priority: baton.PriorityHigh}},
	},
}

func TestReply(t *testing.T) {
	b := bot.New(testConfig)
	tests := []struct {
		locale, text, intent, answer string
		understood, handoff          bool
	}{
		{"en", "How long does SHIPPING take?", "shipping", "Two days.", true, false},
		{"nl", "Hoe lang duurt de verzending?", "shipping", "Twee dagen.", true, false},
		{"de", "delivery time", "shipping", "Two days.", true, false}, // no German answer: English
		{"en", "what's your return policy", "returns", "30 days.", true, false},
		{"en", "please cancel my order", "cancel_order", "I'll get someone.", true, true},
		{"en", "the weather is nice", "", "Sorry?", false, false},
		{"nl", "het weer is mooi", "", "Sorry, wat bedoelt u?", false, false},
	}
	for _, tt := range tests {
		r, err := b.Reply(context.Background(), baton.BotRequest{Conversation: &baton.Conversation{Locale: tt.locale}, Text: tt.text})
		if err != nil {
			t.Fatal(err)
		}
		if r.Intent != tt.intent || r.Understood != tt.understood || (r.Handoff != nil) != tt.handoff ||
			len(r.Messages) != 1 || r.Messages[0].Text != tt.answer {
			t.Errorf("%s %q: got %+v", tt.locale, tt.text, r)
		}
	}
	r, _ := b.Reply(context.Background(), baton.BotRequest{Conversation: &baton.Conversation{Locale: "en"}, Text: "cancel my order"})
	if r.Handoff.Reason != "cancel_order" || r.Handoff.Priority != baton.PriorityHigh {
		t.Errorf("sensitive intent handoff = %+v", r.Handoff)
	}
}

func BenchmarkReply(b *testing.B) {
	bt := bot.New(testConfig)
	req := baton.BotRequest{Conversation: &baton.Conversation{Locale: "en"}, Text: "Hi! How long does shipping take to Amsterdam?"}
	for b.Loop() {
		bt.Reply(context.Background(), req)
	}
}
