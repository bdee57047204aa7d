// Package engine runs conversations: it loads their state, asks the
// lifecycle core what follows each event, stores the decision durably,
// publishes it, and assigns queued conversations to agents.
package engine

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/batonhq/baton"
	"github.com/batonhq/baton/lifecycle"
)

// TriggerDetector looks for a handoff trigger in a customer's message, in
// the context of what the customer and the bot said last (recent, oldest
// first).
type TriggerDetector interface {
	Detect(c *baton.Conversation, text, payload string, recent []baton.Message) *baton.HandoffRequest
}

// Engine is the conversation engine. Set the fields, then use it; Run does
// the background work (inactivity timeouts, queue draining).
type Engine struct {
	Store     baton.Store
	Rules     *lifecycle.Rules
	Publisher baton.Publisher
	// Bot answers customers in bot mode; nil leaves them to external bots,
	// which post their replies through the API.
	Bot baton.Bot
	// RemoteBot says the bot answers over the network: it is asked after
	// the customer's message is stored, in the background, one message at
	// a time per conversation, so a slow bot never holds up the customer.
	// An in-process bot answers inline, in the same stored change.
	RemoteBot bool
	// BotTimeout bounds one bot answer, retries included (default 15 s).
	BotTimeout time.Duration
	Triggers   TriggerDetector
	// Now is the clock; tests set it to any instant.
	Now    func() time.Time
	Logger *slog.Logger
	// CacheSize bounds the conversations kept in memory.
	CacheSize int
	// Senders send on the messaging channels' accounts, by SenderKey.
	Senders map[string]baton.Sender
	// Webhooks posts events to webhook subscribers; Helpdesk mirrors
	// tickets; Notifiers, by name, raise urgent handoffs. Any may be nil.
	Webhooks  WebhookPoster
	Helpdesk  baton.Helpdesk
	Notifiers map[string]baton.Notifier
	// HookMaxAttempts bounds the attempts per integration event
	// (DefaultHookAttempts if zero).
	HookMaxAttempts int
	// PublicURL is Baton's address as agents reach it, for links to the
	// inbox in tickets and alerts ("" leaves them out).
	PublicURL string
	// Metrics counts what happens, for monitoring; nil counts nothing.
	Metrics Metrics

	mu      sync.Mutex
	cache   map[string]*entry
	drainMu sync.Mutex
	// outbox wakes the delivery loop when a change queued deliveries.
	outbox chan struct{}
	// deliverMu runs one Deliver at a time; inflight counts the sends in
	// flight per account (guarded by mu).
	deliverMu sync.Mutex
	inflight  map[string]int
	// deferred counts refused reports on unknown messages (guarded by mu).
	deferred map[string]int
	// subs are the webhook subscriptions; hooks wakes the integration
	// outbox loop; hookMu runs one DeliverHooks at a time.
	subs   atomic.Pointer[[]*baton.Subscription]
	hooks  chan struct{}
	hookMu sync.Mutex
	bots   dispatcher
	stats  handlingStats
}

// entry is one conversation in memory. mu serialises the events of that
// conversation; refs is guarded by Engine.mu.
type entry struct {
	mu        sync.Mutex
	refs      int
	conv      *baton.Conversation
	clientIDs map[string]int64
	// recent is the end of the public timeline, for triggers and the bot.
	recent []baton.Message
}

// recentLength is how much of the timeline triggers and the bot see.
const recentLength = 8

func (en *entry) remember(msgs []baton.Message) {
	for _, m := range msgs {
		if !m.Private {
			en.recent = append(en.recent, m)
		}
	}
	if n := len(en.recent); n > recentLength {
		en.recent = append(en.recent[:0:0], en.recent[n-recentLength:]...)
	}
}

func (e *Engine) now() time.Time {
	if e.Now == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return e.Now().UTC().Truncate(time.Microsecond)
}

func (e *Engine) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.Default()
	}
	return e.Logger
}

// acquire returns the conversation's entry, locked and loaded.
func (e *Engine) acquire(ctx context.Context, id string) (*entry, error) {
	e.mu.Lock()
	if e.cache == nil {
		e.cache = map[string]*entry{}
	}
	en, ok := e.cache[id]
	if !ok {
		en = &entry{}
		e.cache[id] = en
	}
	en.refs++
	e.mu.Unlock()

	en.mu.Lock()
	if en.conv == nil {
		if err := e.load(ctx, id, en); err != nil {
			e.release(id, en)
			return nil, err
		}
	}
	return en, nil
}

