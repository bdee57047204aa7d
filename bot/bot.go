// Package bot is Baton's built-in bot: intents with example phrases per
// locale, answers per locale, quick replies and a fallback, matched on
// normalised words.
package bot

import (
	"context"
	"maps"
	"slices"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/textnorm"
)

// Intent is something customers ask, with how the bot answers it.
type Intent struct {
	Name string `yaml:"name" json:"name"`
	// Examples are phrases per locale that mean this intent.
	Examples map[string][]string `yaml:"examples" json:"examples"`
	// Answers per locale; "en" is the fallback locale.
	Answers map[string]string `yaml:"answers" json:"answers"`
	Buttons []baton.Button    `yaml:"buttons" json:"buttons,omitempty"`
	// Handoff, when set, makes this intent go to a human (a sensitive topic).
	Handoff *baton.HandoffRequest `yaml:"handoff" json:"handoff,omitempty"`
}

// Config is the whole built-in bot.
type Config struct {
	Intents         []Intent          `yaml:"intents"`
	Fallback        map[string]string `yaml:"fallback"`
	FallbackButtons []baton.Button    `yaml:"fallback_buttons"`
}

// Bot answers from a Config.
type Bot struct {
	cfg   Config
	index map[string][]posting
	sizes [][]int // sizes[intent][example] = distinct words in the example
}

type posting struct{ intent, example int }

// New indexes the intents' examples for matching.
func New(cfg Config) *Bot {
	b := &Bot{cfg: cfg, index: map[string][]posting{}, sizes: make([][]int, len(cfg.Intents))}
	for i, in := range cfg.Intents {
		for _, locale := range sortedKeys(in.Examples) {
			for _, ex := range in.Examples[locale] {
				words := unique(textnorm.Tokens(ex))
				e := len(b.sizes[i])
				b.sizes[i] = append(b.sizes[i], len(words))
				for _, w := range words {
					b.index[w] = append(b.index[w], posting{i, e})
				}
			}
		}
	}
	return b
}

// Match returns the intent that best matches text, or nil. An example
// matches when most of its words are in the text.
func (b *Bot) Match(text string) *Intent {
	words := unique(textnorm.Tokens(text))
	hits := map[posting]int{}
	for _, w := range words {
		for _, p := range b.index[w] {
			hits[p]++
		}
	}
	best, bestScore := -1, 0.0
	for p, n := range hits {
		score := float64(n) / float64(b.sizes[p.intent][p.example])
		if score > bestScore || score == bestScore && p.intent < best {
			best, bestScore = p.intent, score
		}
	}
	if best < 0 || bestScore < 0.6 {
		return nil
	}
	return &b.cfg.Intents[best]
}

// Reply answers a customer message.
func (b *Bot) Reply(_ context.Context, req baton.BotRequest) (*baton.BotReply, error) {
	locale := req.Conversation.Locale
	in := b.Match(req.Text)
	if in == nil {
		return &baton.BotReply{Messages: []baton.BotMessage{{Text: pick(b.cfg.Fallback, locale), Buttons: b.cfg.FallbackButtons}}}, nil
	}
	r := &baton.BotReply{Understood: true, Intent: in.Name}
	if text := pick(in.Answers, locale); text != "" {
		r.Messages = []baton.BotMessage{{Text: text, Buttons: in.Buttons}}
	}
	if in.Handoff != nil {
		h := *in.Handoff
		if h.Reason == "" {
			h.Reason = in.Name
		}
		r.Handoff = &h
	}
	return r, nil
}

func pick(m map[string]string, locale string) string {
	if s, ok := m[locale]; ok {
		return s
	}
	return m["en"]
}

func unique(words []string) []string {
	seen := make(map[string]bool, len(words))
	out := words[:0]
	for _, w := range words {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func sortedKeys(m map[string][]string) []string { return slices.Sorted(maps.Keys(m)) }

var _ baton.Bot = (*Bot)(nil)
