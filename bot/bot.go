// Package bot is Baton's built-in bot: intents recognised from example
// phrases in any language, answers and short flows per locale, and a
// handoff for the topics a person must handle.
package bot

import (
	"context"
	"maps"
	"strings"

	"github.com/batonhq/baton"
)

// Bot answers customers from a Config. It is safe for concurrent use.
type Bot struct {
	cfg     Config
	intents []intent
	byName  map[string]int
	index   *index
}

// intent is a configured intent ready to answer.
type intent struct {
	*Intent
	// templates holds the parsed answer per answer text.
	templates  map[string]template
	askHelpful bool
}

// New checks the configuration and indexes the examples. The Config is
// not changed.
func New(cfg Config) (*Bot, error) {
	cfg.Intents = cloneIntents(cfg.Intents)
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	b := &Bot{cfg: cfg, byName: make(map[string]int, len(cfg.Intents)), index: newIndex(cfg.Intents)}
	for i := range cfg.Intents {
		in := &cfg.Intents[i]
		c := intent{Intent: in, templates: map[string]template{}}
		for _, text := range in.Answer {
			c.templates[text] = parseTemplate(text)
		}
		c.askHelpful = cfg.Helpful != nil && !in.Sensitive && len(in.Buttons) == 0
		if in.AskHelpful != nil {
			c.askHelpful = cfg.Helpful != nil && !in.Sensitive && *in.AskHelpful
		}
		b.intents = append(b.intents, c)
		b.byName[in.Name] = i
	}
	return b, nil
}

// cloneIntents copies what New changes: compiling a slot fills in its
// defaults.
func cloneIntents(in []Intent) []Intent {
	out := make([]Intent, len(in))
	for i := range in {
		out[i] = in[i]
		out[i].Slots = append([]Slot(nil), in[i].Slots...)
	}
	return out
}

// Intents describes the configured intents, in configuration order.
func (b *Bot) Intents() []IntentInfo {
	out := make([]IntentInfo, len(b.intents))
	for i, in := range b.intents {
		out[i] = IntentInfo{Name: in.Name, Sensitive: in.Sensitive, Department: in.Department, Priority: in.Priority}
	}
	return out
}

// Match returns the intent text means for a customer writing in locale,
// and the score (0 to 1) of the best candidate. The intent is "" when that
// score is under MatchThreshold.
func (b *Bot) Match(text, locale string) (string, float64) {
	i, score := b.index.match(text, baton.Language(locale))
	if i < 0 || score < MatchThreshold {
		return "", score
	}
	return b.intents[i].Name, score
}

// Reply answers a customer message.
//
// A tapped quick reply naming an intent selects it; the payloads of "did
// this help?" (or a yes or no typed right after it) thank the customer or
// hand off with the feedback trigger. A flow in progress takes the message
// as the answer to its question, unless the customer stops it or clearly
// asks something else. Otherwise the best matching intent answers, or the
// fallback does. Sensitive intents always come with a handoff.
//
// Reply.State is set only when what the bot remembers changes: a flow
// starts, moves on or ends. Collected slots stay in the state after the
// flow ends, are not asked again, and are passed as details of any handoff
// the bot requests.
func (b *Bot) Reply(_ context.Context, req baton.BotRequest) (*baton.BotReply, error) {
	t := b.newTurn(req)
	switch req.Payload {
	case "":
	case baton.PayloadHelpful:
		return t.helpful(), nil
	case baton.PayloadNotHelpful:
		return t.notHelpful(), nil
	default:
		if i, ok := b.byName[req.Payload]; ok {
			return t.answer(i), nil
		}
	}
	if t.inFlow {
		if r := t.continueFlow(); r != nil {
			return r, nil
		}
	}
	if m := lastBotMessage(req.Recent); m != nil && offers(m, baton.PayloadNotHelpful) {
		switch answerTo(req.Text) {
		case 1:
			return t.helpful(), nil
		case -1:
			return t.notHelpful(), nil
		}
	}
	if i, score := b.index.match(req.Text, t.language); i >= 0 && score >= MatchThreshold {
		return t.answer(i), nil
	}
	return t.fallback(), nil
}

