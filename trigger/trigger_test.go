package trigger_test

import (
	"testing"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/trigger"
)

func TestDetect(t *testing.T) {
	p := trigger.NewPhrases(trigger.DefaultPhrases)
	tests := []struct {
		locale, text string
		want         bool
	}{
		{"en", "I want to talk to a HUMAN!", true},
		{"en", "agent please", true},
		{"en", "Can I speak to someone?", true},
		{"en", "how long does shipping take", false},
		{"en", "humanity is great", false}, // whole words only
		{"nl", "Ik wil een medewerker spreken", true},
		{"de", "Bitte einen Mitarbeiter", true},
		{"fr", "Je veux parler à quelqu'un", true},
		{"es", "Quiero hablar con un agente", true},
		{"he", "אני רוצה לדבר עם נציג", true},
		{"ar", "أريد التحدث إلى موظف", true},
		{"en", "", false},
	}
	for _, tt := range tests {
		got := p.Detect(&baton.Conversation{Locale: tt.locale}, tt.text)
		if (got != nil) != tt.want {
			t.Errorf("%s %q: detected %v, want %v", tt.locale, tt.text, got != nil, tt.want)
		}
		if got != nil && got.Trigger != baton.TriggerText {
			t.Errorf("%s %q: trigger %q", tt.locale, tt.text, got.Trigger)
		}
	}
	if p.Detect(&baton.Conversation{Locale: "he"}, "אני רוצה נְצִיג") == nil {
		t.Error("niqqud should be ignored")
	}
}