func (e *Engine) load(ctx context.Context, id string, en *entry) error {
	c, err := e.Store.Conversation(ctx, id)
	if err != nil {
		return err
	}
	ids, err := e.Store.ClientMessageIDs(ctx, id)
	if err != nil {
		return err
	}
	recent, err := e.Store.RecentMessages(ctx, id, recentLength)
	if err != nil {
		return err
	}
	en.conv, en.clientIDs, en.recent = c, ids, recent
	return nil
}

func (e *Engine) release(id string, en *entry) {
	en.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	en.refs--
	limit := e.CacheSize
	if limit <= 0 {
		limit = 100_000
	}
	if en.refs == 0 && (en.conv == nil || len(e.cache) > limit) {
		delete(e.cache, id)
	}
}

// Cached returns how many conversations are held in memory.
func (e *Engine) Cached() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.cache)
}

// store commits a decision and, once it is durable, makes it the cached
// state and publishes it.
func (e *Engine) store(ctx context.Context, en *entry, d *lifecycle.Decision, create bool) error {
	if d.Unchanged {
		return nil
	}
	var prev *baton.Conversation
	if !create {
		prev = en.conv
	}
	ch := d.Change(prev)
	ch.Create = create
	queueDeliveries(ch, d.Conversation, e.now())
	if e.integrated() {
		ch.Hooks = e.hookEvents(ctx, prev, d)
	}
	if err := e.Store.Commit(ctx, ch); err != nil {
		// The cached state may be stale (another writer); reload next time.
		en.conv = nil
		return err
	}
	en.conv = d.Conversation
	en.remember(d.Entries)
	if len(ch.Deliveries) > 0 {
		e.wakeOutbox()
	}
	if len(ch.Hooks) > 0 {
		e.wakeHooks()
	}
	e.count(prev, d)
	if d.Handled != nil {
		e.stats.forget(d.Handled.Department)
	}
	if en.clientIDs == nil {
		en.clientIDs = map[string]int64{}
	}
	for i := range d.Entries {
		if m := &d.Entries[i]; m.ClientMessageID != "" {
			en.clientIDs[baton.ClientKey(m.Author, m.AgentID, m.ClientMessageID)] = m.Seq
		}
	}
	e.publish(prev, d)
	return nil
}

func (e *Engine) publish(prev *baton.Conversation, d *lifecycle.Decision) {
	if e.Publisher == nil {
		return
	}
	c := d.Conversation
	for i := range d.Entries {
		e.Publisher.Publish(baton.Event{Type: baton.EventTypeMessage, Conversation: c, Message: &d.Entries[i]})
	}
	if prev == nil || prev.Mode != c.Mode || prev.Assignee != c.Assignee || prev.Department != c.Department ||
		prev.Priority != c.Priority || prev.Survey != c.Survey {
		e.Publisher.Publish(baton.Event{Type: baton.EventTypeConversation, Conversation: c, Previous: prev})
	}
	if becameUrgent(prev, c) {
		e.Publisher.Publish(baton.Event{Type: baton.EventTypeAlert, Conversation: c})
	}
}

// update runs decide on the current state of a conversation and stores the
// result. If the store reports a concurrent change, the state is reloaded
// and decide runs again (a few times at most).
func (e *Engine) update(ctx context.Context, id string, decide func(c *baton.Conversation, en *entry) (*lifecycle.Decision, error)) (*lifecycle.Decision, error) {
	for attempt := 0; ; attempt++ {
		en, err := e.acquire(ctx, id)
		if err != nil {
			return nil, err
		}
		d, err := decide(en.conv, en)
		if err == nil && d != nil {
			if err = e.store(ctx, en, d, false); err != nil && baton.ErrorCode(err) == baton.ECONFLICT && attempt < 3 {
				e.release(id, en)
				continue
			}
		}
		e.release(id, en)
		if err != nil {
			return nil, err
		}
		e.after(ctx, d)
		return d, nil
	}
}