// turn is one Reply in the making.
type turn struct {
	b        *Bot
	req      baton.BotRequest
	locale   string
	language string
	contact  baton.Contact
	state    baton.BotState
	// inFlow is set when a flow was in progress; slots are the collected
	// values, changed when a flow takes an answer.
	inFlow  bool
	slots   map[string]string
	changed bool
}

func (b *Bot) newTurn(req baton.BotRequest) *turn {
	t := &turn{b: b, req: req}
	if c := req.Conversation; c != nil {
		t.locale, t.contact = c.Locale, c.Contact
		if c.BotState != nil {
			t.state = *c.BotState
		}
	}
	t.language = baton.Language(t.locale)
	t.slots = t.state.Slots
	t.inFlow = t.state.Flow != ""
	return t
}

// value is what is known for a slot: collected earlier, or from the
// contact.
func (t *turn) value(key string) string {
	if v := t.slots[key]; v != "" {
		return v
	}
	switch key {
	case "name":
		return t.contact.Name
	case "email":
		return t.contact.Email
	case "phone":
		return t.contact.Phone
	}
	return t.contact.Attributes[key]
}

// rest is the state after a reply that runs no flow: the collected slots
// without a flow, or nil when nothing changed.
func (t *turn) rest() *baton.BotState {
	if !t.inFlow && !t.changed {
		return nil
	}
	return &baton.BotState{Slots: maps.Clone(t.slots)}
}

// details are the collected slots, passed with a handoff.
func (t *turn) details() map[string]string {
	if len(t.slots) == 0 {
		return nil
	}
	return maps.Clone(t.slots)
}

// answer answers intent i: a handoff for a sensitive topic, the next
// question of a flow, or the answer.
func (t *turn) answer(i int) *baton.BotReply {
	in := &t.b.intents[i]
	r := &baton.BotReply{Understood: true, Intent: in.Name}
	if in.Sensitive {
		if text := in.Answer.In(t.locale); text != "" {
			r.Messages = []baton.BotMessage{{Text: text, Buttons: t.buttons(in.Buttons)}}
		}
		r.Handoff = &baton.HandoffRequest{Trigger: baton.TriggerSensitiveIntent, Reason: "sensitive topic: " + in.Name,
			Intent: in.Name, Department: in.Department, Priority: in.Priority, Details: t.details()}
		r.State = t.rest()
		return r
	}
	for _, s := range in.Slots {
		if t.value(s.Key) == "" {
			r.Messages = []baton.BotMessage{{Text: prompt(&s, t.locale)}}
			r.State = &baton.BotState{Flow: in.Name, Pending: s.Key, Slots: maps.Clone(t.slots)}
			return r
		}
	}
	text := in.Answer.In(t.locale)
	r.Messages = []baton.BotMessage{{Text: in.templates[text].render(t.value), Buttons: t.buttons(in.Buttons)}}
	if h := t.b.cfg.Helpful; h != nil && in.askHelpful {
		r.Messages = append(r.Messages, baton.BotMessage{Text: h.Question.In(t.locale), Buttons: []baton.Button{
			{Title: h.Yes.In(t.locale), Payload: baton.PayloadHelpful},
			{Title: h.No.In(t.locale), Payload: baton.PayloadNotHelpful},
		}})
	}
	r.State = t.rest()
	return r
}

// continueFlow takes the message as the answer to the flow's question. It
// returns nil when the flow no longer exists in the configuration; the
// message is then read as any other.
func (t *turn) continueFlow() *baton.BotReply {
	fi, ok := t.b.byName[t.state.Flow]
	if !ok {
		return nil
	}
	in := &t.b.intents[fi]
	var slot *Slot
	for i := range in.Slots {
		if in.Slots[i].Key == t.state.Pending {
			slot = &in.Slots[i]
		}
	}
	if slot == nil || in.Sensitive {
		return nil
	}
	text := t.req.Text
	if isCancel(text) {
		return &baton.BotReply{Understood: true, Intent: IntentCancelFlow, State: t.rest(),
			Messages: []baton.BotMessage{{Text: orDefault(t.b.cfg.Cancelled, defaultCancelled).In(t.locale)}}}
	}
	value, valid := slot.Validate(text)
	// Free text is always a valid answer, and a structured one may come
	// with words around it: only a clear other question leaves the flow.
	if !valid || slot.Kind == baton.DetailText {
		if i, score := t.b.index.match(text, t.language); i >= 0 && i != fi && score >= SwitchThreshold {
			return t.answer(i)
		}
	}
	if valid {
		t.slots = maps.Clone(t.slots)
		if t.slots == nil {
			t.slots = map[string]string{}
		}
		t.slots[slot.Key] = value
		t.changed = true
		return t.answer(fi)
	}
	if m := lastBotMessage(t.req.Recent); m != nil && startsWithAny(m.Text, hint(slot)) {
		// The second answer in a row that does not fit: stop asking.
		return t.fallback()
	}
	return &baton.BotReply{Understood: true, Intent: in.Name,
		Messages: []baton.BotMessage{{Text: hint(slot).In(t.locale) + " " + prompt(slot, t.locale)}}}
}

