// Package trigger decides, from a customer's message and what was said just
// before it, whether the customer needs a human, and why.
//
// # Lists and matching
//
// Baton ships phrase lists for English, Dutch, Hebrew, German, French,
// Spanish and Arabic (see Locales); a Config adds to them or replaces them.
// Phrases and messages are normalised alike (case, accents, Hebrew niqqud,
// Arabic harakat and letter variants, punctuation) and a phrase matches
// whole words only: "agent" matches "Agent please!" but not "agenda" or
// "agents". A Hebrew or Arabic word also matches without the one-letter
// prefixes those languages attach to it ("לנציג", "והנציג", "للموظف",
// "بالموظف"), as long as two letters remain. Every message is checked
// against the lists of all languages, the conversation's own first, because
// customers mix them. Phrases are indexed word by word, so a list of
// thousands costs a message no more than a short one.
//
// # Precedence
//
// The first of these that applies is the trigger reported:
//
//  1. feedback: the customer tapped "not helpful", or the bot's last message
//     asked "did this help?" (it offers a button with payload
//     baton.PayloadNotHelpful) and the answer is a no ("no", "nope, still
//     broken", or the title of that button);
//  2. text: the customer asks for a person, or says the bot is not helping;
//  3. text, urgent: an urgency word;
//  4. frustration: the frustration score reaches the threshold.
//
// Whatever fires, the priority is urgent when this message or an earlier
// customer message in the context holds an urgency word.
//
// # Frustration score
//
// Each customer message earns points:
//
//   - shouting, +1: at least 6 letters that have a case, 70% or more of
//     them upper case (Hebrew and Arabic have no case, so cannot shout);
//   - "!!", "?!" or longer runs of them, +0.5;
//   - each angry word or phrase, +1, at most +2;
//   - repetition, +1.5 for each of the previous three customer messages it
//     repeats, at most +3: equal once normalised, or sharing at least 80% of
//     their words (Jaccard similarity of the word sets). A one-word message
//     ("yes", "ok") is an answer, not a repetition, and never counts.
//
// The score is this message's points plus half the previous customer
// message's and a quarter of the one before. Ordinary questions score 0;
// the same question a third time scores 3.75; "THIS IS RIDICULOUS AND
// USELESS!!!" scores 3.5; the default threshold is 3.
package trigger

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/textnorm"
)

// DefaultFrustrationThreshold is the frustration score that starts a
// handoff when the configuration does not say.
const DefaultFrustrationThreshold = 3

// Config adds to the shipped lists (or, with NoDefaults, replaces them).
// Lists are keyed by locale; "nl-BE" adds to "nl".
type Config struct {
	// Human phrases ask for a person ("talk to someone") or say the bot is
	// not helping; either starts a text handoff. A configured phrase is
	// reported as asking for a person unless it is one of the shipped
	// not-helping phrases.
	Human map[string][]string `yaml:"human"`
	// Urgent words make the handoff urgent, and start one on their own.
	Urgent map[string][]string `yaml:"urgent"`
	// NotHelpful answers mean "no, it did not help" when the bot has just
	// asked; they start a feedback handoff.
	NotHelpful map[string][]string `yaml:"not_helpful"`
	// Angry words add to the frustration score.
	Angry map[string][]string `yaml:"angry"`
	// FrustrationThreshold is the score that starts a handoff: 0 means
	// DefaultFrustrationThreshold, a negative value turns frustration off.
	FrustrationThreshold float64 `yaml:"frustration_threshold"`
	// Disable turns triggers off: any of text, feedback, frustration.
	Disable []baton.Trigger `yaml:"disable"`
	// NoDefaults uses only the configured lists.
	NoDefaults bool `yaml:"no_defaults"`
}

// Detector finds handoff triggers in customer messages. It is safe for
// concurrent use.
type Detector struct {
	index     *node
	locales   []string // languages with lists, sorted
	text      bool
	feedback  bool
	threshold float64 // negative: frustration off
}