// after carries out the work a stored decision leaves: assignment.
func (e *Engine) after(ctx context.Context, d *lifecycle.Decision) {
	if d == nil || d.Unchanged {
		return
	}
	if d.Enqueued {
		e.Drain(ctx, d.Conversation.Department)
	}
	if d.Freed != "" {
		a, err := e.Store.Agent(ctx, d.Freed)
		if err != nil {
			e.logger().Error("load freed agent", "agent", d.Freed, "err", err)
			return
		}
		for _, dept := range a.Departments {
			e.Drain(ctx, dept)
		}
	}
}

// Conversation returns the current state of a conversation.
func (e *Engine) Conversation(ctx context.Context, id string) (*baton.Conversation, error) {
	en, err := e.acquire(ctx, id)
	if err != nil {
		return nil, err
	}
	defer e.release(id, en)
	return en.conv, nil
}

// CreateConversation starts a conversation in bot mode and returns it with
// the customer's token, which is shown only this once.
func (e *Engine) CreateConversation(ctx context.Context, c baton.Conversation) (*baton.Conversation, string, error) {
	token := baton.NewToken(baton.TokenPrefixCustomer)
	c.ID = baton.NewID("c")
	c.CustomerTokenHash = baton.HashToken(token)
	d, err := e.Rules.Create(c, e.now())
	if err != nil {
		return nil, "", err
	}
	en := &entry{}
	if err := e.store(ctx, en, d, true); err != nil {
		return nil, "", err
	}
	return d.Conversation, token, nil
}

// CustomerMessage stores a customer's message and carries out what
// follows: a bot answer, a handoff, a survey step. The same client message
// id twice stores one message and returns the first.
func (e *Engine) CustomerMessage(ctx context.Context, id string, in lifecycle.CustomerInput) (*baton.Message, error) {
	var dup int64
	d, err := e.update(ctx, id, func(c *baton.Conversation, en *entry) (*lifecycle.Decision, error) {
		if seq, ok := en.clientIDs[baton.ClientKey(baton.AuthorCustomer, "", in.ClientMessageID)]; ok && in.ClientMessageID != "" {
			dup = seq
			return nil, nil
		}
		now := e.now()
		in := in
		in.Handoff = nil
		if e.Triggers != nil && (c.Mode == baton.ModeBot || c.Mode == baton.ModeHandoff || c.Mode == baton.ModeClosed) {
			if in.Handoff = e.Triggers.Detect(c, in.Text, in.Payload, en.recent); in.Handoff != nil && in.Handoff.Intent == "" {
				in.Handoff.Intent = lastIntent(en.recent)
			}
		}
		recent := en.recent
		d, err := e.Rules.CustomerMessage(c, in, now)
		if err != nil {
			return nil, err
		}
		if d.AskBot && e.Bot != nil && !e.RemoteBot {
			if d, err = e.askBot(ctx, d, in, recent, now); err != nil {
				return nil, err
			}
		}
		return d, e.place(ctx, d, now)
	})
	if err == nil && d != nil && d.AskBot && e.Bot != nil && e.RemoteBot {
		e.askRemote(d.Conversation, in)
	}
	return e.message(ctx, id, d, err, dup, baton.AuthorCustomer)
}

// lastIntent is the topic of the bot's latest answer among recent messages.
func lastIntent(recent []baton.Message) string {
	for i := len(recent) - 1; i >= 0; i-- {
		if m := recent[i]; m.Author == baton.AuthorBot && m.Intent != "" {
			return m.Intent
		}
	}
	return ""
}

// message returns what a message call stored: the first dup'd message when
// the client message id was already taken (dup), else the decision's first
// entry by author.
func (e *Engine) message(ctx context.Context, id string, d *lifecycle.Decision, err error, dup int64, author baton.Author) (*baton.Message, error) {
	if err != nil {
		return nil, err
	}
	if dup != 0 {
		return e.Store.Message(ctx, id, dup)
	}
	for i := range d.Entries {
		if d.Entries[i].Author == author {
			return &d.Entries[i], nil
		}
	}
	return nil, fmt.Errorf("engine: conversation %s: no %s entry in the decision", id, author)
}

