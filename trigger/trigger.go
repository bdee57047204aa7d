// Package trigger detects, in a customer's message, that a human is needed:
// phrases per locale such as "talk to a person", matched on normalised text.
package trigger

import (
	"maps"
	"slices"
	"strings"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/textnorm"
)

// Phrases detects the text trigger from per-locale phrase lists. Phrases of
// every locale are checked, the customer's own first, since people mix
// languages ("agent please").
type Phrases struct {
	byLocale map[string][]string
	locales  []string // sorted, so detection is deterministic
}

// NewPhrases normalises the phrase lists once.
func NewPhrases(lists map[string][]string) *Phrases {
	p := &Phrases{byLocale: map[string][]string{}}
	for locale, phrases := range lists {
		for _, ph := range phrases {
			if n := textnorm.Normalize(ph); n != "" {
				p.byLocale[locale] = append(p.byLocale[locale], " "+n+" ")
			}
		}
	}
	p.locales = slices.Sorted(maps.Keys(p.byLocale))
	return p
}

// Detect returns a text-trigger handoff request if the message asks for a person.
func (p *Phrases) Detect(c *baton.Conversation, text string) *baton.HandoffRequest {
	padded := " " + textnorm.Normalize(text) + " "
	if ph := p.find(c.Locale, padded); ph != "" {
		return &baton.HandoffRequest{Trigger: baton.TriggerText,
			Reason: "the customer asked for a person (\u201c" + strings.TrimSpace(ph) + "\u201d)"}
	}
	for _, locale := range p.locales {
		if locale == c.Locale {
			continue
		}
		if ph := p.find(locale, padded); ph != "" {
			return &baton.HandoffRequest{Trigger: baton.TriggerText,
				Reason: "the customer asked for a person (\u201c" + strings.TrimSpace(ph) + "\u201d)"}
		}
	}
	return nil
}

func (p *Phrases) find(locale, padded string) string {
	for _, ph := range p.byLocale[locale] {
		if strings.Contains(padded, ph) {
			return ph
		}
	}
	return ""
}

// DefaultPhrases are shipped phrase lists for asking for a person.
var DefaultPhrases = map[string][]string{
	"en": {"agent", "human", "a person", "real person", "talk to someone", "speak to someone", "customer service", "representative", "operator"},
	"nl": {"medewerker", "mens", "iemand spreken", "echte persoon", "klantenservice"},
	"de": {"mitarbeiter", "mensch", "kundenservice", "echte person"},
	"fr": {"conseiller", "humain", "une personne", "parler à quelqu'un", "service client"},
	"es": {"agente", "humano", "una persona", "hablar con alguien", "atencion al cliente"},
	"he": {"נציג", "נציגה", "בן אדם", "אדם אמיתי", "שירות לקוחות"},
	"ar": {"موظف", "انسان", "شخص حقيقي", "خدمة العملاء"},
}