// Locales lists the locales Baton ships lists for.
func Locales() []string { return slices.Sorted(maps.Keys(shipped)) }

// New normalises and indexes the lists once. It fails on a trigger that
// cannot be disabled here and on a phrase that is empty once normalised.
func New(cfg Config) (*Detector, error) {
	d := &Detector{index: &node{}, text: true, feedback: true, threshold: cfg.FrustrationThreshold}
	switch {
	case math.IsNaN(d.threshold) || math.IsInf(d.threshold, 0):
		return nil, baton.Errorf(baton.EINVALID, "trigger: frustration threshold %v is not a number", d.threshold)
	case d.threshold == 0:
		d.threshold = DefaultFrustrationThreshold
	}
	for _, t := range cfg.Disable {
		switch t {
		case baton.TriggerText:
			d.text = false
		case baton.TriggerFeedback:
			d.feedback = false
		case baton.TriggerFrustration:
			d.threshold = -1
		default:
			return nil, baton.Errorf(baton.EINVALID, "trigger: cannot disable %q: only text, feedback and frustration are detected in messages", t)
		}
	}

	type list struct {
		name string
		kind kind
		m    map[string][]string
	}
	var all []list
	if !cfg.NoDefaults {
		for lang, l := range shipped {
			all = append(all,
				list{"human", kindPerson, map[string][]string{lang: l.person}},
				list{"human", kindNotHelping, map[string][]string{lang: l.notHelping}},
				list{"urgent", kindUrgent, map[string][]string{lang: l.urgent}},
				list{"not_helpful", kindNotHelpful, map[string][]string{lang: l.notHelpful}},
				list{"angry", kindAngry, map[string][]string{lang: l.angry}})
		}
	}
	all = append(all,
		list{"human", kindPerson, cfg.Human},
		list{"urgent", kindUrgent, cfg.Urgent},
		list{"not_helpful", kindNotHelpful, cfg.NotHelpful},
		list{"angry", kindAngry, cfg.Angry})

	langs := map[string]int{}
	for _, l := range all {
		for locale := range l.m {
			langs[baton.Language(locale)] = 0
		}
	}
	d.locales = slices.Sorted(maps.Keys(langs))
	for i, lang := range d.locales {
		langs[lang] = i
	}

	notHelping := shippedNotHelping()
	for _, l := range all {
		for _, locale := range slices.Sorted(maps.Keys(l.m)) {
			for _, text := range l.m[locale] {
				norm := textnorm.Normalize(text)
				if norm == "" {
					return nil, baton.Errorf(baton.EINVALID, "trigger: %s phrase %q (%s) is empty once normalised", l.name, text, locale)
				}
				k := l.kind
				if k == kindPerson && notHelping[norm] {
					k = kindNotHelping
				}
				tokens := strings.Fields(norm)
				d.index.insert(tokens, &phrase{text: strings.TrimSpace(text), kind: k,
					locale: langs[baton.Language(locale)], length: len(tokens)})
			}
		}
	}
	return d, nil
}

// shippedNotHelping holds the shipped not-helping phrases, normalised.
func shippedNotHelping() map[string]bool {
	m := map[string]bool{}
	for _, l := range shipped {
		for _, p := range l.notHelping {
			m[textnorm.Normalize(p)] = true
		}
	}
	return m
}

// message is a customer message read once: normalised, split into words and
// looked up in the lists.
type message struct {
	text   string
	tokens []string
	words  []uint64 // the set of tokens, hashed and sorted; only while scoring frustration
	hits   hits
}

func (d *Detector) read(text, lang string) message {
	m := message{text: text, tokens: strings.Fields(textnorm.Normalize(text))}
	m.hits = d.scan(m.tokens, lang)
	return m
}