// askBot asks the inline bot and folds its answer into d. A bot that fails
// hands the customer to a human: nobody is left without an answer.
func (e *Engine) askBot(ctx context.Context, d *lifecycle.Decision, in lifecycle.CustomerInput, recent []baton.Message, now time.Time) (*lifecycle.Decision, error) {
	c := d.Conversation
	reply, err := e.botReply(ctx, baton.BotRequest{Conversation: c, Text: in.Text, Payload: in.Payload, Recent: recent})
	if err != nil {
		e.logger().Warn("bot failed; handing off", "conversation", c.ID, "err", err)
		reply = botFailure(err)
	}
	next, err := e.botDecision(c, reply, in.Text, now)
	if err != nil {
		return nil, err
	}
	return d.Then(next), nil
}

// botDecision takes a bot's reply to the customer's text. A reply the rules
// refuse (no text, an unknown department) is a bot failure too: the
// customer still gets a human.
func (e *Engine) botDecision(c *baton.Conversation, reply *baton.BotReply, text string, now time.Time) (*lifecycle.Decision, error) {
	d, err := e.Rules.BotReply(c, reply, text, now)
	if baton.ErrorCode(err) == baton.EINVALID {
		e.logger().Warn("bot reply refused; handing off", "conversation", c.ID, "err", err)
		d, err = e.Rules.BotReply(c, botFailure(err), text, now)
	}
	return d, err
}

// botFailure is the reply standing in for a bot that failed: a handoff.
func botFailure(err error) *baton.BotReply {
	reason := "the bot failed to answer: " + err.Error()
	if len(reason) > 300 {
		reason = reason[:300]
	}
	return &baton.BotReply{Understood: true, Handoff: &baton.HandoffRequest{Trigger: baton.TriggerBotFailure, Reason: strings.ToValidUTF8(reason, "")}}
}

// place gathers the department's facts and places a handoff that is ready.
func (e *Engine) place(ctx context.Context, d *lifecycle.Decision, now time.Time) error {
	if d == nil || !d.NeedsPlacement {
		return nil
	}
	f, err := e.facts(ctx, d.Conversation, now)
	if err != nil {
		return err
	}
	return e.Rules.Place(d, f, now)
}

func (e *Engine) facts(ctx context.Context, c *baton.Conversation, now time.Time) (lifecycle.Facts, error) {
	loads, err := e.loads(ctx)
	if err != nil {
		return lifecycle.Facts{}, err
	}
	f := e.staffing(ctx, c.Department, loads, now)
	queue, err := e.Store.Queued(ctx, c.Department)
	if err != nil {
		return f, err
	}
	me := c.Clone()
	if me.QueuedAt == nil {
		me.QueuedAt = &now
	}
	for _, q := range queue {
		if q.ID != c.ID && lifecycle.QueueOrder(q, me) < 0 {
			f.QueueAhead++
		}
	}
	return f, nil
}

// BotMessage stores a reply from an external bot. If a human has the
// conversation by now, the reply is dropped (ECONFLICT) and never shown.
// A reply with a client message id already stored returns the first.
func (e *Engine) BotMessage(ctx context.Context, id string, reply *baton.BotReply) (*baton.Message, error) {
	var dup int64
	d, err := e.update(ctx, id, func(c *baton.Conversation, en *entry) (*lifecycle.Decision, error) {
		if seq, ok := en.clientIDs[baton.ClientKey(baton.AuthorBot, "", reply.ClientMessageID)]; ok && reply.ClientMessageID != "" {
			dup = seq
			return nil, nil
		}
		now := e.now()
		d, err := e.Rules.BotReply(c, reply, lastCustomerText(en.recent), now)
		if err != nil {
			if baton.ErrorCode(err) == baton.ECONFLICT {
				e.logger().Info("late bot reply dropped", "conversation", id, "mode", c.Mode)
			}
			return nil, err
		}
		return d, e.place(ctx, d, now)
	})
	if err == nil && dup == 0 && len(reply.Messages) == 0 {
		return &d.Entries[0], nil // a handoff without words: its first entry
	}
	return e.message(ctx, id, d, err, dup, baton.AuthorBot)
}