// helpful answers a "yes" to "did this help?".
func (t *turn) helpful() *baton.BotReply {
	var thanks baton.Localized
	if h := t.b.cfg.Helpful; h != nil {
		thanks = h.Thanks
	}
	return &baton.BotReply{Understood: true, Intent: IntentHelpful, State: t.rest(),
		Messages: []baton.BotMessage{{Text: orDefault(thanks, defaultThanks).In(t.locale)}}}
}

// notHelpful hands a "no" to "did this help?" to a person, routed like the
// topic of the answer that did not help.
func (t *turn) notHelpful() *baton.BotReply {
	var sorry baton.Localized
	if h := t.b.cfg.Helpful; h != nil {
		sorry = h.Sorry
	}
	h := &baton.HandoffRequest{Trigger: baton.TriggerFeedback, Reason: "the answer did not help", Details: t.details()}
	if i, ok := t.b.byName[lastTopic(t.req.Recent)]; ok {
		in := t.b.intents[i]
		h.Reason += ": " + in.Name
		h.Intent, h.Department, h.Priority = in.Name, in.Department, in.Priority
	}
	return &baton.BotReply{Understood: true, Intent: IntentNotHelpful, Handoff: h, State: t.rest(),
		Messages: []baton.BotMessage{{Text: orDefault(sorry, defaultSorry).In(t.locale)}}}
}

// fallback says the bot did not understand and offers the main topics.
func (t *turn) fallback() *baton.BotReply {
	return &baton.BotReply{State: t.rest(), Messages: []baton.BotMessage{
		{Text: t.b.cfg.Fallback.In(t.locale), Buttons: t.buttons(t.b.cfg.FallbackButtons)},
	}}
}

// buttons renders quick replies in the customer's language.
func (t *turn) buttons(bs []Button) []baton.Button {
	if len(bs) == 0 {
		return nil
	}
	out := make([]baton.Button, len(bs))
	for i, b := range bs {
		out[i] = baton.Button{Title: b.Title.In(t.locale), Payload: b.Payload}
	}
	return out
}

func prompt(s *Slot, locale string) string {
	return orDefault(s.Prompt, defaultPrompts[s.Kind]).In(locale)
}

// hint is said before a question asked again.
func hint(s *Slot) baton.Localized {
	if len(s.Hint) > 0 {
		return s.Hint
	}
	return orDefault(defaultHints[s.Kind], genericHint)
}

func orDefault(l, def baton.Localized) baton.Localized {
	if len(l) > 0 {
		return l
	}
	return def
}

func startsWithAny(text string, l baton.Localized) bool {
	for _, s := range l {
		if s != "" && strings.HasPrefix(text, s) {
			return true
		}
	}
	return false
}

// lastBotMessage is the bot's message the customer is answering: the
// latest entry before this message, system events aside, if the bot wrote
// it.
func lastBotMessage(recent []baton.Message) *baton.Message {
	for i := len(recent) - 1; i >= 0; i-- {
		switch recent[i].Author {
		case baton.AuthorSystem:
			continue
		case baton.AuthorBot:
			return &recent[i]
		}
		return nil
	}
	return nil
}

// lastTopic is the intent of the bot's latest answer.
func lastTopic(recent []baton.Message) string {
	for i := len(recent) - 1; i >= 0; i-- {
		if m := &recent[i]; m.Author == baton.AuthorBot && m.Intent != "" {
			return m.Intent
		}
	}
	return ""
}

func offers(m *baton.Message, payload string) bool {
	for _, b := range m.Buttons {
		if b.Payload == payload {
			return true
		}
	}
	return false
}

var _ baton.Bot = (*Bot)(nil)
