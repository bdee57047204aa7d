// Package routing picks the department and priority of a handoff from
// rules: the topic (intent), the trigger, keywords in the customer's
// message, the channel, the language and the contact's attributes.
//
// Rules are tried in order. The first matching rule that names a
// department picks it; every matching rule that names a priority can raise
// it (never lower it). So a rule "VIP customers are high priority" and a
// rule "invoices go to billing" both apply to a VIP asking for an invoice.
package routing

import (
	"fmt"
	"slices"
	"strings"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/textnorm"
)

// Rule routes the handoffs it matches.
type Rule struct {
	Name       string         `yaml:"name" json:"name"`
	When       When           `yaml:"when" json:"when"`
	Department string         `yaml:"department" json:"department,omitempty"`
	Priority   baton.Priority `yaml:"priority" json:"priority,omitempty"`
}

// When is a rule's condition: every field that is set must hold, and a
// list holds when any of its entries does. An empty When matches every
// handoff.
type When struct {
	Intents  []string        `yaml:"intents" json:"intents,omitempty"`
	Triggers []baton.Trigger `yaml:"triggers" json:"triggers,omitempty"`
	// Keywords are phrases in the customer's message, matched as whole
	// words after normalisation (case, accents, diacritics, punctuation).
	Keywords []string        `yaml:"keywords" json:"keywords,omitempty"`
	Channels []baton.Channel `yaml:"channels" json:"channels,omitempty"`
	// Locales match the conversation's locale or its language ("nl"
	// matches "nl-BE").
	Locales []string `yaml:"locales" json:"locales,omitempty"`
	// Attributes are contact attributes with their value, compared
	// without regard to case; the value "*" means any non-empty value.
	Attributes map[string]string `yaml:"attributes" json:"attributes,omitempty"`
}

// Router applies rules.
type Router struct {
	rules    []Rule
	keywords [][]string // normalised, padded with spaces, per rule
}

// New checks the rules. exists reports whether a department exists.
func New(rules []Rule, exists func(department string) bool) (*Router, error) {
	r := &Router{rules: rules, keywords: make([][]string, len(rules))}
	for i, rule := range rules {
		name := rule.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		if rule.Department == "" && rule.Priority == "" {
			return nil, fmt.Errorf("routing rule %s: set a department, a priority or both", name)
		}
		if rule.Department != "" && !exists(rule.Department) {
			return nil, fmt.Errorf("routing rule %s: unknown department %q", name, rule.Department)
		}
		if rule.Priority != "" && !rule.Priority.Valid() {
			return nil, fmt.Errorf("routing rule %s: unknown priority %q (use low, normal, high or urgent)", name, rule.Priority)
		}
		for _, t := range rule.When.Triggers {
			if !t.Valid() {
				return nil, fmt.Errorf("routing rule %s: unknown trigger %q", name, t)
			}
		}
		for _, ch := range rule.When.Channels {
			if !ch.Valid() {
				return nil, fmt.Errorf("routing rule %s: unknown channel %q", name, ch)
			}
		}
		for _, k := range rule.When.Keywords {
			n := textnorm.Normalize(k)
			if n == "" {
				return nil, fmt.Errorf("routing rule %s: keyword %q has no letters or digits", name, k)
			}
			r.keywords[i] = append(r.keywords[i], " "+n+" ")
		}
	}
	return r, nil
}

// Route returns the department (empty when no rule names one) and the
// priority (empty when no rule names one) for a handoff.
func (r *Router) Route(c *baton.Conversation, req baton.HandoffRequest, text string) (string, baton.Priority) {
	var dept string
	var prio baton.Priority
	padded := ""
	for i, rule := range r.rules {
		w := rule.When
		if len(w.Intents) > 0 && (req.Intent == "" || !slices.Contains(w.Intents, req.Intent)) ||
			len(w.Triggers) > 0 && !slices.Contains(w.Triggers, req.Trigger) ||
			len(w.Channels) > 0 && !slices.Contains(w.Channels, c.Channel) ||
			len(w.Locales) > 0 && !localeIn(c.Locale, w.Locales) ||
			!attributesMatch(c.Contact.Attributes, w.Attributes) {
			continue
		}
		if len(r.keywords[i]) > 0 {
			if padded == "" {
				padded = " " + textnorm.Normalize(text) + " "
			}
			if !slices.ContainsFunc(r.keywords[i], func(k string) bool { return strings.Contains(padded, k) }) {
				continue
			}
		}
		if dept == "" {
			dept = rule.Department
		}
		if rule.Priority.Rank() > prio.Rank() {
			prio = rule.Priority
		}
	}
	return dept, prio
}

func localeIn(locale string, locales []string) bool {
	lang := baton.Language(locale)
	for _, l := range locales {
		if strings.EqualFold(l, locale) || strings.EqualFold(l, lang) {
			return true
		}
	}
	return false
}

func attributesMatch(have, want map[string]string) bool {
	for k, v := range want {
		got := strings.TrimSpace(have[k])
		if got == "" || v != "*" && !strings.EqualFold(got, v) {
			return false
		}
	}
	return true
}
