package trigger

import (
	"slices"
	"strings"
	"testing"

	"github.com/batonhq/baton/textnorm"
)

// TestShippedLists checks that every shipped phrase finds itself, under its
// own kind and language, and that the lists keep their intended size.
func TestShippedLists(t *testing.T) {
	d, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	sizes := []struct {
		name     string
		kind     kind
		min, max int
		list     func(lists) []string
	}{
		{"person", kindPerson, 12, 20, func(l lists) []string { return l.person }},
		{"not helping", kindNotHelping, 8, 14, func(l lists) []string { return l.notHelping }},
		{"urgent", kindUrgent, 6, 15, func(l lists) []string { return l.urgent }},
		{"not helpful", kindNotHelpful, 8, 20, func(l lists) []string { return l.notHelpful }},
		{"angry", kindAngry, 8, 20, func(l lists) []string { return l.angry }},
	}
	for _, lang := range Locales() {
		l := shipped[lang]
		if n := len(l.person) + len(l.notHelping); n < 12 || n > 30 {
			t.Errorf("%s: %d human phrases, want 12 to 30", lang, n)
		}
		for _, s := range sizes {
			phrases := s.list(l)
			if len(phrases) < s.min || len(phrases) > s.max {
				t.Errorf("%s %s: %d phrases, want %d to %d", lang, s.name, len(phrases), s.min, s.max)
			}
			for _, p := range phrases {
				h := d.read(p, lang).hits.best[s.kind]
				if h.p == nil || h.rank != 0 || h.start != 0 || h.p.length != len(strings.Fields(textnorm.Normalize(p))) {
					t.Errorf("%s %s %q: found %+v, want itself", lang, s.name, p, h)
				}
			}
		}
	}
}

// TestNoCommonWords keeps words of ordinary questions out of the lists that
// start a handoff on their own.
func TestNoCommonWords(t *testing.T) {
	common := []string{"person", "persoon", "personne", "persona", "service", "help",
		"hulp", "hilfe", "aide", "ayuda", "now", "nu", "jetzt", "maintenant", "ahora", "order",
		"please", "question", "support", "עזרה", "עכשיו", "مساعدة", "الان"}
	for lang, l := range shipped {
		for _, p := range slices.Concat(l.person, l.notHelping, l.urgent) {
			if slices.Contains(common, textnorm.Normalize(p)) {
				t.Errorf("%s: %q alone would start a handoff on ordinary questions", lang, p)
			}
		}
	}
}