// Detect returns a handoff request when this customer message needs a
// human, else nil. payload is the quick reply the customer tapped, if any;
// recent is the end of the conversation's public timeline before this
// message, oldest first. Only customer messages in recent count as what the
// customer said before, and only its last bot message as what the bot
// asked.
func (d *Detector) Detect(c *baton.Conversation, text, payload string, recent []baton.Message) *baton.HandoffRequest {
	var lang string
	if c != nil {
		lang = baton.Language(c.Locale)
	}
	m := d.read(text, lang)
	req := d.decide(m, payload, recent)
	if req == nil {
		return nil
	}
	if m.hits.best[kindUrgent].p != nil || d.urgentBefore(recent) {
		req.Priority = baton.PriorityUrgent
	}
	return req
}

func (d *Detector) decide(m message, payload string, recent []baton.Message) *baton.HandoffRequest {
	if d.feedback {
		if r := d.feedbackReason(m, payload, recent); r != "" {
			return &baton.HandoffRequest{Trigger: baton.TriggerFeedback, Reason: r}
		}
	}
	if d.text {
		if h := m.hits.best[kindPerson]; h.p != nil {
			return &baton.HandoffRequest{Trigger: baton.TriggerText, Reason: "the customer asked for a person " + quote(h.p.text)}
		}
		if h := m.hits.best[kindNotHelping]; h.p != nil {
			return &baton.HandoffRequest{Trigger: baton.TriggerText, Reason: "the customer said the bot is not helping " + quote(h.p.text)}
		}
		if h := m.hits.best[kindUrgent]; h.p != nil {
			return &baton.HandoffRequest{Trigger: baton.TriggerText, Reason: "the customer said it is urgent " + quote(h.p.text)}
		}
	}
	if d.threshold >= 0 {
		if score, signals := d.frustration(m, recent); score >= d.threshold {
			return &baton.HandoffRequest{Trigger: baton.TriggerFrustration,
				Reason: fmt.Sprintf("the customer seems frustrated (score %s: %s)",
					strconv.FormatFloat(math.Round(score*100)/100, 'f', -1, 64), strings.Join(signals, ", "))}
		}
	}
	return nil
}

// feedbackReason returns why m says the answer did not help, or "".
func (d *Detector) feedbackReason(m message, payload string, recent []baton.Message) string {
	const reason = "the answer did not help"
	if payload == baton.PayloadNotHelpful {
		if t := strings.TrimSpace(m.text); t != "" {
			return reason + " " + quote(t)
		}
		return reason
	}
	no, asked := notHelpfulButton(recent)
	if !asked {
		return ""
	}
	if h := m.hits.best[kindNotHelpful]; h.p != nil {
		return reason + " " + quote(h.p.text)
	}
	if len(m.tokens) > 0 && strings.Join(m.tokens, " ") == textnorm.Normalize(no.Title) {
		return reason + " " + quote(strings.TrimSpace(no.Title))
	}
	return ""
}

// notHelpfulButton returns the "not helpful" button of the bot's last
// message, if it offers one.
func notHelpfulButton(recent []baton.Message) (baton.Button, bool) {
	for i := len(recent) - 1; i >= 0; i-- {
		if recent[i].Author != baton.AuthorBot {
			continue
		}
		for _, b := range recent[i].Buttons {
			if b.Payload == baton.PayloadNotHelpful {
				return b, true
			}
		}
		break
	}
	return baton.Button{}, false
}

// urgentBefore reports whether a customer message in recent holds an
// urgency word.
func (d *Detector) urgentBefore(recent []baton.Message) bool {
	for _, r := range recent {
		if r.Author == baton.AuthorCustomer && d.read(r.Text, "").hits.best[kindUrgent].p != nil {
			return true
		}
	}
	return false
}

// quote puts a customer's or a list's words in brackets and quotation
// marks, cut short so a reason stays one line.
func quote(s string) string {
	const limit = 60
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > limit {
		s = strings.TrimSpace(string([]rune(s)[:limit])) + "…"
	}
	return "(\u201c" + s + "\u201d)"
}