// RequestHandoff starts the handoff procedure (the bot's handoff reply, or
// an agent moving a bot conversation to a queue).
func (e *Engine) RequestHandoff(ctx context.Context, id string, req baton.HandoffRequest) (*baton.Conversation, error) {
	d, err := e.update(ctx, id, func(c *baton.Conversation, _ *entry) (*lifecycle.Decision, error) {
		now := e.now()
		d, err := e.Rules.RequestHandoff(c, req, now)
		if err != nil {
			return nil, err
		}
		return d, e.place(ctx, d, now)
	})
	if err != nil {
		return nil, err
	}
	return e.Conversation(ctx, d.Conversation.ID)
}

// AgentMessage stores an agent's reply (taking the conversation over) or
// private note.
func (e *Engine) AgentMessage(ctx context.Context, a *baton.Agent, id, text, clientMessageID string, private bool) (*baton.Message, error) {
	var dup int64
	d, err := e.update(ctx, id, func(c *baton.Conversation, en *entry) (*lifecycle.Decision, error) {
		if seq, ok := en.clientIDs[baton.ClientKey(baton.AuthorAgent, a.ID, clientMessageID)]; ok && clientMessageID != "" {
			dup = seq
			return nil, nil
		}
		return e.Rules.AgentMessage(c, a, text, clientMessageID, private, e.now())
	})
	return e.message(ctx, id, d, err, dup, baton.AuthorAgent)
}

// AgentTemplate sends the department's approved WhatsApp template for the
// agent, outside the 24-hour window.
func (e *Engine) AgentTemplate(ctx context.Context, a *baton.Agent, id, clientMessageID string) (*baton.Message, error) {
	var dup int64
	d, err := e.update(ctx, id, func(c *baton.Conversation, en *entry) (*lifecycle.Decision, error) {
		if seq, ok := en.clientIDs[baton.ClientKey(baton.AuthorAgent, a.ID, clientMessageID)]; ok && clientMessageID != "" {
			dup = seq
			return nil, nil
		}
		return e.Rules.AgentTemplate(c, a, clientMessageID, e.now())
	})
	return e.message(ctx, id, d, err, dup, baton.AuthorAgent)
}

// Claim gives the conversation to the agent; ECONFLICT if another has it.
func (e *Engine) Claim(ctx context.Context, a *baton.Agent, id string) (*baton.Conversation, error) {
	d, err := e.update(ctx, id, func(c *baton.Conversation, _ *entry) (*lifecycle.Decision, error) {
		return e.Rules.Assign(c, a, lifecycle.AssignClaim, e.now())
	})
	return e.result(ctx, d, err)
}

// Release hands the conversation back to the bot, optionally with a survey.
// A nil agent is an administrator.
func (e *Engine) Release(ctx context.Context, a *baton.Agent, id string, survey bool) (*baton.Conversation, error) {
	d, err := e.update(ctx, id, func(c *baton.Conversation, _ *entry) (*lifecycle.Decision, error) {
		return e.Rules.Release(c, a, survey, e.now())
	})
	return e.result(ctx, d, err)
}

// Transfer moves the conversation to a department or an agent.
func (e *Engine) Transfer(ctx context.Context, by *baton.Agent, id string, to lifecycle.TransferTarget) (*baton.Conversation, error) {
	d, err := e.update(ctx, id, func(c *baton.Conversation, _ *entry) (*lifecycle.Decision, error) {
		now := e.now()
		d, err := e.Rules.Transfer(c, by, to, now)
		if err != nil {
			return nil, err
		}
		return d, e.place(ctx, d, now)
	})
	return e.result(ctx, d, err)
}

// Close ends the conversation. by is the agent closing it, nil for the
// customer or an administrator; who names the closer in the timeline.
func (e *Engine) Close(ctx context.Context, by *baton.Agent, id, who string) (*baton.Conversation, error) {
	d, err := e.update(ctx, id, func(c *baton.Conversation, _ *entry) (*lifecycle.Decision, error) {
		return e.Rules.Close(c, by, who, e.now())
	})
	return e.result(ctx, d, err)
}

func (e *Engine) result(ctx context.Context, d *lifecycle.Decision, err error) (*baton.Conversation, error) {
	if err != nil {
		return nil, err
	}
	// Assignment after the decision may have changed it again.
	return e.Conversation(ctx, d.Conversation.ID)
}
